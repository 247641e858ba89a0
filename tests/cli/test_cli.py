"""The `hotspot` CLI, run as a process against the test database."""

from __future__ import annotations

import json
import uuid

from hotspot.crypto import PinCipher


def test_operator_sets_up_a_venue_and_prints_vouchers(cli, session_factory, settings):
    name = f"cafe-{uuid.uuid4().hex[:6]}"
    assert json.loads(cli("owner", "add", name, "--json").stdout)["name"] == name
    router = json.loads(
        cli(
            "router",
            "add",
            "--owner",
            name,
            "--nas-id",
            f"{name}-r1",
            "--ip",
            f"10.77.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}",
            "--secret",
            "s3cret-x-long-enough",
            "--json",
        ).stdout
    )
    assert router["nas_id"] == f"{name}-r1"
    tariff = json.loads(
        cli(
            "tariff",
            "add",
            "--owner",
            name,
            "--name",
            "2h",
            "--time",
            "2h",
            "--data",
            "2GB",
            "--rate",
            "2M/4M",
            "--validity",
            "30d",
            "--json",
        ).stdout
    )
    assert tariff["time_limit"] == 7200 and tariff["data_limit"] == 2 * 10**9
    cards = json.loads(
        cli(
            "voucher",
            "generate",
            "--owner",
            name,
            "--tariff",
            "2h",
            "--count",
            "3",
            "--json",
        ).stdout
    )
    assert len(cards) == 3 and all(set(c) == {"code", "pin"} for c in cards)
    assert len({c["code"] for c in cards}) == 3
    # The PIN printed is the one stored (encrypted) for that card.
    from sqlalchemy import select

    from hotspot.models import Voucher

    with session_factory() as s:
        stored = {
            v.code: v.pin_encrypted
            for v in s.scalars(
                select(Voucher).where(Voucher.code.in_([c["code"] for c in cards]))
            )
        }
    cipher = PinCipher(settings.pin_key)
    for c in cards:
        assert cipher.decrypt(stored[c["code"]]) == c["pin"]
        assert c["pin"] not in stored[c["code"]]
    plain = cli("voucher", "generate", "--owner", name, "--tariff", "2h").stdout
    assert "PIN" in plain


def test_errors_are_clear_and_machine_readable(cli):
    proc = cli("owner", "add", "no such owner!", "--json", ok=False)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["error"] == "invalid_input"
    proc = cli("tariff", "add", "--owner", "nobody-here", "--name", "x", ok=False)
    assert proc.returncode == 1 and "no owner" in proc.stderr


def test_registration_import_and_blacklist(cli, tmp_path):
    name = f"hotel-{uuid.uuid4().hex[:6]}"
    cli("owner", "add", name)
    csv_file = tmp_path / "guests.csv"
    csv_file.write_text(
        "reference,surname,valid_from,valid_until\n"
        "101,Karimova,2026-03-01T14:00:00,2026-03-04T12:00:00\n"
        "102,Smith,2026-03-01T14:00:00,2026-03-02T12:00:00\n"
    )
    out = cli(
        "registration",
        "import",
        "--owner",
        name,
        "--kind",
        "hotel",
        str(csv_file),
        "--json",
    ).stdout
    assert json.loads(out) == {"imported": 2}
    bad = tmp_path / "bad.csv"
    bad.write_text("103,Lee,not a date,2026-03-02\n")
    proc = cli("registration", "import", "--owner", name, str(bad), ok=False)
    assert proc.returncode == 1 and "line 1" in proc.stderr

    out = json.loads(
        cli("blacklist", "add", "+998 90 765 43 21", "--owner", name, "--json").stdout
    )
    # The full number is not echoed back (logs and terminals see it masked).
    assert out["phone"] != "998907654321" and out["phone"].endswith("21")
