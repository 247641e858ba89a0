"""The operator's card and tariff commands, run as the `hotspot` process against the
test database: print sheets and CSV exports (files only the operator can read, with
every card and PIN), tariff list/archive/delete, and revoking a card."""

from __future__ import annotations

import csv
import io
import json
import math
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from hotspot.crypto import PinCipher
from hotspot.db import transaction
from hotspot.models import Voucher
from hotspot.services.tariffs import add_tariff
from hotspot.services.vouchers import generate_vouchers
from tests import factories
from tests.cli.conftest import PORTAL


@dataclass
class Venue:
    owner: str
    other_owner: str
    batch: int
    cards: dict[str, str]


@pytest.fixture(scope="module")
def venue(session_factory, settings) -> Venue:
    """An owner with a used tariff ("Evening", a batch of 7 cards), an unused one
    ("Spare") and a metered one; and another owner."""
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        other = factories.owner(s)
        evening = add_tariff(
            s, owner, "Evening", time="3h", rate="2M/4M", price="12000"
        )
        add_tariff(s, owner, "Spare", data="1GB")
        add_tariff(
            s,
            owner,
            "Metered",
            kind="metered",
            price_per_mb="50",
            price_per_minute="10",
            max_devices=2,
        )
        issued = generate_vouchers(
            s, owner, evening, 7, PinCipher(settings.pin_key), pin_alphabet="alnum"
        )
        names = (owner.name, other.name)
    return Venue(
        names[0], names[1], issued[0].voucher.batch_id, {i.code: i.pin for i in issued}
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_card_print_html(cli, venue, tmp_path) -> None:
    out = tmp_path / "cards.html"
    proc = cli(
        "card",
        "print",
        "--owner",
        venue.owner,
        "--batch",
        str(venue.batch),
        "--format",
        "html",
        "--output",
        str(out),
        "--json",
    )
    assert json.loads(proc.stdout) == {"written": str(out), "cards": 7}
    assert mode(out) == 0o600
    html = out.read_text()
    assert html.count('class="card"') == 7
    for code, pin in venue.cards.items():
        assert f">{code}<" in html and f">{pin}<" in html
        # The QR code leads to the configured portal with the card number.
        assert f'title="{PORTAL}/login?code={code}"' in html


def test_card_print_pdf(cli, venue, tmp_path) -> None:
    out = tmp_path / "cards.pdf"
    proc = cli(
        "card",
        "print",
        "--owner",
        venue.owner,
        "--batch",
        str(venue.batch),
        "--format",
        "pdf",
        "--per-page",
        "4",
        "--output",
        str(out),
    )
    assert proc.stdout.strip() == f"Written 7 cards to {out}."
    assert mode(out) == 0o600
    assert out.read_bytes().startswith(b"%PDF")
    info = subprocess.run(
        ["pdfinfo", str(out)], capture_output=True, text=True, check=True
    ).stdout
    assert f"Pages:           {math.ceil(7 / 4)}" in info
    words = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout.split()
    for code, pin in venue.cards.items():
        assert code in words and pin in words


def test_voucher_export(cli, venue, tmp_path) -> None:
    out = tmp_path / "batch.csv"
    cli(
        "voucher",
        "export",
        "--owner",
        venue.owner,
        "--batch",
        str(venue.batch),
        "--output",
        str(out),
    )
    assert mode(out) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {r["code"]: r["pin"] for r in rows} == venue.cards
    assert {r["tariff"] for r in rows} == {"Evening"}

    # Another owner cannot export it, and no file is left behind.
    theirs = tmp_path / "theirs.csv"
    proc = cli(
        "voucher",
        "export",
        "--owner",
        venue.other_owner,
        "--batch",
        str(venue.batch),
        "--output",
        str(theirs),
        ok=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"Error: no batch {venue.batch}"
    assert not theirs.exists()


def test_tariff_list_archive_and_delete(cli, venue) -> None:
    def listed(*extra: str) -> dict[str, dict]:
        proc = cli("tariff", "list", "--owner", venue.owner, "--json", *extra)
        return {t["name"]: t for t in json.loads(proc.stdout)}

    # Cards were sold on "Evening": it cannot be deleted...
    proc = cli("tariff", "delete", "--owner", venue.owner, "Evening", ok=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "Error: tariff 'Evening' has vouchers: archive it instead"
    )
    # ... but archived: no longer offered, still there for the cards sold.
    cli("tariff", "archive", "--owner", venue.owner, "Evening")
    offered = listed()
    assert sorted(offered) == ["Metered", "Spare"]
    metered = offered["Metered"]
    assert (metered["kind"], metered["price_per_mb"], metered["price_per_minute"]) == (
        "metered",
        "50.0000",
        "10.0000",
    )
    assert (metered["max_devices"], metered["archived"]) == (2, False)
    evening = listed("--archived")["Evening"]
    assert (evening["time_limit"], evening["rate_limit"], evening["price"]) == (
        10800,
        "2M/4M",
        "12000.00",
    )
    assert evening["archived"] is True

    # Nobody bought "Spare": it goes.
    assert json.loads(
        cli("tariff", "delete", "--owner", venue.owner, "Spare", "--json").stdout
    ) == {"deleted": "Spare"}
    proc = cli("tariff", "archive", "--owner", venue.owner, "Spare", ok=False)
    assert proc.returncode == 1 and "no tariff 'Spare'" in proc.stderr


def test_voucher_revoke(cli, venue, session_factory) -> None:
    code = sorted(venue.cards)[0]
    # Another owner's revoke does nothing to it.
    proc = cli("voucher", "revoke", "--owner", venue.other_owner, code, ok=False)
    assert proc.returncode == 1 and f"no voucher '{code}'" in proc.stderr

    out = json.loads(
        cli("voucher", "revoke", "--owner", venue.owner, code, "--json").stdout
    )
    assert out == {"code": code, "status": "revoked"}
    with session_factory() as s:
        rows = {
            v.code: v
            for v in s.scalars(
                select(Voucher).where(Voucher.code.in_(list(venue.cards)))
            )
        }
    assert rows[code].status == "revoked" and rows[code].revoked_at is not None
    assert {v.status for c, v in rows.items() if c != code} == {"new"}
    listed = json.loads(
        cli(
            "voucher", "list", "--owner", venue.owner, "--status", "revoked", "--json"
        ).stdout
    )
    assert [v["code"] for v in listed] == [code]
