"""The ``hotspot`` command: the same core functions the portal and scheduler call.

Every command accepts ``--json`` for machine-readable output.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from .db import alembic_config
from .errors import DomainError
from .settings import Settings, SettingsError, with_local_stack


class Context:
    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._factory: Any = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_env(with_local_stack())
        return self._settings

    def session_factory(self) -> Any:
        if self._factory is None:
            from .db import make_engine, make_sessionmaker

            self._factory = make_sessionmaker(make_engine(self.settings.database_url))
        return self._factory

    def gateway_names(self) -> list[str]:
        """Names of the SMS gateways this installation configured."""
        raw = self.settings.sms_providers or "[]"
        try:
            return [str(p.get("name")) for p in json.loads(raw) if isinstance(p, dict)]
        except ValueError as exc:
            raise SettingsError("HOTSPOT_SMS_PROVIDERS is not valid JSON") from exc


pass_ctx = click.make_pass_decorator(Context, ensure=True)


def emit(data: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        click.echo(text(data))


def command(group: click.Group, name: str | None = None) -> Callable[..., Any]:
    """A subcommand with ``--json`` that turns domain errors into exit code 1."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        @click.option(
            "--json", "as_json", is_flag=True, help="Machine-readable output."
        )
        @functools.wraps(fn)
        def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> Any:
            try:
                return fn(*args, as_json=as_json, **kwargs)
            except (DomainError, SettingsError) as exc:
                message = getattr(exc, "message", str(exc))
                if as_json:
                    click.echo(
                        json.dumps(
                            {"error": getattr(exc, "key", "error"), "message": message}
                        )
                    )
                else:
                    click.echo(f"Error: {message}", err=True)
                sys.exit(1)
            except OperationalError as exc:
                _database_unreachable(exc, as_json)

        return group.command(name)(wrapper)

    return decorator


def _database_unreachable(exc: Exception, as_json: bool) -> None:
    """A database that does not answer: say which and what to do, no traceback."""
    from sqlalchemy.engine import make_url

    url = make_url(Context().settings.database_url)
    where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"
    message = (
        f"cannot reach the database at {where} ({str(exc.args[0]).strip()[:200]}). "
        "Is the local stack running (`make run`)? Otherwise set HOTSPOT_DATABASE_URL."
    )
    if as_json:
        click.echo(json.dumps({"error": "database_unreachable", "message": message}))
    else:
        click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.group()
def main() -> None:
    """Cloud WiFi hotspot platform for MikroTik networks."""


# -- db --------------------------------------------------------------------------
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


# -- owners ----------------------------------------------------------------------
@main.group()
def owner() -> None:
    """Venue owners (tenants)."""


@command(owner, "add")
@click.argument("name")
@click.option("--display-name", default="")
@pass_ctx
def owner_add(ctx: Context, name: str, display_name: str, as_json: bool) -> None:
    """Register a venue owner."""
    from .db import transaction
    from .services.tenancy import add_owner

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
    from .clock import utcnow
    from .db import transaction
    from .services.tenancy import create_api_token, get_owner, revoke_api_token

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
    from .db import transaction
    from .services.tenancy import get_owner
    from .venues import parse_assignments, update_settings

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
    from .services.tenancy import get_owner
    from .venues import venue_settings

    with ctx.session_factory()() as session:
        values = venue_settings(session, get_owner(session, name))
    emit(values, as_json, _settings_text)


def _settings_text(values: dict[str, Any]) -> str:
    def show(v: Any) -> str:
        if isinstance(v, list):
            return ",".join(v) or "-"
        return "-" if v is None else str(v)

    return "\n".join(f"{k:<24} {show(v)}" for k, v in values.items())


# -- routers ---------------------------------------------------------------------
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
    from .db import transaction
    from .services.tenancy import add_router, get_owner

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
    from .errors import InvalidInput
    from .services.tenancy import generate_router_secret

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
    from .services.tenancy import get_owner, list_routers, router_dict

    with ctx.session_factory()() as session:
        owner_ = get_owner(session, owner_name) if owner_name else None
        rows = [router_dict(r) for r in list_routers(session, owner_)]
    emit(
        rows, as_json, lambda rows: "\n".join(map(_router_text, rows)) or "No routers."
    )


def _switch_router(ctx: Context, nas_id: str, enabled: bool, as_json: bool) -> None:
    from .db import transaction
    from .services.tenancy import get_router, router_dict, set_router_enabled

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
    from .db import transaction
    from .services.tenancy import get_router, router_dict, update_router

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


# -- tariffs ---------------------------------------------------------------------
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


@command(router, "status")
@click.option("--owner", "owner_name", help="Only this owner's routers.")
@pass_ctx
def router_status(ctx: Context, owner_name: str | None, as_json: bool) -> None:
    """What the routers were asked to do (Disconnect, CoA): pending and failed
    actions, the last error, the last success."""
    from .routers.outbox import router_status as outbox_status
    from .services.tenancy import get_owner, list_routers

    with ctx.session_factory()() as session:
        owner_ = get_owner(session, owner_name) if owner_name else None
        routers = list_routers(session, owner_)
        status = outbox_status(session, routers)
        rows = [
            {
                "nas_id": r.nas_identifier,
                "coa_port": r.coa_port,
                "coa_enabled": r.coa_enabled,
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
    from .crypto import SAFE_ALNUM, random_string
    from .db import transaction
    from .routers.script import Onboarding, render
    from .services.tenancy import get_router

    settings = ctx.settings
    with transaction(ctx.session_factory()) as db_session:
        r = get_router(db_session, nas_id)
        if not r.api_password:
            r.api_username = r.api_username or "hotspot-api"
            r.api_password = random_string(24, SAFE_ALNUM)
            r.api_port = r.api_port or 8728
        onboarding = Onboarding(
            nas_identifier=r.nas_identifier,
            secret=r.radius_secret,
            radius_address=radius_address or settings.radius_host,
            portal_url=portal_url or settings.portal_url,
            coa_port=r.coa_port,
            auth_port=settings.radius_auth_port,
            acct_port=settings.radius_acct_port,
            interim=settings.acct_interim_interval,
            api_username=r.api_username or "hotspot-api",
            api_password=r.api_password,
            api_port=r.api_port or 8728,
        )
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
    from .db import transaction
    from .routers.control import control_dict, set_router_control
    from .services.tenancy import get_router

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


# -- live sessions ---------------------------------------------------------------
@main.group()
def session() -> None:
    """Live sessions: list, disconnect, change speed."""


@command(session, "list")
@click.option("--owner", "owner_name", required=True)
@click.option("--router", "nas_id", help="Only at this router (NAS-Identifier).")
@pass_ctx
def session_list(
    ctx: Context, owner_name: str, nas_id: str | None, as_json: bool
) -> None:
    """The owner's sessions online now."""
    from .services.sessions import live_sessions, session_dict
    from .services.tenancy import get_owner, get_router, list_routers

    with ctx.session_factory()() as db_session:
        owner_ = get_owner(db_session, owner_name)
        router_ = get_router(db_session, nas_id, owner_) if nas_id else None
        names = {r.id: r.nas_identifier for r in list_routers(db_session, owner_)}
        rows = [
            session_dict(rs, names.get(rs.router_id, ""))
            for rs in live_sessions(db_session, owner=owner_, router=router_)
        ]
    emit(
        rows,
        as_json,
        lambda rows: (
            "\n".join(
                f"{r['id']:<8} {r['router']:<20} {r['username']:<16} "
                f"{r['mac'] or '':<17} {r['ip'] or '':<15} since {r['started_at'][:19]}"
                for r in rows
            )
            or "No sessions online."
        ),
    )


@command(session, "disconnect")
@click.option("--owner", "owner_name", required=True)
@click.argument("session_id", type=int)
@pass_ctx
def session_disconnect(
    ctx: Context, owner_name: str, session_id: int, as_json: bool
) -> None:
    """Cut a session: its router gets a Disconnect within seconds."""
    from .clock import utcnow
    from .db import transaction
    from .services.sessions import disconnect_session, session_dict
    from .services.tenancy import get_owner

    with transaction(ctx.session_factory()) as db_session:
        rs = disconnect_session(
            db_session, get_owner(db_session, owner_name), session_id, utcnow()
        )
        data = session_dict(rs)
    emit(data, as_json, lambda d: f"Session {d['id']} ({d['username']}) is being cut.")


@command(session, "speed")
@click.option("--owner", "owner_name", required=True)
@click.option("--voucher", "code", help="One card.")
@click.option("--tariff", "tariff_name", help="A tariff and every card sold with it.")
@click.option("--rate", required=True, help="Mikrotik-Rate-Limit, e.g. 1M/4M.")
@pass_ctx
def session_speed(
    ctx: Context,
    owner_name: str,
    code: str | None,
    tariff_name: str | None,
    rate: str,
    as_json: bool,
) -> None:
    """Change the speed of a card or a tariff, also for the sessions online (CoA)."""
    from .clock import utcnow
    from .db import transaction
    from .services.sessions import change_speed
    from .services.tenancy import get_owner

    with transaction(ctx.session_factory()) as db_session:
        count = change_speed(
            db_session,
            get_owner(db_session, owner_name),
            rate,
            utcnow(),
            voucher_code=code,
            tariff_name=tariff_name,
        )
    emit(
        {"rate": rate, "sessions": count},
        as_json,
        lambda d: f"Speed {d['rate']}; {d['sessions']} session(s) online changed.",
    )


@main.group()
def tariff() -> None:
    """Tariffs."""


@command(tariff, "add")
@click.option("--owner", "owner_name", required=True)
@click.option("--name", required=True)
@click.option("--time", "time_", help="Total time, e.g. 90m, 2h, 1d.")
@click.option("--data", help="Total data, e.g. 500MB, 2GB.")
@click.option(
    "--rate",
    help="MikroTik rate limit RX/TX, e.g. 2M/4M, with bursts: "
    "'2M/4M 4M/8M 1M/2M 10/10 8'.",
)
@click.option("--validity", help="Valid for, e.g. 30d.")
@click.option(
    "--validity-from",
    type=click.Choice(["first_use", "creation"]),
    default="first_use",
    show_default=True,
)
@click.option("--idle", help="Idle timeout, e.g. 10m.")
@click.option(
    "--kind",
    type=click.Choice(["free", "prepaid", "metered"]),
    default="prepaid",
    show_default=True,
)
@click.option("--price", default="0", help="Price of the package (prepaid).")
@click.option("--price-per-mb", help="Metered: charged per MB.")
@click.option("--price-per-minute", help="Metered: charged per minute.")
@click.option("--currency", default="UZS", show_default=True)
@click.option(
    "--devices",
    default=1,
    show_default=True,
    type=int,
    help="Devices online at once per voucher.",
)
@click.option(
    "--guest",
    is_flag=True,
    help="A guest tariff: what the portal's Free button gives.",
)
@click.option(
    "--guest-mode",
    type=click.Choice(["regular", "no-pause"]),
    help="regular: the allowance once per reset period (default); no-pause: "
    "sessions of --time each, during the validity.",
)
@click.option(
    "--reset-period", help="Guest tariffs: the allowance returns after, e.g. 1d."
)
@pass_ctx
def tariff_add(
    ctx: Context,
    owner_name: str,
    name: str,
    time_: str | None,
    data: str | None,
    rate: str | None,
    validity: str | None,
    validity_from: str,
    idle: str | None,
    kind: str,
    price: str,
    price_per_mb: str | None,
    price_per_minute: str | None,
    currency: str,
    devices: int,
    guest: bool,
    guest_mode: str | None,
    reset_period: str | None,
    as_json: bool,
) -> None:
    """Create a tariff."""
    from .db import transaction
    from .services.tariffs import add_tariff, tariff_dict
    from .services.tenancy import get_owner

    with transaction(ctx.session_factory()) as session:
        t = add_tariff(
            session,
            get_owner(session, owner_name),
            name,
            time=time_,
            data=data,
            rate=rate,
            validity=validity,
            idle=idle,
            price=price,
            currency=currency,
            kind=kind,
            validity_from=validity_from,
            price_per_mb=price_per_mb,
            price_per_minute=price_per_minute,
            max_devices=devices,
            guest=guest,
            guest_mode=guest_mode,
            reset_period=reset_period,
        )
        out = tariff_dict(t)
    emit(out, as_json, lambda d: f"Tariff {d['name']} added (id {d['id']}).")


@command(tariff, "set")
@click.option("--owner", "owner_name", required=True)
@click.argument("name")
@click.option("--guest/--no-guest", required=True, help="A guest tariff or not.")
@click.option("--guest-mode", type=click.Choice(["regular", "no-pause"]))
@click.option("--reset-period", help="Guest tariffs: the allowance returns after.")
@pass_ctx
def tariff_set(
    ctx: Context,
    owner_name: str,
    name: str,
    guest: bool,
    guest_mode: str | None,
    reset_period: str | None,
    as_json: bool,
) -> None:
    """Mark a tariff as guest (with its mode and reset period), or not."""
    from .db import transaction
    from .services.tariffs import set_tariff_guest, tariff_dict
    from .services.tenancy import get_owner

    with transaction(ctx.session_factory()) as session:
        t = set_tariff_guest(
            session,
            get_owner(session, owner_name),
            name,
            guest,
            guest_mode,
            reset_period,
        )
        out = tariff_dict(t)
    emit(out, as_json, lambda d: f"Tariff {d['name']} changed.")


@command(tariff, "list")
@click.option("--owner", "owner_name", required=True)
@click.option("--archived", is_flag=True, help="Include archived tariffs.")
@pass_ctx
def tariff_list(ctx: Context, owner_name: str, archived: bool, as_json: bool) -> None:
    """List an owner's tariffs."""
    from .services.tariffs import list_tariffs, tariff_dict
    from .services.tenancy import get_owner
    from .units import format_duration, format_size

    with ctx.session_factory()() as session:
        rows = [
            tariff_dict(t)
            for t in list_tariffs(session, get_owner(session, owner_name), archived)
        ]

    def text(rows: list[dict[str, Any]]) -> str:
        return (
            "\n".join(
                f"{r['name']:<20} {r['kind']:<8} "
                f"{format_duration(r['time_limit']) if r['time_limit'] else '-':>8} "
                f"{format_size(r['data_limit']) if r['data_limit'] else '-':>8} "
                f"{r['rate_limit'] or '-':<12} {r['price']} {r['currency']}"
                f"{'  (archived)' if r['archived'] else ''}"
                for r in rows
            )
            or "No tariffs."
        )

    emit(rows, as_json, text)


@command(tariff, "archive")
@click.option("--owner", "owner_name", required=True)
@click.argument("name")
@pass_ctx
def tariff_archive(ctx: Context, owner_name: str, name: str, as_json: bool) -> None:
    """Stop selling a tariff (sold vouchers keep their limits)."""
    from .db import transaction
    from .services.tariffs import archive_tariff
    from .services.tenancy import get_owner

    with transaction(ctx.session_factory()) as session:
        archive_tariff(session, get_owner(session, owner_name), name)
    emit({"archived": name}, as_json, lambda d: f"Tariff {name} archived.")


@command(tariff, "delete")
@click.option("--owner", "owner_name", required=True)
@click.argument("name")
@pass_ctx
def tariff_delete(ctx: Context, owner_name: str, name: str, as_json: bool) -> None:
    """Delete a tariff that no voucher uses."""
    from .db import transaction
    from .services.tariffs import delete_tariff
    from .services.tenancy import get_owner

    with transaction(ctx.session_factory()) as session:
        delete_tariff(session, get_owner(session, owner_name), name)
    emit({"deleted": name}, as_json, lambda d: f"Tariff {name} deleted.")


# -- vouchers --------------------------------------------------------------------
@main.group()
def voucher() -> None:
    """Vouchers and prepaid cards."""


@command(voucher, "generate")
@click.option("--owner", "owner_name", required=True)
@click.option("--tariff", "tariff_name", required=True)
@click.option("--count", default=1, show_default=True, type=int)
@click.option("--code-length", default=10, show_default=True, type=int)
@click.option("--pin-length", default=6, show_default=True, type=int)
@click.option(
    "--pin-alphabet",
    type=click.Choice(["digits", "alnum"]),
    default="digits",
    show_default=True,
    help="alnum: letters and digits without look-alikes (0/O, 1/I/L).",
)
@click.option("--prefix", default="", help="Card number prefix (digits/capitals).")
@click.option("--face-value", help="Card value; the balance of metered cards.")
@click.option("--unsold-expiry", help="Cards never used expire after, e.g. 180d.")
@click.option("--note", default="")
@pass_ctx
def voucher_generate(
    ctx: Context,
    owner_name: str,
    tariff_name: str,
    count: int,
    code_length: int,
    pin_length: int,
    pin_alphabet: str,
    prefix: str,
    face_value: str | None,
    unsold_expiry: str | None,
    note: str,
    as_json: bool,
) -> None:
    """Generate a batch of vouchers: prints each card number and PIN."""
    from .crypto import PinCipher
    from .db import transaction
    from .errors import InvalidInput
    from .services.tariffs import get_tariff
    from .services.tenancy import get_owner
    from .services.vouchers import generate_vouchers
    from .units import UnitError, parse_duration

    ctx.settings.require("pin_key")
    try:
        expiry = parse_duration(unsold_expiry) if unsold_expiry else None
    except UnitError as exc:
        raise InvalidInput(str(exc)) from exc
    with transaction(ctx.session_factory()) as session:
        o = get_owner(session, owner_name)
        issued = generate_vouchers(
            session,
            o,
            get_tariff(session, o, tariff_name),
            count,
            PinCipher(ctx.settings.pin_key),
            code_length=code_length,
            pin_length=pin_length,
            pin_alphabet=pin_alphabet,
            prefix=prefix.upper(),
            face_value=face_value,
            unsold_expiry=expiry,
            note=note,
        )
        rows = [{"code": v.code, "pin": v.pin} for v in issued]
        batch_id = issued[0].voucher.batch_id
    emit(
        rows,
        as_json,
        lambda d: (
            f"Batch {batch_id}:\n"
            + "\n".join(f"{r['code']}  PIN {r['pin']}" for r in d)
        ),
    )


@command(voucher, "list")
@click.option("--owner", "owner_name", required=True)
@click.option("--batch", "batch_id", type=int)
@click.option(
    "--status", type=click.Choice(["new", "active", "exhausted", "expired", "revoked"])
)
@pass_ctx
def voucher_list(
    ctx: Context,
    owner_name: str,
    batch_id: int | None,
    status: str | None,
    as_json: bool,
) -> None:
    """List vouchers (no PINs: use export)."""
    from .services.tenancy import get_owner
    from .services.vouchers import list_vouchers, voucher_dict

    with ctx.session_factory()() as session:
        rows = [
            voucher_dict(v)
            for v in list_vouchers(
                session,
                get_owner(session, owner_name),
                batch_id=batch_id,
                status=status,
            )
        ]
    emit(
        rows,
        as_json,
        lambda d: (
            "\n".join(
                f"{r['code']}  batch {r['batch']}  {r['status']:<9} "
                f"{r['used_seconds']} s  {r['used_bytes']} B"
                for r in d
            )
            or "No vouchers."
        ),
    )


@command(voucher, "revoke")
@click.option("--owner", "owner_name", required=True)
@click.argument("code")
@pass_ctx
def voucher_revoke(ctx: Context, owner_name: str, code: str, as_json: bool) -> None:
    """Revoke a voucher: it is refused from now on."""
    from .clock import utcnow
    from .db import transaction
    from .services.tenancy import get_owner
    from .services.vouchers import revoke_voucher

    with transaction(ctx.session_factory()) as session:
        v = revoke_voucher(session, get_owner(session, owner_name), code, utcnow())
        data = {"code": v.code, "status": v.status}
    emit(data, as_json, lambda d: f"Voucher {d['code']} revoked.")


@command(voucher, "export")
@click.option("--owner", "owner_name", required=True)
@click.option("--batch", "batch_id", type=int, required=True)
@click.option(
    "--output", type=click.Path(dir_okay=False), help="File (default: stdout)."
)
@pass_ctx
def voucher_export(
    ctx: Context, owner_name: str, batch_id: int, output: str | None, as_json: bool
) -> None:
    """Export a batch as CSV (card numbers and PINs: keep it safe)."""
    from .crypto import PinCipher
    from .services.tenancy import get_owner
    from .services.vouchers import export_batch_csv

    ctx.settings.require("pin_key")
    with ctx.session_factory()() as session:
        text = export_batch_csv(
            session,
            get_owner(session, owner_name),
            batch_id,
            PinCipher(ctx.settings.pin_key),
        )
    if output:
        _write_private(output, text.encode())
        emit({"written": output}, as_json, lambda d: f"Written {output}.")
    else:
        click.echo(text, nl=False)


@main.group()
def card() -> None:
    """Printable cards."""


@command(card, "print")
@click.option("--owner", "owner_name", required=True)
@click.option("--batch", "batch_id", type=int, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "pdf"]),
    default="html",
    show_default=True,
)
@click.option("--per-page", default=10, show_default=True, type=int)
@click.option("--output", type=click.Path(dir_okay=False), required=True)
@click.option(
    "--lang",
    type=click.Choice(["uz", "uz_Cyrl", "ru", "en"]),
    default="en",
    show_default=True,
    help="The guests' language (HTML sheets).",
)
@pass_ctx
def card_print(
    ctx: Context,
    owner_name: str,
    batch_id: int,
    fmt: str,
    per_page: int,
    output: str,
    lang: str,
    as_json: bool,
) -> None:
    """Print sheet of a batch: A4, N cards per page, QR codes to the portal."""
    from .cards import render_html, render_pdf
    from .crypto import PinCipher
    from .services.tenancy import get_owner
    from .services.vouchers import batch_sheet

    ctx.settings.require("pin_key")
    with ctx.session_factory()() as session:
        sheet = batch_sheet(
            session,
            get_owner(session, owner_name),
            batch_id,
            PinCipher(ctx.settings.pin_key),
            ctx.settings.portal_url,
            per_page,
            lang,
        )
    _write_private(
        output, render_pdf(sheet) if fmt == "pdf" else render_html(sheet).encode()
    )
    emit(
        {"written": output, "cards": len(sheet.cards)},
        as_json,
        lambda d: f"Written {d['cards']} cards to {output}.",
    )


# -- identification ----------------------------------------------------------------
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
    from .db import transaction
    from .services.identification import import_registrations
    from .services.tenancy import get_owner

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
    from .db import transaction
    from .phones import mask
    from .services.identification import blacklist_phone
    from .services.tenancy import get_owner

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
    from .services.identification import blacklist_dict, list_blacklist
    from .services.tenancy import get_owner

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
    from .db import transaction
    from .phones import mask, normalise_phone
    from .services.identification import unblock_phone
    from .services.tenancy import get_owner

    with transaction(ctx.session_factory()) as session:
        owner_ = get_owner(session, owner_name) if owner_name else None
        unblock_phone(session, owner_, phone)
    shown = mask(normalise_phone(phone, ("*",)) or "")
    emit({"unblocked": shown}, as_json, lambda d: f"Unblocked {d['unblocked']}.")


@command(owner, "logo")
@click.argument("name")
@click.argument("image", type=click.File("rb"), required=False)
@click.option("--remove", is_flag=True, help="Remove the logo.")
@pass_ctx
def owner_logo(
    ctx: Context, name: str, image: Any, remove: bool, as_json: bool
) -> None:
    """Set the venue's logo on the portal (PNG, JPEG, WebP or GIF, at most 512 KB)."""
    from .clock import utcnow
    from .db import transaction
    from .errors import InvalidInput
    from .services.ads import MAX_LOGO, set_logo
    from .services.tenancy import get_owner

    if (image is None) == (not remove):
        raise InvalidInput("give an image file, or --remove")
    data = None if remove else image.read(MAX_LOGO + 1)
    with transaction(ctx.session_factory()) as session:
        logo = set_logo(session, get_owner(session, name), data, utcnow())
        out = {"owner": name, "logo": logo.content_type if logo else None}
    emit(out, as_json, lambda d: f"Logo of {name}: {d['logo'] or 'none'}.")


# -- ads -------------------------------------------------------------------------
@main.group()
def ads() -> None:
    """Ad banners shown before Free access, and their statistics."""


@command(ads, "add")
@click.option("--owner", "owner_name", required=True)
@click.option("--name", required=True)
@click.option(
    "--image",
    required=True,
    type=click.File("rb"),
    help="PNG, JPEG, WebP or GIF, at most 2 MB.",
)
@click.option("--link", required=True, help="Opened after login (http or https).")
@click.option("--from", "starts", type=click.DateTime(), help="Runs from (UTC).")
@click.option("--until", "ends", type=click.DateTime(), help="Runs until (UTC).")
@click.option("--weight", default=1, show_default=True, type=int)
@click.option("--router", "routers", multiple=True, help="NAS-Identifier (repeat).")
@pass_ctx
def ads_add(
    ctx: Context,
    owner_name: str,
    name: str,
    image: Any,
    link: str,
    starts: Any,
    ends: Any,
    weight: int,
    routers: tuple[str, ...],
    as_json: bool,
) -> None:
    """Upload a banner (all the owner's routers unless --router is given)."""
    import datetime as dt

    from .db import transaction
    from .services.ads import MAX_UPLOAD, add_banner, banner_dict
    from .services.tenancy import get_owner

    def utc(when: Any) -> Any:
        return when.replace(tzinfo=dt.UTC) if when else None

    data = image.read(MAX_UPLOAD + 1)
    with transaction(ctx.session_factory()) as session:
        banner = add_banner(
            session,
            get_owner(session, owner_name),
            name,
            data,
            link,
            starts_at=utc(starts),
            ends_at=utc(ends),
            weight=weight,
            routers=routers,
        )
        out = banner_dict(banner)
    emit(out, as_json, lambda d: f"Banner {d['name']} added (id {d['id']}).")


@command(ads, "list")
@click.option("--owner", "owner_name", required=True)
@pass_ctx
def ads_list(ctx: Context, owner_name: str, as_json: bool) -> None:
    """An owner's banners."""
    from .services.ads import banner_dict, list_banners
    from .services.tenancy import get_owner

    with ctx.session_factory()() as session:
        rows = [
            banner_dict(b)
            for b in list_banners(session, get_owner(session, owner_name))
        ]
    emit(
        rows,
        as_json,
        lambda rs: (
            "\n".join(
                f"{r['id']:>5}  {r['name']:<20} weight {r['weight']:<4} "
                f"{r['target_url']}"
                for r in rs
            )
            or "No banners."
        ),
    )


@command(ads, "stats")
@click.option("--owner", "owner_name", required=True)
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 366))
@pass_ctx
def ads_stats(ctx: Context, owner_name: str, days: int, as_json: bool) -> None:
    """Per banner and day (the venue's time zone): views, unique devices, clicks,
    click-through rate."""
    import datetime as dt

    from .clock import utcnow
    from .services.ads import ad_stats
    from .services.identification import OwnerPolicy
    from .services.tenancy import get_owner

    now = utcnow()
    with ctx.session_factory()() as session:
        owner_ = get_owner(session, owner_name)
        zone = OwnerPolicy.of(owner_).timezone
        rows = ad_stats(session, owner_, now - dt.timedelta(days=days), now, zone)
    emit(
        rows,
        as_json,
        lambda rs: "\n".join(
            [
                f"{'day':<10}  {'banner':<20} {'views':>7} {'devices':>7} "
                f"{'clicks':>6} {'CTR':>6}"
            ]
            + [
                f"{r['day']:<10}  {r['name']:<20} {r['views']:>7} {r['devices']:>7} "
                f"{r['clicks']:>6} {r['ctr']:>6.1%}"
                for r in rs
            ]
        ),
    )


def _write_private(path: str, data: bytes) -> None:
    """Write a file only its owner can read, from the first byte (it holds PINs)."""
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


# -- accounting ------------------------------------------------------------------
@main.group()
def accounting() -> None:
    """Accounting from the routers."""


# -- the flow log (operator only) ------------------------------------------------
@main.group()
def flows() -> None:
    """The legal log of web resources per identified user (operator only; every
    search is audited with the OS user and the stated reason)."""


def _period(start: str | None, end: str | None, at: str | None, window: int) -> Any:
    import datetime as dt

    from .services.flows import Period

    def parse(value: str) -> dt.datetime:
        t = dt.datetime.fromisoformat(value)
        return t if t.tzinfo else t.replace(tzinfo=dt.UTC)

    if at:
        centre, half = parse(at), dt.timedelta(seconds=window)
        return Period(centre - half, centre + half)
    if not (start and end):
        raise click.UsageError("give --from and --to, or --at")
    return Period(parse(start), parse(end))


def _subject(phone: str | None, card: str | None) -> str | None:
    from .services.flows import subject_of

    return subject_of(phone=phone, card=card) if (phone or card) else None


_FLOW_FIELDS = (
    "start",
    "end",
    "router",
    "client",
    "dst",
    "dst_name",
    "sport",
    "dport",
    "proto",
    "bytes",
    "packets",
    "matched",
    "username",
    "mac",
    "method",
    "reference",
    "acct_session_id",
)


def _flows_text(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{r['start']} {r['client']:>15}:{r['sport']:<5} -> {r['dst']}:{r['dport']}"
        f"{' (' + r['dst_name'] + ')' if r['dst_name'] else ''} {r['bytes']} B  "
        + (f"{r['username']} {r['reference'] or ''}" if r["matched"] else "UNMATCHED")
        for r in rows
    ]
    return "\n".join(lines) or "No flows."


def _subject_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        (
            click.option("--phone", help="The person's phone."),
            click.option("--document", help="A document reference (room, ticket)."),
            click.option("--card", help="A voucher card number."),
            click.option("--from", "start", help="Period start (ISO 8601; UTC)."),
            click.option("--to", "end", help="Period end (ISO 8601; UTC)."),
            click.option("--reason", required=True, help="Why (the request)."),
        )
    ):
        fn = option(fn)
    return fn


@command(flows, "report")
@_subject_options
@click.option("--dst", help="A destination address or DNS name.")
@click.option("--at", help="A moment (ISO 8601): the period is --window around it.")
@click.option("--window", default=300, show_default=True, help="Seconds, with --at.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV output.")
@pass_ctx
def flows_report(ctx: Context, as_json: bool, as_csv: bool, **opts: Any) -> None:
    """Flows of a person (--phone/--document/--card) or to an address (--dst)."""
    import getpass

    from .db import transaction
    from .services.flows import report

    period = _period(opts["start"], opts["end"], opts["at"], opts["window"])
    subject = _subject(opts["phone"], opts["card"])
    if not (subject or opts["document"] or opts["dst"]):
        raise click.UsageError("give --phone, --document, --card or --dst")
    with transaction(ctx.session_factory()) as session:
        rows = report(
            session,
            getpass.getuser(),
            opts["reason"],
            period,
            subject=subject,
            document=opts["document"],
            dst=opts["dst"],
        )
    if as_csv:
        import csv

        writer = csv.DictWriter(sys.stdout, _FLOW_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return
    emit(rows, as_json, _flows_text)


@command(flows, "evidence")
@_subject_options
@click.option("--out", required=True, help="The file to write (JSON).")
@pass_ctx
def flows_evidence(ctx: Context, as_json: bool, out: str, **opts: Any) -> None:
    """One person's identifications, sessions and flows in one file, with its
    SHA-256 (also written to OUT.sha256)."""
    import getpass

    from .db import transaction
    from .services.flows import evidence

    period = _period(opts["start"], opts["end"], None, 0)
    subject = _subject(opts["phone"], opts["card"])
    if not (subject or opts["document"]):
        raise click.UsageError("give --phone, --document or --card")
    with transaction(ctx.session_factory()) as session:
        body, digest = evidence(
            session,
            getpass.getuser(),
            opts["reason"],
            period,
            subject=subject,
            document=opts["document"],
        )
    _write_private(out, body)
    _write_private(out + ".sha256", f"{digest}  {Path(out).name}\n".encode())
    emit(
        {"file": out, "sha256": digest},
        as_json,
        lambda d: f"{d['file']}: {d['sha256']}",
    )


# -- accounts (the cabinet and the admin) ----------------------------------------
@main.group()
def user() -> None:
    """An owner's accounts for the cabinet (/cabinet/): owner, manager, cashier."""


@main.group()
def operator() -> None:
    """Operator accounts for the admin (/admin/)."""


def _new_password(from_stdin: bool) -> tuple[str, bool]:
    """The password read from standard input (first line), or a generated one
    (True: print it, it is shown once)."""
    from .services.accounts import generate_password

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    return generate_password(), True


def _add_account(
    ctx: Context, email: str, role: str, owner_name: str | None, stdin: bool
) -> dict[str, Any]:
    from .db import transaction
    from .services.accounts import add_account
    from .services.audit import record
    from .services.tenancy import get_owner

    password, generated = _new_password(stdin)
    with transaction(ctx.session_factory()) as session:
        owner_ = get_owner(session, owner_name) if owner_name else None
        account = add_account(session, email, role, password, owner_)
        record(
            session,
            "cli",
            "account.add",
            {"email": account.email, "role": role},
            owner_id=account.owner_id,
        )
        data: dict[str, Any] = {"email": account.email, "role": role}
    if owner_name:
        data["owner"] = owner_name
    if generated:
        data["password"] = password
    return data


def _account_text(d: dict[str, Any]) -> str:
    where = f" of {d['owner']}" if d.get("owner") else ""
    text = f"Account {d['email']} ({d['role']}{where}) added."
    if "password" in d:
        text += f"\nPassword (shown once): {d['password']}"
    return text


PASSWORD_STDIN = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (else one is generated and shown).",
)


@command(user, "add")
@click.option("--owner", "owner_name", required=True)
@click.option("--email", required=True)
@click.option(
    "--role",
    type=click.Choice(["owner", "manager", "cashier"]),
    default="owner",
    show_default=True,
)
@PASSWORD_STDIN
@pass_ctx
def user_add(
    ctx: Context,
    owner_name: str,
    email: str,
    role: str,
    password_stdin: bool,
    as_json: bool,
) -> None:
    """Give an owner's staff member a cabinet login."""
    data = _add_account(ctx, email, role, owner_name, password_stdin)
    emit(data, as_json, _account_text)


@command(user, "list")
@click.option("--owner", "owner_name", required=True)
@pass_ctx
def user_list(ctx: Context, owner_name: str, as_json: bool) -> None:
    """An owner's cabinet accounts."""
    from .services.accounts import list_staff
    from .services.tenancy import get_owner

    with ctx.session_factory()() as session:
        rows = [
            {"email": a.email, "role": a.role, "totp": a.totp_enabled}
            for a in list_staff(session, get_owner(session, owner_name))
        ]
    emit(
        rows,
        as_json,
        lambda rows: (
            "\n".join(f"{r['email']:<40} {r['role']}" for r in rows) or "No accounts."
        ),
    )


@command(user, "password")
@click.option("--email", required=True)
@PASSWORD_STDIN
@pass_ctx
def user_password(
    ctx: Context, email: str, password_stdin: bool, as_json: bool
) -> None:
    """Set a new password for an account (its web sessions end)."""
    from .db import transaction
    from .services.accounts import get_account, set_password
    from .services.audit import record

    password, generated = _new_password(password_stdin)
    with transaction(ctx.session_factory()) as session:
        account = get_account(session, email)
        set_password(session, account, password)
        record(
            session,
            "cli",
            "account.password",
            {"email": account.email},
            owner_id=account.owner_id,
        )
    data = {"email": account.email, **({"password": password} if generated else {})}
    emit(
        data,
        as_json,
        lambda d: (
            f"Password of {d['email']} changed."
            + (f"\nPassword (shown once): {d['password']}" if "password" in d else "")
        ),
    )


@command(operator, "add")
@click.option("--email", required=True)
@PASSWORD_STDIN
@pass_ctx
def operator_add(ctx: Context, email: str, password_stdin: bool, as_json: bool) -> None:
    """Give someone an operator login to the admin."""
    data = _add_account(ctx, email, "operator", None, password_stdin)
    emit(data, as_json, _account_text)


# -- processes -------------------------------------------------------------------
@main.command("run")
@click.option("--demo/--no-demo", default=True, help="Seed the demo venue.")
def run(demo: bool) -> None:
    """Run the whole local stack (PostgreSQL, FreeRADIUS, portal, scheduler,
    router simulator) until Ctrl-C."""


@command(accounting, "dead-letters")
@click.option("--limit", default=100, show_default=True, help="Newest first.")
@pass_ctx
def accounting_dead_letters(ctx: Context, limit: int, as_json: bool) -> None:
    """Accounting records that could not be stored, and why."""
    from .services.accounting import list_dead_letters

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


if __name__ == "__main__":
    main()
