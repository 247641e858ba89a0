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

from .errors import DomainError
from .settings import Settings, SettingsError


class Context:
    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._factory: Any = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_env()
        return self._settings

    def session_factory(self) -> Any:
        if self._factory is None:
            from .db import make_engine, make_sessionmaker

            self._factory = make_sessionmaker(make_engine(self.settings.database_url))
        return self._factory


pass_ctx = click.make_pass_decorator(Context, ensure=True)


def emit(data: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        click.echo(text(data))


def command(group: click.Group, name: str | None = None) -> Callable[..., Any]:
    """A subcommand with ``--json`` that turns domain errors into exit code 1."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
        @functools.wraps(fn)
        def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> Any:
            try:
                return fn(*args, as_json=as_json, **kwargs)
            except (DomainError, SettingsError) as exc:
                message = getattr(exc, "message", str(exc))
                if as_json:
                    click.echo(
                        json.dumps({"error": getattr(exc, "key", "error"),
                                    "message": message})
                    )
                else:
                    click.echo(f"Error: {message}", err=True)
                sys.exit(1)

        return group.command(name)(wrapper)

    return decorator


@click.group()
def main() -> None:
    """Cloud WiFi hotspot platform for MikroTik networks."""


# -- db --------------------------------------------------------------------------
@main.group()
def db() -> None:
    """Database schema."""


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
    cfg = Config(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(root / "migrations"))
    cfg.attributes["database_url"] = url
    return cfg


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


# -- routers ---------------------------------------------------------------------
@main.group()
def router() -> None:
    """Routers (RADIUS clients)."""


@command(router, "add")
@click.option("--owner", "owner_name", required=True)
@click.option("--nas-id", required=True, help="The router's identity (NAS-Identifier).")
@click.option("--ip", required=True, help="Source address of its RADIUS packets.")
@click.option("--secret", required=True, help="RADIUS shared secret.")
@click.option(
    "--require-message-authenticator/--no-require-message-authenticator",
    default=False,
    help="Refuse requests without Message-Authenticator (RouterOS >= 7.15).",
)
@pass_ctx
def router_add(
    ctx: Context,
    owner_name: str,
    nas_id: str,
    ip: str,
    secret: str,
    require_message_authenticator: bool,
    as_json: bool,
) -> None:
    """Register a router; FreeRADIUS serves it at once."""
    from .db import transaction
    from .services.tenancy import add_router, get_owner

    with transaction(ctx.session_factory()) as session:
        r = add_router(
            session,
            get_owner(session, owner_name),
            nas_id,
            ip,
            secret,
            require_message_authenticator,
        )
        data = {"id": r.id, "nas_id": r.nas_identifier, "ip": str(r.ip_address),
                "owner": owner_name}
    emit(data, as_json, lambda d: f"Router {d['nas_id']} ({d['ip']}) added.")


# -- tariffs ---------------------------------------------------------------------
@main.group()
def tariff() -> None:
    """Tariffs."""


@command(tariff, "add")
@click.option("--owner", "owner_name", required=True)
@click.option("--name", required=True)
@click.option("--time", "time_", help="Total time, e.g. 90m, 2h, 1d.")
@click.option("--data", help="Total data, e.g. 500MB, 2GB.")
@click.option("--rate", help="MikroTik rate limit RX/TX, e.g. 2M/4M.")
@click.option("--validity", help="Valid for, from first use, e.g. 30d.")
@click.option("--idle", help="Idle timeout, e.g. 10m.")
@click.option("--price", default="0")
@pass_ctx
def tariff_add(
    ctx: Context,
    owner_name: str,
    name: str,
    time_: str | None,
    data: str | None,
    rate: str | None,
    validity: str | None,
    idle: str | None,
    price: str,
    as_json: bool,
) -> None:
    """Create a tariff."""
    from .db import transaction
    from .services.tariffs import add_tariff
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
        )
        out = {
            "id": t.id,
            "name": t.name,
            "time_limit": t.time_limit,
            "data_limit": t.data_limit,
            "rate_limit": t.rate_limit,
            "validity_seconds": t.validity_seconds,
        }
    emit(out, as_json, lambda d: f"Tariff {d['name']} added (id {d['id']}).")


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
@pass_ctx
def voucher_generate(
    ctx: Context,
    owner_name: str,
    tariff_name: str,
    count: int,
    code_length: int,
    pin_length: int,
    as_json: bool,
) -> None:
    """Generate vouchers: prints each card number and PIN."""
    from .crypto import PinCipher
    from .db import transaction
    from .services.tariffs import get_tariff
    from .services.tenancy import get_owner
    from .services.vouchers import generate_vouchers

    ctx.settings.require("pin_key")
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
        )
        rows = [{"code": v.code, "pin": v.pin} for v in issued]
    emit(
        rows,
        as_json,
        lambda d: "\n".join(f"{r['code']}  PIN {r['pin']}" for r in d),
    )


# -- identification ----------------------------------------------------------------
@main.group()
def registration() -> None:
    """Documents guests identify with (hotel registrations, travel tickets)."""


@command(registration, "import")
@click.option("--owner", "owner_name", required=True)
@click.option("--kind", type=click.Choice(["hotel", "ticket"]), default="hotel",
              show_default=True)
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
    emit({"imported": count}, as_json, lambda d: f"Imported {d['imported']} {kind} rows.")


@main.group()
def blacklist() -> None:
    """Phones refused SMS and access."""


@command(blacklist, "add")
@click.argument("phone")
@click.option("--owner", "owner_name", help="Only at this owner's venues (default: all).")
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


# -- processes -------------------------------------------------------------------
@main.command("run")
@click.option("--demo/--no-demo", default=True, help="Seed the demo venue.")
def run(demo: bool) -> None:
    """Run the whole local stack (PostgreSQL, FreeRADIUS, portal, scheduler,
    router simulator) until Ctrl-C."""
    from .devstack.stack import run_stack

    sys.exit(run_stack(demo=demo))


if __name__ == "__main__":
    main()
