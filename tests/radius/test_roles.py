"""FreeRADIUS connects as its own role, hotspot_radius (migration 0011): it still
authenticates and stores accounting, and the role can do nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from hotspot.db import make_engine
from tests.radius.conftest import wait_until
from tests.radius.test_accounting import ANSWERED, session_row

MAC = "AA:BB:CC:00:50:01"


@pytest.fixture(scope="module")
def radius_engine(component_urls: dict[str, str]) -> Iterator[Engine]:
    engine = make_engine(component_urls["radius"])
    yield engine
    engine.dispose()


def test_freeradius_serves_guests_as_hotspot_radius(
    radius, nas_a, venues, make_voucher, session_factory, engine
) -> None:
    assert radius.env["HOTSPOT_DB_USER"] == "hotspot_radius"
    # Not even the owner's URL reaches the process.
    assert "hotspot_radius" in radius.env["HOTSPOT_DATABASE_URL"]
    v = make_voucher("a", time="1h")
    assert nas_a.authenticate(v.code, v.pin, mac=MAC).accepted
    common = dict(username=v.code, session_id="85000001", mac=MAC, ip="10.5.50.30")
    assert nas_a.accounting_start(**common).code_name == ANSWERED
    stop = nas_a.accounting_stop(session_time=90, input_octets=5, **common)
    assert stop.code_name == ANSWERED
    router = venues["a"].router.id

    def stored() -> bool:
        row = session_row(session_factory, router, "85000001")
        return row is not None and row.stopped_at is not None

    wait_until(stored, timeout=10)
    # A wrong PIN is recorded as a failed login, by the same role.
    assert not nas_a.authenticate(v.code, "0000000000", mac=MAC).accepted
    with engine.connect() as conn:
        users = set(
            conn.scalars(
                text(
                    "SELECT usename FROM pg_stat_activity "
                    "WHERE application_name LIKE 'FreeRADIUS%'"
                )
            )
        )
        failures = conn.scalar(
            text("SELECT count(*) FROM auth_failures WHERE username = :u"),
            {"u": v.code},
        )
    assert users == {"hotspot_radius"}
    assert failures == 1


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM owners",
        "SELECT token_hash FROM api_tokens",
        "UPDATE routers SET radius_secret = 'x'",
        "UPDATE routers SET enabled = true",
        "INSERT INTO routers (owner_id) VALUES (1)",
        "DELETE FROM radius_sessions",
        "DELETE FROM vouchers",
        "UPDATE owners SET policy = NULL",
        "TRUNCATE auth_failures",
        "CREATE TABLE mine (id int)",
        "DROP FUNCTION hotspot_client(text)",
    ],
)
def test_hotspot_radius_may_do_nothing_else(radius_engine: Engine, statement) -> None:
    with radius_engine.connect() as conn, pytest.raises(ProgrammingError) as err:
        conn.execute(text(statement))
    assert "permission denied" in str(err.value) or "must be owner" in str(err.value)


OPERATOR_DATA = (
    "DELETE FROM owners",
    "UPDATE routers SET radius_secret = 'x'",
    "DELETE FROM api_tokens",
)
SCHEMA = (
    "CREATE TABLE mine (id int)",
    "TRUNCATE vouchers",
    "UPDATE alembic_version SET version_num = 'x'",
)


@pytest.mark.parametrize(
    ("role", "refused"),
    [
        # The portal serves the cabinet and the admin: it changes routers and owners
        # (which rows, the application decides); never the schema.
        ("portal", SCHEMA),
        ("scheduler", OPERATOR_DATA + SCHEMA),
    ],
)
def test_portal_and_scheduler_cannot_change_operator_data_or_the_schema(
    component_urls: dict[str, str], role: str, refused: tuple[str, ...]
) -> None:
    engine = make_engine(component_urls[role])
    try:
        for statement in refused:
            with engine.connect() as conn, pytest.raises(ProgrammingError) as err:
                conn.execute(text(statement))
            assert "permission denied" in str(err.value), statement
        with engine.connect() as conn:
            # What they work with: read everything, change guest-side data.
            conn.execute(text("SELECT count(*) FROM routers"))
            conn.execute(text("DELETE FROM login_tickets WHERE false"))
            conn.execute(text("UPDATE vouchers SET status = status WHERE false"))
    finally:
        engine.dispose()
