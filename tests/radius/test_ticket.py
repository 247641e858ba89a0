"""The portal's one-time login ticket at RADIUS: the router logs the device in with
the ticket password (CHAP, as a MikroTik login page does); it works once, for that
device only."""

from __future__ import annotations

import datetime as dt
import os
import time

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import LoginTicket
from hotspot.services.access import issue_ticket
from simulator.radius import AuthResult, RadiusClient, chap_response
from tests.radius.conftest import wait_until

MAC = "AA:BB:CC:00:30:01"
OTHER_MAC = "AA:BB:CC:00:30:02"
WRONG_PIN = {"Reply-Message": ["Wrong PIN."]}


def chap_login(nas: RadiusClient, user: str, password: str, mac: str) -> AuthResult:
    challenge, chap_id = os.urandom(16), 0x2A
    response = chap_response(chap_id, password, challenge)
    return nas.authenticate(user, chap=(chap_id, response, challenge), mac=mac)


def _ticket(session_factory, settings, venue, voucher, now):
    with transaction(session_factory) as s:
        ticket, password = issue_ticket(
            s,
            settings,
            s.merge(venue.router),
            voucher.code,
            MAC,
            "voucher",
            now,
            voucher_id=voucher.voucher.id,
        )
    return ticket.id, password


def _used_at(session_factory, ticket_id):
    with session_factory() as s:
        return s.get(LoginTicket, ticket_id).used_at


def test_a_ticket_logs_its_device_in_once(
    nas_a, venues, settings, session_factory, make_voucher
) -> None:
    v = make_voucher("a", time="45m", rate="1M/2M")
    ticket_id, password = _ticket(session_factory, settings, venues["a"], v, utcnow())
    assert password != v.pin

    # Another device cannot use it (and does not use it up).
    assert chap_login(nas_a, v.code, password, OTHER_MAC).attributes == WRONG_PIN
    assert _used_at(session_factory, ticket_id) is None

    r = chap_login(nas_a, v.code, password, MAC)
    assert r.accepted, r.reply_message
    assert r.attributes == {
        "Session-Timeout": [2700],
        "Acct-Interim-Interval": [60],
        "Idle-Timeout": [600],
        "Mikrotik-Rate-Limit": ["1M/2M"],
    }
    assert r.message_authenticator
    used = wait_until(lambda: _used_at(session_factory, ticket_id), timeout=3)
    assert abs((utcnow() - used).total_seconds()) < 10

    # Replayed: refused.
    again = chap_login(nas_a, v.code, password, MAC)
    assert again.attributes == WRONG_PIN
    # Once the ticket is used, the card's PIN works again at the router's own page.
    assert chap_login(nas_a, v.code, v.pin, MAC).accepted


def test_an_expired_ticket_is_refused_and_the_pin_still_works(
    nas_a, venues, settings, session_factory, make_voucher
) -> None:
    v = make_voucher("a")
    issued = utcnow() - dt.timedelta(seconds=settings.ticket_ttl + 5)
    ticket_id, password = _ticket(session_factory, settings, venues["a"], v, issued)
    assert chap_login(nas_a, v.code, password, MAC).attributes == WRONG_PIN
    assert _used_at(session_factory, ticket_id) is None
    assert chap_login(nas_a, v.code, v.pin, MAC).accepted


def test_a_ticket_is_bound_to_its_router(
    nas_b, venues, settings, session_factory, make_voucher
) -> None:
    # A voucher valid at router B, and a ticket issued for router A: at router B
    # only the PIN counts.
    v = make_voucher("b")
    ticket_id, password = _ticket(session_factory, settings, venues["a"], v, utcnow())
    assert chap_login(nas_b, v.code, password, MAC).attributes == WRONG_PIN
    assert _used_at(session_factory, ticket_id) is None


def test_the_pin_still_works_while_a_ticket_is_pending(
    nas_a, venues, settings, session_factory, make_voucher
) -> None:
    # The portal issued a ticket, but the guest types the card's PIN on the router's
    # own login page: accepted, and the ticket stays for the portal's login.
    v = make_voucher("a", time="30m")
    ticket_id, password = _ticket(session_factory, settings, venues["a"], v, utcnow())
    r = chap_login(nas_a, v.code, v.pin, MAC)
    assert r.accepted, r.reply_message
    assert r.first("Session-Timeout") == 1800
    pap = nas_a.authenticate(v.code, v.pin, mac=MAC)
    assert pap.accepted, pap.reply_message
    time.sleep(0.5)
    assert _used_at(session_factory, ticket_id) is None
    # A wrong PIN is still wrong (and neither password is given away).
    assert chap_login(nas_a, v.code, "000000", MAC).attributes == WRONG_PIN
    assert nas_a.authenticate(v.code, "000000", mac=MAC).attributes == WRONG_PIN
    # The ticket itself still logs the device in, once.
    assert chap_login(nas_a, v.code, password, MAC).accepted
    assert wait_until(lambda: _used_at(session_factory, ticket_id), timeout=3)
