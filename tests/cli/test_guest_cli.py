"""Guest tariffs from the CLI: `hotspot tariff add --guest`, `hotspot tariff set`,
and Free access switched on with `hotspot owner set`."""

from __future__ import annotations

import json
import uuid


def _owner(cli) -> str:
    name = f"cafe-{uuid.uuid4().hex[:6]}"
    cli("owner", "add", name)
    return name


def test_guest_tariff_added_and_free_access_switched_on(cli):
    name = _owner(cli)
    out = json.loads(
        cli(
            "tariff", "add", "--owner", name, "--name", "free", "--time", "30m",
            "--guest", "--guest-mode", "regular", "--reset-period", "1d", "--json",
        ).stdout
    )  # fmt: skip
    assert (out["guest"], out["guest_mode"], out["reset_period"]) == (
        True,
        "regular",
        86400,
    )
    settings = json.loads(
        cli(
            "owner", "set", name, "guest_tariff=free", "guest_access=on",
            "timezone=Asia/Samarkand", "--json",
        ).stdout
    )  # fmt: skip
    assert settings["guest_access"] is True and settings["guest_identification"]
    assert settings["timezone"] == "Asia/Samarkand"


def test_tariff_set_makes_a_tariff_guest_in_no_pause_mode(cli):
    name = _owner(cli)
    cli("tariff", "add", "--owner", name, "--name", "ads", "--time", "15m")
    proc = cli("owner", "set", name, "guest_tariff=ads", "guest_access=on", ok=False)
    assert proc.returncode == 1 and "guest_access: set guest_tariff to a guest" in (
        proc.stderr
    )
    out = json.loads(
        cli(
            "tariff", "set", "--owner", name, "ads", "--guest",
            "--guest-mode", "no-pause", "--json",
        ).stdout
    )  # fmt: skip
    assert out["guest_mode"] == "no_pause"
    cli("owner", "set", name, "guest_tariff=ads", "guest_access=on")
    listed = json.loads(cli("tariff", "list", "--owner", name, "--json").stdout)
    assert listed[0]["guest"] is True


def test_bad_guest_options_are_refused_clearly(cli):
    name = _owner(cli)
    for words, reason in (
        (["--guest", "--time", "1h"], "needs a reset period"),
        (["--guest", "--guest-mode", "no-pause", "--data", "1GB"], "needs a time"),
        (["--reset-period", "1d", "--time", "1h"], "are for guest tariffs"),
        (["--guest", "--time", "1h", "--reset-period", "soon"], "reset period"),
    ):
        proc = cli("tariff", "add", "--owner", name, "--name", "x", *words, ok=False)
        assert proc.returncode == 1 and reason in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
