"""Revision 0015 goes down to 0011 (no outbox, no router-control columns) and up
again; the scheduler's and the portal's roles may write the new tables."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from hotspot.cli import alembic_config


def test_downgrade_drops_router_control_and_upgrade_returns(pg_cluster):
    pg_cluster.ensure_database("hotspot_migration_0015")
    url = pg_cluster.url("hotspot_migration_0015")
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "0011")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert not {"router_actions", "session_keepalives"} & tables
            columns = {c["name"] for c in inspect(conn).get_columns("routers")}
            assert "coa_port" not in columns and "api_password" not in columns
        command.upgrade(config, "head")
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("routers")}
            assert {"coa_port", "coa_enabled", "api_port", "bandwidth"} <= columns
            assert conn.scalar(text("SELECT coa_port FROM routers LIMIT 0")) is None
    finally:
        engine.dispose()


def test_the_components_may_write_the_outbox(engine):
    with engine.connect() as conn:
        for role in ("hotspot_scheduler", "hotspot_portal"):
            for table in ("router_actions", "session_keepalives"):
                assert conn.scalar(
                    text("SELECT has_table_privilege(:r, :t, 'INSERT, UPDATE')"),
                    {"r": role, "t": table},
                ), (role, table)
