"""Alembic environment: online migrations only, with lock and statement timeouts so
a migration never queues behind (or blocks) live RADIUS traffic for long."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from hotspot.models import Base
from hotspot.settings import Settings

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option(
        "sqlalchemy.url"
    )
    return url or Settings.from_env().database_url


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(database_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    connection.execute(text("SET lock_timeout = '10s'"))
    connection.execute(text("SET statement_timeout = '300s'"))
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `hotspot db upgrade`")
run_migrations_online()
