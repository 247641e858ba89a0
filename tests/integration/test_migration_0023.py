"""Revision 0023 goes down to 0026 (no speed overrides, hotspot_auth_state as
0017 had it) and up again; FreeRADIUS may read the overrides, not write them."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from hotspot.cli import alembic_config


def _auth_state_reads_overrides(conn) -> bool:
    body = conn.scalar(
        text("SELECT prosrc FROM pg_proc WHERE proname = 'hotspot_auth_state'")
    )
    return "speed_overrides" in body


def test_downgrade_drops_speed_overrides_and_upgrade_returns(pg_cluster):
    pg_cluster.ensure_database("hotspot_migration_0023")
    url = pg_cluster.url("hotspot_migration_0023")
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "0026")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert "speed_overrides" not in inspect(conn).get_table_names()
            assert not _auth_state_reads_overrides(conn)
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert "speed_overrides" in inspect(conn).get_table_names()
            assert _auth_state_reads_overrides(conn)
    finally:
        engine.dispose()


def test_freeradius_may_read_the_overrides_only(engine):
    with engine.connect() as conn:
        may = [
            conn.scalar(
                text(
                    "SELECT has_table_privilege('hotspot_radius', 'speed_overrides',"
                    " :p)"
                ),
                {"p": privilege},
            )
            for privilege in ("SELECT", "INSERT")
        ]
    assert may == [True, False]
