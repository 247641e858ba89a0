"""`hotspot` commands: vouchers."""

from __future__ import annotations

import click

from .base import Context, command, emit, main, pass_ctx, write_private


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
    from hotspot.crypto import PinCipher
    from hotspot.db import transaction
    from hotspot.errors import InvalidInput
    from hotspot.services.tariffs import get_tariff
    from hotspot.services.tenancy import get_owner
    from hotspot.services.vouchers import generate_vouchers
    from hotspot.units import UnitError, parse_duration

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
    from hotspot.services.tenancy import get_owner
    from hotspot.services.vouchers import list_vouchers, voucher_dict

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
    from hotspot.clock import utcnow
    from hotspot.db import transaction
    from hotspot.services.tenancy import get_owner
    from hotspot.services.vouchers import revoke_voucher

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
    from hotspot.crypto import PinCipher
    from hotspot.services.tenancy import get_owner
    from hotspot.services.vouchers import export_batch_csv

    ctx.settings.require("pin_key")
    with ctx.session_factory()() as session:
        text = export_batch_csv(
            session,
            get_owner(session, owner_name),
            batch_id,
            PinCipher(ctx.settings.pin_key),
        )
    if output:
        write_private(output, text.encode())
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
    from hotspot.cards import render_html, render_pdf
    from hotspot.crypto import PinCipher
    from hotspot.services.tenancy import get_owner
    from hotspot.services.vouchers import batch_sheet

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
    write_private(
        output, render_pdf(sheet) if fmt == "pdf" else render_html(sheet).encode()
    )
    emit(
        {"written": output, "cards": len(sheet.cards)},
        as_json,
        lambda d: f"Written {d['cards']} cards to {output}.",
    )
