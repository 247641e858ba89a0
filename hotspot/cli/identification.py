"""`hotspot` commands: identification."""

from __future__ import annotations

from typing import Any

import click

from .base import Context, command, emit, main, pass_ctx


@main.group()
def registration() -> None:
    """Documents guests identify with (hotel registrations, travel tickets)."""


@command(registration, "import")
@click.option("--owner", "owner_name", required=True)
@click.option(
    "--kind", type=click.Choice(["hotel", "ticket"]), default="hotel", show_default=True
)
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@pass_ctx
def registration_import(
    ctx: Context, owner_name: str, kind: str, csv_file: Any, as_json: bool
) -> None:
    """Import a CSV: reference,surname,valid_from,valid_until (ISO dates)."""
    from hotspot.db import transaction
    from hotspot.services.identification import import_registrations
    from hotspot.services.tenancy import get_owner

    with transaction(ctx.session_factory()) as session:
        count = import_registrations(
            session, get_owner(session, owner_name), kind, csv_file.read()
        )
    emit(
        {"imported": count}, as_json, lambda d: f"Imported {d['imported']} {kind} rows."
    )


@main.group()
def blacklist() -> None:
    """Phones refused SMS and access."""


@command(blacklist, "add")
@click.argument("phone")
@click.option(
    "--owner", "owner_name", help="Only at this owner's venues (default: all)."
)
@click.option("--reason", default="")
@pass_ctx
def blacklist_add(
    ctx: Context, phone: str, owner_name: str | None, reason: str, as_json: bool
) -> None:
    """Block a phone number."""
    from hotspot.db import transaction
    from hotspot.phones import mask
    from hotspot.services.identification import blacklist_phone
    from hotspot.services.tenancy import get_owner

    with transaction(ctx.session_factory()) as session:
        owner_ = get_owner(session, owner_name) if owner_name else None
        entry = blacklist_phone(session, owner_, phone, reason)
        data = {"phone": mask(entry.phone), "owner": owner_name}
    emit(data, as_json, lambda d: f"Blocked {d['phone']}.")


@command(blacklist, "list")
@click.option(
    "--owner", "owner_name", help="This owner's list (default: the operator's)."
)
@pass_ctx
def blacklist_list(ctx: Context, owner_name: str | None, as_json: bool) -> None:
    """Blocked phones (masked), at one owner's venues or everywhere."""
    from hotspot.services.identification import blacklist_dict, list_blacklist
    from hotspot.services.tenancy import get_owner

    with ctx.session_factory()() as session:
        owner_ = get_owner(session, owner_name) if owner_name else None
        rows = [blacklist_dict(e) for e in list_blacklist(session, owner_)]
    emit(
        rows,
        as_json,
        lambda rows: (
            "\n".join(
                f"{r['phone']:<16} {r['since'][:10]}  {r['reason']}" for r in rows
            )
            or "No blocked phones."
        ),
    )


@command(blacklist, "remove")
@click.argument("phone")
@click.option(
    "--owner", "owner_name", help="From this owner's list (default: the operator's)."
)
@pass_ctx
def blacklist_remove(
    ctx: Context, phone: str, owner_name: str | None, as_json: bool
) -> None:
    """Unblock a phone number."""
    from hotspot.db import transaction
    from hotspot.phones import mask, normalise_phone
    from hotspot.services.identification import unblock_phone
    from hotspot.services.tenancy import get_owner

    with transaction(ctx.session_factory()) as session:
        owner_ = get_owner(session, owner_name) if owner_name else None
        unblock_phone(session, owner_, phone)
    shown = mask(normalise_phone(phone, ("*",)) or "")
    emit({"unblocked": shown}, as_json, lambda d: f"Unblocked {d['unblocked']}.")
