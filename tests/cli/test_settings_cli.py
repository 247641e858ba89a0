"""Owners' settings without SQL: `hotspot owner set|show`, `hotspot router
list|disable|enable|set`, `hotspot blacklist list|remove`."""

from __future__ import annotations

import json
import uuid

from hotspot.services.tenancy import get_router
from hotspot.venues import BY_NAME


def _venue(cli) -> tuple[str, str]:
    name = f"cafe-{uuid.uuid4().hex[:6]}"
    cli("owner", "add", name)
    nas = f"{name}-r1"
    ip = f"10.78.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
    cli(
        "router",
        "add",
        "--owner",
        name,
        "--nas-id",
        nas,
        "--ip",
        ip,
        "--secret",
        "a-long-router-secret-1",
    )
    cli("tariff", "add", "--owner", name, "--name", "guest", "--time", "30m")
    return name, nas


def test_owner_sets_and_shows_venue_settings(cli):
    name, _ = _venue(cli)
    shown = json.loads(cli("owner", "show", name, "--json").stdout)
    assert set(BY_NAME) <= set(shown) and shown["otp_length"] == 6
    out = json.loads(
        cli(
            "owner",
            "set",
            name,
            "otp_length=4",
            "documents=hotel,ticket",
            "guest_tariff=guest",
            "sms_providers=outbox",
            "--json",
        ).stdout
    )
    assert out["otp_length"] == 4
    assert out["documents"] == ["hotel", "ticket"]
    assert out["guest_tariff"] == "guest" and out["sms_providers"] == ["outbox"]
    text = cli("owner", "show", name).stdout
    assert "otp_length" in text and "hotel,ticket" in text
    # Back to the default, and the guest tariff unset.
    out = json.loads(
        cli("owner", "set", name, "otp_length=", "guest_tariff=", "--json").stdout
    )
    assert out["otp_length"] == 6 and out["guest_tariff"] is None


def test_bad_settings_get_a_clear_error_and_change_nothing(cli):
    name, _ = _venue(cli)
    for words, reason in (
        (["otp_length=12"], "otp_length: expected a whole number from 4 to 6"),
        (["otp_length=4", "wifi_colour=red"], "unknown setting 'wifi_colour'"),
        (["sms_providers=eskiz"], "configured SMS gateways (outbox)"),
        (["guest_tariff=nope"], "no tariff 'nope'"),
        (["otp_length"], "expected name=value"),
    ):
        proc = cli("owner", "set", name, *words, ok=False)
        assert proc.returncode == 1 and reason in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    assert json.loads(cli("owner", "show", name, "--json").stdout)["otp_length"] == 6


def test_router_is_switched_off_and_on_and_changed(cli, session_factory):
    name, nas = _venue(cli)
    listed = json.loads(cli("router", "list", "--owner", name, "--json").stdout)
    assert [r["nas_id"] for r in listed] == [nas] and listed[0]["enabled"]
    assert "SWITCHED OFF" in cli("router", "disable", "--nas-id", nas).stdout
    with session_factory() as s:
        assert get_router(s, nas).enabled is False
    cli("router", "enable", "--nas-id", nas)
    out = json.loads(
        cli(
            "router",
            "set",
            "--nas-id",
            nas,
            "--secret-file",
            "-",
            "--no-require-message-authenticator",
            "--title",
            "Hall",
            "--json",
            stdin="another-long-secret-2\n",
        ).stdout
    )
    assert out["enabled"] and out["title"] == "Hall"
    assert "secret" not in out
    with session_factory() as s:
        r = get_router(s, nas)
        assert r.radius_secret == "another-long-secret-2"
        assert r.require_message_authenticator is False
    proc = cli("router", "set", "--nas-id", nas, "--ip", "300.1.1.1", ok=False)
    assert proc.returncode == 1 and "not an IP address" in proc.stderr
    proc = cli("router", "disable", "--nas-id", "no-such-router", ok=False)
    assert proc.returncode == 1 and "no router 'no-such-router'" in proc.stderr


def test_blacklist_is_listed_masked_and_entries_removed(cli):
    name, _ = _venue(cli)
    cli("blacklist", "add", "+998 90 555 44 33", "--owner", name, "--reason", "spam")
    rows = json.loads(cli("blacklist", "list", "--owner", name, "--json").stdout)
    assert len(rows) == 1 and rows[0]["reason"] == "spam"
    assert "998905554433" not in json.dumps(rows)
    text = cli("blacklist", "list", "--owner", name).stdout
    assert "998905554433" not in text and "spam" in text
    # The operator's list is another scope: removing there finds nothing.
    proc = cli("blacklist", "remove", "998905554433", ok=False)
    assert proc.returncode == 1 and "not blocked here" in proc.stderr
    out = cli("blacklist", "remove", "998905554433", "--owner", name).stdout
    assert "998905554433" not in out
    assert json.loads(cli("blacklist", "list", "--owner", name, "--json").stdout) == []


def test_router_secret_from_a_file_generated_or_refused(cli, session_factory, tmp_path):
    name = f"cafe-{uuid.uuid4().hex[:6]}"
    cli("owner", "add", name)

    def add(nas: str, *how: str, ok: bool = True, stdin: str | None = None):
        ip = f"10.79.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
        return cli(
            "router",
            "add",
            "--owner",
            name,
            "--nas-id",
            nas,
            "--ip",
            ip,
            *how,
            ok=ok,
            stdin=stdin,
        )

    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file-secret-123\n")
    add(f"{name}-f", "--secret-file", str(secret_file))
    add(f"{name}-s", "--secret-file", "-", stdin="from-stdin-secret-456\n")
    out = json.loads(add(f"{name}-g", "--generate-secret", "--json").stdout)
    with session_factory() as s:
        assert get_router(s, f"{name}-f").radius_secret == "from-a-file-secret-123"
        assert get_router(s, f"{name}-s").radius_secret == "from-stdin-secret-456"
        assert get_router(s, f"{name}-g").radius_secret == out["secret"]
    assert len(out["secret"]) >= 16
    # Not at a terminal and no secret given: a clear error, no prompt hanging.
    proc = add(f"{name}-n", ok=False, stdin="")
    assert proc.returncode == 1 and "no secret" in proc.stderr
    proc = add(f"{name}-t", "--secret", "short", ok=False)
    assert "too short" in proc.stderr
