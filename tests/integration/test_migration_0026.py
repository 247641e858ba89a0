"""Revision 0026 goes down to 0022 (0018's accounting, no record of restarts) and
up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from hotspot.cli import alembic_config


def _state(conn) -> tuple[bool, bool]:
    body = conn.scalar(
        text("SELECT prosrc FROM pg_proc WHERE proname = 'hotspot_accounting_store'")
    )
    table = conn.scalar(text("SELECT to_regclass('router_accounting_resets')"))
    return "v_reset" in body, table is not None


def test_downgrade_restores_0018s_accounting_and_upgrade_returns(pg_cluster):
    pg_cluster.ensure_database("hotspot_migration_0026")
    url = pg_cluster.url("hotspot_migration_0026")
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert _state(conn) == (True, True)
        command.downgrade(config, "0022")
        with engine.connect() as conn:
            assert _state(conn) == (False, False)
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert _state(conn) == (True, True)
    finally:
        engine.dispose()
