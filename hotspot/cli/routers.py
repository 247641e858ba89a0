"""`hotspot` commands: routers."""

from __future__ import annotations

import sys
from typing import Any

import click

from .base import Context, command, emit, main, pass_ctx


@main.group()
def router() -> None:
    """Routers (RADIUS clients)."""


@command(router, "add")
@click.option("--owner", "owner_name", required=True)
@click.option("--nas-id", required=True, help="The router's identity (NAS-Identifier).")
@click.option("--ip", required=True, help="Source address of its RADIUS packets.")
@click.option(
    "--secret",
    help="RADIUS shared secret (16+ characters). Visible in the process list and "
    "the shell's history: prefer --secret-file, --generate-secret or the prompt.",
)
@click.option(
    "--secret-file",
    type=click.File("r"),
    help="Read the secret from this file ('-': standard input).",
)
@click.option(
    "--generate-secret", is_flag=True, help="Make a random secret and print it once."
)
@click.option(
    "--require-message-authenticator/--no-require-message-authenticator",
    default=True,
    show_default=True,
    help="Drop Access-Requests without a valid Message-Authenticator. RouterOS >= "
    "7.15 sends it (/radius set require-message-auth=yes-for-request-resp). Off "
    "(older routers only), anyone who can send UDP from the router's address can "
    "forge requests without the secret; they count as guesses, so they can lock out "
    "a card whose number they know or a device's MAC.",
)
@pass_ctx
def router_add(
    ctx: Context,
    owner_name: str,
    nas_id: str,
    ip: str,
    secret: str | None,
    secret_file: Any,
    generate_secret: bool,
    require_message_authenticator: bool,
    as_json: bool,
) -> None:
    """Register a router; FreeRADIUS serves it at once. Without --secret,
    --secret-file or --generate-secret the secret is asked for (not echoed)."""
    from hotspot.db import transaction
    from hotspot.services.tenancy import add_router, get_owner

    secret = _router_secret(secret, secret_file, generate_secret)
    with transaction(ctx.session_factory()) as session:
        r = add_router(
            session,
            get_owner(session, owner_name),
            nas_id,
            ip,
            secret,
            require_message_authenticator,
        )
        data = {
            "id": r.id,
            "nas_id": r.nas_identifier,
            "ip": str(r.ip_address),
            "owner": owner_name,
        }
    if generate_secret:
        data["secret"] = secret  # shown this once: it goes on the router
    emit(
        data,
        as_json,
        lambda d: (
            f"Router {d['nas_id']} ({d['ip']}) added."
            + (f"\nRADIUS secret (shown once): {d['secret']}" if "secret" in d else "")
        ),
    )


def _router_secret(secret: str | None, secret_file: Any, generate: bool) -> str:
    """The secret from exactly one source: the option, a file, a new random one, or
    a prompt at a terminal."""
    from hotspot.errors import InvalidInput
    from hotspot.services.tenancy import generate_router_secret

    given = [x for x in (secret, secret_file, generate or None) if x]
    if len(given) > 1:
        raise InvalidInput("give one of --secret, --secret-file, --generate-secret")
    if generate:
        return generate_router_secret()
    if secret_file is not None:
        return str(secret_file.read()).strip()
    if secret:
        return secret
    if not sys.stdin.isatty():
        raise InvalidInput(
            "no secret: give --secret-file FILE (or -), --generate-secret or --secret"
        )
    return str(click.prompt("RADIUS secret", hide_input=True, confirmation_prompt=True))


def _router_text(d: dict[str, Any]) -> str:
    state = "on" if d["enabled"] else "SWITCHED OFF"
    ma = (
        "requires Message-Authenticator"
        if d["require_message_authenticator"]
        else ("Message-Authenticator not required")
    )
    return f"{d['nas_id']:<20} {d['ip']:<16} {d['owner']:<16} {state}, {ma}"


@command(router, "list")
@click.option("--owner", "owner_name", help="Only this owner's routers.")
@pass_ctx
def router_list(ctx: Context, owner_name: str | None, as_json: bool) -> None:
    """List routers."""
    from hotspot.services.tenancy import get_owner, list_routers, router_dict

    with ctx.session_factory()() as session:
        owner_ = get_owner(session, owner_name) if owner_name else None
        rows = [router_dict(r) for r in list_routers(session, owner_)]
    emit(
        rows, as_json, lambda rows: "\n".join(map(_router_text, rows)) or "No routers."
    )


def _switch_router(ctx: Context, nas_id: str, enabled: bool, as_json: bool) -> None:
    from hotspot.db import transaction
    from hotspot.services.tenancy import get_router, router_dict, set_router_enabled

    with transaction(ctx.session_factory()) as session:
        data = router_dict(
            set_router_enabled(session, get_router(session, nas_id), enabled)
        )
    emit(data, as_json, _router_text)


@command(router, "disable")
@click.option("--nas-id", required=True)
@pass_ctx
def router_disable(ctx: Context, nas_id: str, as_json: bool) -> None:
    """Switch a router's hotspot off: its guests are told so (RADIUS and portal)."""
    _switch_router(ctx, nas_id, False, as_json)


@command(router, "enable")
@click.option("--nas-id", required=True)
@pass_ctx
def router_enable(ctx: Context, nas_id: str, as_json: bool) -> None:
    """Switch a router's hotspot back on."""
    _switch_router(ctx, nas_id, True, as_json)


@command(router, "set")
@click.option("--nas-id", required=True)
@click.option("--ip", help="New source address of its RADIUS packets.")
@click.option(
    "--secret-file",
    type=click.File("r"),
    help="Read the new RADIUS secret from this file ('-': standard input).",
)
@click.option(
    "--require-message-authenticator/--no-require-message-authenticator",
    default=None,
    help="Refuse requests without Message-Authenticator (RouterOS >= 7.15).",
)
@click.option("--title", help="A name for people.")
@pass_ctx
def router_set(
    ctx: Context,
    nas_id: str,
    ip: str | None,
    secret_file: Any,
    require_message_authenticator: bool | None,
    title: str | None,
    as_json: bool,
) -> None:
    """Change a router's address, secret, Message-Authenticator rule or title."""
    from hotspot.db import transaction
    from hotspot.services.tenancy import get_router, router_dict, update_router

    secret = secret_file.read().strip() if secret_file else None
    with transaction(ctx.session_factory()) as session:
        r = update_router(
            session,
            get_router(session, nas_id),
            ip_address=ip,
            secret=secret,
            require_message_authenticator=require_message_authenticator,
            title=title,
        )
        data = router_dict(r)
    emit(data, as_json, _router_text)


@command(router, "trust")
@click.option("--nas-id", required=True)
@click.option(
    "--portal-address",
    "portal_addresses",
    multiple=True,
    help="A public address or network its guests reach the portal from (repeat; "
    "'' clears).",
)
@click.option(
    "--hotspot-host",
    "hotspot_hosts",
    multiple=True,
    help="A host link-login-only may name (repeat; '' clears: 10.5.50.1).",
)
@click.option("--cloud-name", help="Its IP Cloud name ('' clears).")
@click.option(
    "--api-vouches/--no-api-vouches",
    default=None,
    help="Where no address vouches for a request, ask the router's RouterOS API "
    "whether the device is one of its hotspot hosts.",
)
@pass_ctx
def router_trust(
    ctx: Context,
    nas_id: str,
    portal_addresses: tuple[str, ...],
    hotspot_hosts: tuple[str, ...],
    cloud_name: str | None,
    api_vouches: bool | None,
    as_json: bool,
) -> None:
    """Where the portal believes a router's login page from (README: "Where the
    portal trusts a router from")."""
    from hotspot.db import transaction
    from hotspot.services.tenancy import get_router, set_router_trust

    def listed(values: tuple[str, ...]) -> list[str] | None:
        return [v for v in values if v.strip()] if values else None

    with transaction(ctx.session_factory()) as session:
        r = set_router_trust(
            session,
            get_router(session, nas_id),
            portal_addresses=listed(portal_addresses),
            hotspot_hosts=listed(hotspot_hosts),
            cloud_name=cloud_name,
            api_vouches=api_vouches,
        )
        data = {
            "nas_id": r.nas_identifier,
            "portal_addresses": [str(a) for a in r.portal_addresses or []],
            "hotspot_hosts": list(r.hotspot_hosts or []) or ["10.5.50.1"],
            "cloud_name": r.cloud_name,
            "api_vouches": r.api_vouches,
        }
    emit(data, as_json, lambda d: "\n".join(f"{k}: {v}" for k, v in d.items()))


@command(router, "status")
@click.option("--owner", "owner_name", help="Only this owner's routers.")
@pass_ctx
def router_status(ctx: Context, owner_name: str | None, as_json: bool) -> None:
    """What the routers were asked to do (Disconnect, CoA): pending and failed
    actions, the last error, the last success; and their last Access-Request."""
    from hotspot.routers.outbox import router_status as outbox_status
    from hotspot.services.tenancy import get_owner, list_routers

    with ctx.session_factory()() as session:
        owner_ = get_owner(session, owner_name) if owner_name else None
        routers = list_routers(session, owner_)
        status = outbox_status(session, routers)
        rows = [
            {
                "nas_id": r.nas_identifier,
                "coa_port": r.coa_port,
                "coa_enabled": r.coa_enabled,
                "last_request": (
                    r.last_request_at.isoformat() if r.last_request_at else None
                ),
                **status[r.id],
            }
            for r in routers
        ]
    emit(rows, as_json, _status_text)


@command(router, "script")
@click.option("--nas-id", required=True)
@click.option(
    "--radius-address",
    help="Our RADIUS server's address as the router reaches it "
    "(default: HOTSPOT_RADIUS_HOST).",
)
@click.option("--portal-url", help="The portal (default: HOTSPOT_PORTAL_URL).")
@pass_ctx
def router_script(
    ctx: Context,
    nas_id: str,
    radius_address: str | None,
    portal_url: str | None,
    as_json: bool,
) -> None:
    """Print the RouterOS script that connects a router (paste it into its
    terminal). The router gets an API user of its own on first use."""
    from hotspot.db import transaction
    from hotspot.routers.script import onboarding_for, render
    from hotspot.services.tenancy import get_router

    with transaction(ctx.session_factory()) as db_session:
        r = get_router(db_session, nas_id)
        onboarding = onboarding_for(r, ctx.settings, radius_address, portal_url)
    text = render(onboarding)
    emit({"nas_id": nas_id, "script": text}, as_json, lambda d: d["script"].rstrip())


@command(router, "control")
@click.option("--nas-id", required=True)
@click.option("--coa-port", type=int, help="Its incoming RADIUS port (3799).")
@click.option(
    "--coa/--no-coa",
    "coa_enabled",
    default=None,
    help="Whether it accepts Disconnect/CoA (/radius incoming set accept=yes); "
    "without, the RouterOS API is used.",
)
@click.option("--api-port", type=int, help="Its RouterOS API port (8728).")
@click.option("--api-username")
@click.option(
    "--api-password-file",
    type=click.File("r"),
    help="Read the API password from this file ('-': standard input).",
)
@click.option("--bandwidth", help="The hotspot's total bandwidth, rx/tx ('': none).")
@click.option("--hotspot-network", help="The guests' network, e.g. 10.5.50.0/24.")
@pass_ctx
def router_control(
    ctx: Context,
    nas_id: str,
    api_password_file: Any,
    as_json: bool,
    **values: Any,
) -> None:
    """How we act on a router's sessions: incoming RADIUS, RouterOS API, queues."""
    from hotspot.db import transaction
    from hotspot.routers.control import control_dict, set_router_control
    from hotspot.services.tenancy import get_router

    if api_password_file is not None:
        values["api_password"] = api_password_file.read().strip()
    with transaction(ctx.session_factory()) as db_session:
        r = set_router_control(db_session, get_router(db_session, nas_id), **values)
        data = control_dict(r)
    emit(
        data,
        as_json,
        lambda d: (
            f"{d['nas_id']}: incoming RADIUS "
            f"{'port ' + str(d['coa_port']) if d['coa_enabled'] else 'off'}, API "
            f"{d['api_port'] or 'none'}, bandwidth {d['bandwidth'] or 'none'}"
        ),
    )


def _status_text(rows: list[dict[str, Any]]) -> str:
    lines = []
    for r in rows:
        line = (
            f"{r['nas_id']:<20} {r['pending']} pending, {r['failed']} failed, "
            f"last ok {r['last_ok'] or 'never'}"
        )
        if not r["coa_enabled"]:
            line += ", incoming RADIUS off"
        if r["last_error"]:
            line += f", last error: {r['last_error']}"
        lines.append(line)
    return "\n".join(lines) or "No routers."
