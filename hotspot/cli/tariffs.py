"""`hotspot` commands: tariffs."""

from __future__ import annotations

from typing import Any

import click

from .base import Context, command, emit, main, pass_ctx


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
    from hotspot.db import transaction
    from hotspot.services.tariffs import add_tariff, tariff_dict
    from hotspot.services.tenancy import get_owner

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
    from hotspot.db import transaction
    from hotspot.services.tariffs import set_tariff_guest, tariff_dict
    from hotspot.services.tenancy import get_owner

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
    from hotspot.services.tariffs import list_tariffs, tariff_dict
    from hotspot.services.tenancy import get_owner
    from hotspot.units import format_duration, format_size

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
    from hotspot.db import transaction
    from hotspot.services.tariffs import archive_tariff
    from hotspot.services.tenancy import get_owner

    with transaction(ctx.session_factory()) as session:
        archive_tariff(session, get_owner(session, owner_name), name)
    emit({"archived": name}, as_json, lambda d: f"Tariff {name} archived.")


@command(tariff, "delete")
@click.option("--owner", "owner_name", required=True)
@click.argument("name")
@pass_ctx
def tariff_delete(ctx: Context, owner_name: str, name: str, as_json: bool) -> None:
    """Delete a tariff that no voucher uses."""
    from hotspot.db import transaction
    from hotspot.services.tariffs import delete_tariff
    from hotspot.services.tenancy import get_owner

    with transaction(ctx.session_factory()) as session:
        delete_tariff(session, get_owner(session, owner_name), name)
    emit({"deleted": name}, as_json, lambda d: f"Tariff {name} deleted.")
