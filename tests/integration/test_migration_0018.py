"""Revision 0018 goes down to 0020 (Accounting-On closes nothing, as before) and up
again (it closes the router's sessions)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from hotspot.cli import alembic_config


def _closes_sessions(conn) -> bool:
    body = conn.scalar(
        text("SELECT prosrc FROM pg_proc WHERE proname = 'hotspot_accounting_store'")
    )
    return "NAS-Reboot" in body


def test_downgrade_restores_the_previous_accounting_and_upgrade_returns(pg_cluster):
    pg_cluster.ensure_database("hotspot_migration_0018")
    url = pg_cluster.url("hotspot_migration_0018")
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert _closes_sessions(conn)
        command.downgrade(config, "0020")
        with engine.connect() as conn:
            assert not _closes_sessions(conn)
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert _closes_sessions(conn)
    finally:
        engine.dispose()
