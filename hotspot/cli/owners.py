"""`hotspot` commands: owners."""

from __future__ import annotations

from typing import Any

import click

from .base import Context, command, emit, main, pass_ctx


@main.group()
def owner() -> None:
    """Venue owners (tenants)."""


@command(owner, "add")
@click.argument("name")
@click.option("--display-name", default="")
@pass_ctx
def owner_add(ctx: Context, name: str, display_name: str, as_json: bool) -> None:
    """Register a venue owner."""
    from hotspot.db import transaction
    from hotspot.services.tenancy import add_owner

    with transaction(ctx.session_factory()) as session:
        o = add_owner(session, name, display_name)
        data = {"id": o.id, "name": o.name}
    emit(data, as_json, lambda d: f"Owner {d['name']} added (id {d['id']}).")


@command(owner, "token")
@click.option("--owner", "owner_name", required=True)
@click.option("--name", required=True, help="What the token is for.")
@click.option("--revoke", is_flag=True, help="Revoke the tokens of that name.")
@pass_ctx
def owner_token(
    ctx: Context, owner_name: str, name: str, revoke: bool, as_json: bool
) -> None:
    """Create (or revoke) an API token for /api/v1; it is shown once."""
    from hotspot.clock import utcnow
    from hotspot.db import transaction
    from hotspot.services.tenancy import create_api_token, get_owner, revoke_api_token

    with transaction(ctx.session_factory()) as session:
        o = get_owner(session, owner_name)
        if revoke:
            count = revoke_api_token(session, o, name, utcnow())
            data: dict[str, Any] = {"revoked": count}
        else:
            _, token = create_api_token(session, o, name, utcnow())
            data = {"name": name, "token": token}
    emit(
        data,
        as_json,
        lambda d: (
            f"Revoked {d['revoked']} token(s)."
            if revoke
            else f"API token (shown once): {d['token']}"
        ),
    )


@command(owner, "set")
@click.argument("name")
@click.argument("assignments", nargs=-1, required=True)
@pass_ctx
def owner_set(
    ctx: Context, name: str, assignments: tuple[str, ...], as_json: bool
) -> None:
    """Change a venue's settings: NAME SETTING=VALUE ... (lists comma-separated;
    an empty value restores the default). `hotspot owner show NAME` lists them."""
    from hotspot.db import transaction
    from hotspot.services.tenancy import get_owner
    from hotspot.venues import parse_assignments, update_settings

    changes = parse_assignments(assignments)
    with transaction(ctx.session_factory()) as session:
        values = update_settings(
            session, get_owner(session, name), changes, ctx.gateway_names()
        )
    emit(values, as_json, _settings_text)


@command(owner, "show")
@click.argument("name")
@pass_ctx
def owner_show(ctx: Context, name: str, as_json: bool) -> None:
    """A venue's settings in force (defaults included)."""
    from hotspot.services.tenancy import get_owner
    from hotspot.venues import venue_settings

    with ctx.session_factory()() as session:
        values = venue_settings(session, get_owner(session, name))
    emit(values, as_json, _settings_text)


def _settings_text(values: dict[str, Any]) -> str:
    def show(v: Any) -> str:
        if isinstance(v, list):
            return ",".join(v) or "-"
        return "-" if v is None else str(v)

    return "\n".join(f"{k:<24} {show(v)}" for k, v in values.items())


@command(owner, "logo")
@click.argument("name")
@click.argument("image", type=click.File("rb"), required=False)
@click.option("--remove", is_flag=True, help="Remove the logo.")
@pass_ctx
def owner_logo(
    ctx: Context, name: str, image: Any, remove: bool, as_json: bool
) -> None:
    """Set the venue's logo on the portal (PNG, JPEG, WebP or GIF, at most 512 KB)."""
    from hotspot.clock import utcnow
    from hotspot.db import transaction
    from hotspot.errors import InvalidInput
    from hotspot.services.ads import MAX_LOGO, set_logo
    from hotspot.services.tenancy import get_owner

    if (image is None) == (not remove):
        raise InvalidInput("give an image file, or --remove")
    data = None if remove else image.read(MAX_LOGO + 1)
    with transaction(ctx.session_factory()) as session:
        logo = set_logo(session, get_owner(session, name), data, utcnow())
        out = {"owner": name, "logo": logo.content_type if logo else None}
    emit(out, as_json, lambda d: f"Logo of {name}: {d['logo'] or 'none'}.")
