"""`hotspot` commands: flows."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .base import Context, command, emit, main, pass_ctx, write_private


@main.group()
def flows() -> None:
    """The legal log of web resources per identified user (operator only; every
    search is audited with the OS user and the stated reason)."""


def _period(start: str | None, end: str | None, at: str | None, window: int) -> Any:
    import datetime as dt

    from hotspot.services.flows import Period, moment

    if at:
        centre, half = moment(at), dt.timedelta(seconds=window)
        return Period(centre - half, centre + half)
    if not (start and end):
        raise click.UsageError("give --from and --to, or --at")
    return Period(moment(start), moment(end))


def _subject(phone: str | None, card: str | None) -> str | None:
    from hotspot.services.flows import subject_of

    return subject_of(phone=phone, card=card) if (phone or card) else None


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

    from hotspot.db import transaction
    from hotspot.services.flows import report

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

        from hotspot.services.flows import REPORT_FIELDS

        writer = csv.DictWriter(sys.stdout, REPORT_FIELDS, extrasaction="ignore")
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

    from hotspot.db import transaction
    from hotspot.services.flows import evidence

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
    write_private(out, body)
    write_private(out + ".sha256", f"{digest}  {Path(out).name}\n".encode())
    emit(
        {"file": out, "sha256": digest},
        as_json,
        lambda d: f"{d['file']}: {d['sha256']}",
    )
