"""`hotspot` commands: accounting."""

from __future__ import annotations

from typing import Any

import click

from .base import Context, command, emit, main, pass_ctx


@main.group()
def accounting() -> None:
    """Accounting from the routers."""


@command(accounting, "dead-letters")
@click.option("--limit", default=100, show_default=True, help="Newest first.")
@pass_ctx
def accounting_dead_letters(ctx: Context, limit: int, as_json: bool) -> None:
    """Accounting records that could not be stored, and why."""
    from hotspot.services.accounting import list_dead_letters

    with ctx.session_factory()() as session:
        rows = list_dead_letters(session, limit)

    def text(rows: list[dict[str, Any]]) -> str:
        return (
            "\n".join(
                f"{r['created_at']}  router {r['router']}  "
                f"session {r['fields'].get('session_id', '')!r}  {r['reason']}"
                for r in rows
            )
            or "No dead letters."
        )

    emit(rows, as_json, text)
