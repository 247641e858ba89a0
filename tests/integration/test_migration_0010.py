"""Revision 0010 goes down to what 0007 had and up again: hotspot_auth_state and
hotspot_auth_failure as before, auth_failures without its source."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from hotspot.db import alembic_config
from hotspot.policy import LOCKOUT, SOURCE_RADIUS
from migrations.sqlfiles import function_definition


def _signatures(conn, name: str) -> list[str]:
    return sorted(
        conn.scalars(
            text(
                "SELECT pg_get_function_identity_arguments(p.oid) FROM pg_proc p"
                " WHERE p.proname = :n"
            ),
            {"n": name},
        )
    )


def test_downgrade_restores_the_0007_functions_and_upgrade_returns(pg_cluster):
    pg_cluster.ensure_database("hotspot_migration_0010")
    url = pg_cluster.url("hotspot_migration_0010")
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "0007")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert "source" not in {
                c["name"] for c in inspect(conn).get_columns("auth_failures")
            }
            assert _signatures(conn, "hotspot_auth_state") == [
                "p_router text, p_username text, p_mac text, p_now text, p_fresh text"
            ]
            body = conn.scalar(
                text("SELECT prosrc FROM pg_proc WHERE proname = 'hotspot_auth_state'")
            )
            assert body in function_definition(
                "0006_functions.sql", "hotspot_auth_state"
            )
            assert (
                conn.scalar(text("SELECT hotspot_auth_failure('x', 'u', 'm')")) == "ok"
            )
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert _signatures(conn, "hotspot_auth_failure") == [
                "p_router text, p_username text, p_mac text, p_now text, p_source text"
            ]
            line = conn.scalar(
                text("SELECT hotspot_auth_state('0', 'u', 'm', '', '', :s, :w, :rw)"),
                {"s": SOURCE_RADIUS, "w": LOCKOUT.window, "rw": LOCKOUT.router_window},
            )
            assert line == "-"
    finally:
        engine.dispose()
