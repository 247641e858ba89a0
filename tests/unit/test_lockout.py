"""The lock-out: which scope refuses what, and its one definition (hotspot.policy)
reaching raddb and the portal."""

from __future__ import annotations

import re

import pytest

from devstack.freeradius import RADDB_DIR, radius_environment
from freeradius_module import rlm_hotspot
from hotspot.messages import message
from hotspot.policy import (
    GUESSES,
    LOCKOUT,
    SOURCE_RADIUS,
    Accept,
    AuthState,
    Failures,
    Lockout,
    Reject,
    TicketInfo,
    authorize,
)
from hotspot.settings import Settings
from tests.unit.test_policy import CONFIG, NOW, PIN, REQUEST, state, voucher

L = LOCKOUT


def failing(f: Failures, v=None, **kw) -> AuthState:
    s = state(v, **kw)
    s.failures = f
    return s


def decide(s: AuthState):
    return authorize(REQUEST, s, NOW, CONFIG)


def test_guesses_are_wrong_names_and_pins_not_lockouts() -> None:
    assert {"unknown_user", "wrong_pin", "guess_locked"} == GUESSES
    assert "pin_locked" not in GUESSES


def test_a_router_flooded_with_guesses_refuses_made_up_numbers_alike() -> None:
    flooded = Failures(router=L.max_router)
    assert decide(failing(Failures(router=L.max_router - 1))) == Reject("unknown_user")
    assert decide(failing(flooded)) == Reject("guess_locked")
    # A real card: its PIN still logs in; a wrong one gets the same answer.
    ok = decide(failing(flooded, voucher()))
    assert isinstance(ok, Accept) and ok.password == PIN
    assert ok.if_wrong == "guess_locked"
    assert message("guess_locked") == message("pin_locked")
    calm = decide(failing(Failures(router=L.max_router - 1), voucher()))
    assert isinstance(calm, Accept) and calm.if_wrong == "wrong_pin"


def test_a_device_that_keeps_guessing_is_locked_out_with_a_valid_card() -> None:
    assert decide(failing(Failures(mac=L.max_mac), voucher())) == Reject("pin_locked")
    assert isinstance(decide(failing(Failures(mac=L.max_mac - 1), voucher())), Accept)


def test_a_locked_card_is_refused_even_from_a_calm_device_and_router() -> None:
    assert decide(failing(Failures(card=L.max_card), voucher())) == Reject("pin_locked")


def test_a_portal_ticket_passes_the_device_and_router_lockouts() -> None:
    ticket = TicketInfo(id=7, nonce="n", expires_at=NOW + 60)
    f = Failures(mac=L.max_mac, router=L.max_router)
    d = decide(failing(f, voucher(), ticket=ticket))
    assert isinstance(d, Accept) and d.ticket_id == 7 and d.if_wrong == "wrong_pin"


def test_the_guest_is_told_the_window() -> None:
    minutes = int(re.search(r"in (\d+) minutes", message("pin_locked")).group(1))
    assert minutes * 60 == L.window


def test_the_router_window_lies_within_the_window() -> None:
    with pytest.raises(ValueError, match="window"):
        Lockout(window=60, router_window=120)


def test_raddb_passes_the_windows_and_its_source_from_the_policy() -> None:
    site = (RADDB_DIR / "sites-enabled" / "hotspot").read_text()
    state_call = re.search(r"hotspot_auth_state\(([^)]*)\)", site).group(1)
    failure_call = re.search(r"hotspot_auth_failure\(([^)]*)\)", site).group(1)
    assert state_call.split(", ")[-3:] == [
        f"'{SOURCE_RADIUS}'",
        "'$ENV{HOTSPOT_LOCKOUT_WINDOW}'",
        "'$ENV{HOTSPOT_LOCKOUT_ROUTER_WINDOW}'",
    ]
    assert failure_call.split(", ")[-1] == f"'{SOURCE_RADIUS}'"
    env = radius_environment(Settings(), RADDB_DIR)
    assert env["HOTSPOT_LOCKOUT_WINDOW"] == str(L.window)
    assert env["HOTSPOT_LOCKOUT_ROUTER_WINDOW"] == str(L.router_window)
    # raddb records a guess exactly when the module flags one.
    assert "if (&control:Tmp-Integer-1 == 1)" in site


@pytest.mark.parametrize("reason", ["unknown_user", "guess_locked", "pin_locked"])
def test_the_module_flags_exactly_the_guesses(reason: str) -> None:
    code, update = rlm_hotspot._reject(reason, message(reason))
    assert code == rlm_hotspot.RLM_MODULE_REJECT
    flagged = ("Tmp-Integer-1", ":=", "1") in update.get("config", ())
    assert flagged == (reason in GUESSES)
