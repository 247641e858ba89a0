"""Revision 0021 goes down to 0018 (no SMS prices, no index of document logins by
time) and up again; the portal may write the prices, FreeRADIUS may not."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from hotspot.cli import alembic_config


def test_downgrade_drops_sms_prices_and_upgrade_returns(pg_cluster):
    pg_cluster.ensure_database("hotspot_migration_0021")
    url = pg_cluster.url("hotspot_migration_0021")
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "0018")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert "sms_prices" not in inspect(conn).get_table_names()
            indexes = {i["name"] for i in inspect(conn).get_indexes("identifications")}
            assert "ix_identifications_owner_created" not in indexes
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert "sms_prices" in inspect(conn).get_table_names()
            indexes = {i["name"] for i in inspect(conn).get_indexes("identifications")}
            assert "ix_identifications_owner_created" in indexes
    finally:
        engine.dispose()


def test_who_may_write_the_prices(engine):
    with engine.connect() as conn:
        may = {
            role: conn.scalar(
                text("SELECT has_table_privilege(:r, 'sms_prices', 'INSERT')"),
                {"r": role},
            )
            for role in ("hotspot_portal", "hotspot_scheduler", "hotspot_radius")
        }
    assert may == {
        "hotspot_portal": True,
        "hotspot_scheduler": True,
        "hotspot_radius": False,
    }
