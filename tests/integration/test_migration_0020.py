"""Revision 0020 adds the live pages' keyset index and the router actions' index by
session; down to 0015 drops both, up again brings them back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect

from hotspot.cli import alembic_config

NEW = {
    ("radius_sessions", "ix_radius_sessions_open_keyset"),
    ("router_actions", "ix_router_actions_session"),
}


def _indexes(engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        found = inspect(conn)
        return {
            (table, ix["name"])
            for table in ("radius_sessions", "router_actions")
            for ix in found.get_indexes(table)
        }


def test_downgrade_drops_the_indexes_and_upgrade_returns(pg_cluster):
    pg_cluster.ensure_database("hotspot_migration_0020")
    url = pg_cluster.url("hotspot_migration_0020")
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = create_engine(url)
    try:
        assert NEW <= _indexes(engine)
        command.downgrade(config, "0015")
        assert not NEW & _indexes(engine)
        command.upgrade(config, "head")
        assert NEW <= _indexes(engine)
    finally:
        engine.dispose()
