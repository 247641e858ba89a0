"""Revision 0024 goes down to 0023 (no routers.last_request_at, hotspot_auth_state
STABLE and writing nothing, as before) and up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from hotspot.cli import alembic_config


def _state(conn) -> tuple[bool, str, bool]:
    column = conn.scalar(
        text(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'routers' AND column_name = 'last_request_at'"
        )
    )
    volatility, body = conn.execute(
        text(
            "SELECT provolatile, prosrc FROM pg_proc "
            "WHERE proname = 'hotspot_auth_state'"
        )
    ).one()
    return bool(column), volatility, "last_request_at" in body


def test_downgrade_restores_the_previous_auth_state_and_upgrade_returns(pg_cluster):
    pg_cluster.ensure_database("hotspot_migration_0024")
    url = pg_cluster.url("hotspot_migration_0024")
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert _state(conn) == (True, "v", True)
        command.downgrade(config, "0023")
        with engine.connect() as conn:
            assert _state(conn) == (False, "s", False)
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert _state(conn) == (True, "v", True)
    finally:
        engine.dispose()
