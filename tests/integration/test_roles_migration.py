"""Migration 0011 grants the components' roles what they need (future tables
included) and its downgrade takes it all back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from hotspot.db import alembic_config, make_engine

CHECKS = {
    ("hotspot_radius", "routers", "SELECT"): True,
    ("hotspot_radius", "radius_sessions", "INSERT"): True,
    ("hotspot_radius", "api_tokens", "SELECT"): False,
    ("hotspot_radius", "owners", "DELETE"): False,
    ("hotspot_portal", "vouchers", "INSERT"): True,
    # The cabinet and the admin change venue settings and routers.
    ("hotspot_portal", "routers", "UPDATE"): True,
    ("hotspot_portal", "alembic_version", "UPDATE"): False,
    ("hotspot_scheduler", "routers", "UPDATE"): False,
    ("hotspot_scheduler", "login_tickets", "DELETE"): True,
    ("hotspot_scheduler", "owners", "DELETE"): False,
}


def privileges(conn) -> dict[tuple[str, str, str], bool]:  # type: ignore[no-untyped-def]
    return {
        key: conn.scalar(
            text("SELECT has_table_privilege(:r, :t, :p)"),
            dict(zip("rtp", key, strict=True)),
        )
        for key in CHECKS
    }


def test_grants_and_their_downgrade(pg_cluster, component_urls) -> None:
    pg_cluster.ensure_database("roles_migration")
    url = pg_cluster.url("roles_migration")
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            assert privileges(conn) == CHECKS
            conn.execute(text("CREATE TABLE later_one (id serial PRIMARY KEY)"))
            later = {
                role: conn.scalar(
                    text("SELECT has_table_privilege(:r, 'later_one', 'INSERT')"),
                    {"r": role},
                )
                for role in ("hotspot_portal", "hotspot_scheduler", "hotspot_radius")
            }
            assert later == {
                "hotspot_portal": True,
                "hotspot_scheduler": True,
                "hotspot_radius": False,
            }
            conn.execute(text("DROP TABLE later_one"))
        command.downgrade(config, "0007")
        with engine.begin() as conn:
            assert not any(privileges(conn).values())
            assert not conn.scalar(
                text(
                    "SELECT has_column_privilege('hotspot_radius', 'routers', "
                    "'last_auth_failure_at', 'UPDATE')"
                )
            )
            conn.execute(text("CREATE TABLE later_two (id int)"))
            assert not conn.scalar(
                text(
                    "SELECT has_table_privilege('hotspot_portal', 'later_two', "
                    "'SELECT')"
                )
            )
            conn.execute(text("DROP TABLE later_two"))
        command.upgrade(config, "head")
        with engine.begin() as conn:
            assert privileges(conn) == CHECKS
    finally:
        engine.dispose()


def test_the_schema_owner_is_no_superuser_and_takes_over_an_older_database(
    pg_cluster, database_url
) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT current_user")) == "hotspot_owner"
            assert not conn.scalar(
                text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            )
    finally:
        engine.dispose()
    # A database the superuser made and migrated, as the local stack once did.
    pg_cluster.ensure_database("superuser_made")
    command.upgrade(alembic_config(pg_cluster.url("superuser_made")), "head")
    url = pg_cluster.ensure_owned_database("superuser_made")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            foreign = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
                    "AND c.relowner <> current_user::regrole"
                )
            ) + conn.scalar(
                text(
                    "SELECT count(*) FROM pg_proc p JOIN pg_namespace n "
                    "ON n.oid = p.pronamespace WHERE n.nspname = 'public' "
                    "AND p.proowner <> current_user::regrole"
                )
            )
        assert foreign == 0
    finally:
        engine.dispose()
    # The owner can now migrate it both ways.
    command.downgrade(alembic_config(url), "0005")
    command.upgrade(alembic_config(url), "head")
