"""Revision 0014 goes down to 0011 and up again: the guest columns and the ad
tables go and come back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect

from hotspot.cli import alembic_config


def test_downgrade_removes_guest_and_ad_schema_and_upgrade_returns(pg_cluster):
    pg_cluster.ensure_database("hotspot_migration_0014")
    url = pg_cluster.url("hotspot_migration_0014")
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "0011")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            schema = inspect(conn)
            assert not {"ad_banners", "ad_events", "venue_logos"} & set(
                schema.get_table_names()
            )
            assert "guest" not in {c["name"] for c in schema.get_columns("tariffs")}
            assert "guest_identity" not in {
                c["name"] for c in schema.get_columns("vouchers")
            }
        command.upgrade(config, "head")
        with engine.connect() as conn:
            schema = inspect(conn)
            assert {"ad_banners", "ad_events", "venue_logos"} <= set(
                schema.get_table_names()
            )
            indexes = {i["name"] for i in schema.get_indexes("vouchers")}
            assert {
                "uq_vouchers_guest_identity",
                "ix_vouchers_guest_reset_at",
            } <= indexes
    finally:
        engine.dispose()
