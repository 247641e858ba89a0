"""`hotspot` commands: db."""

from __future__ import annotations

import click

from hotspot.db import alembic_config

from .base import Context, command, emit, main, pass_ctx


@main.group()
def db() -> None:
    """Database schema."""


@command(db, "upgrade")
@click.option("--revision", default="head", show_default=True)
@pass_ctx
def db_upgrade(ctx: Context, revision: str, as_json: bool) -> None:
    """Apply the Alembic migrations."""
    from alembic import command as alembic_command

    alembic_command.upgrade(alembic_config(ctx.settings.database_url), revision)
    emit({"upgraded": revision}, as_json, lambda d: f"Database upgraded to {revision}.")
