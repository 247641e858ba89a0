"""Phone and document logins at RADIUS: a portal ticket, the 24-hour rule, the
blacklist, the owner's guest limits."""

from __future__ import annotations

import datetime as dt

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import Identification
from hotspot.services.access import issue_ticket
from hotspot.services.identification import blacklist_phone
from tests import factories

MAC = "02:11:22:33:44:55"


def _identify(
    session_factory, settings, venue, phone, hours_left, mac=MAC, guest_tariff=None
):
    now = utcnow()
    with transaction(session_factory) as s:
        router = s.merge(venue.router)
        if guest_tariff:
            owner = s.merge(venue.owner)
            owner.guest_tariff_id = factories.tariff(s, owner, **guest_tariff).id
        ident = Identification(
            owner_id=router.owner_id,
            router_id=router.id,
            method="sms",
            subject=phone,
            reference=phone,
            mac=mac,
            expires_at=now + dt.timedelta(hours=hours_left),
        )
        s.add(ident)
        s.flush()
        _, password = issue_ticket(s, settings, router, ident.login, mac, "sms", now)
    return ident.login, password


def test_phone_login_lasts_no_longer_than_its_24_hours(
    nas_a, venues, settings, session_factory
):
    login, password = _identify(
        session_factory, settings, venues["a"], "998901110001", hours_left=2
    )
    r = nas_a.authenticate(login, password, mac=MAC)
    assert r.accepted, r.reply_message
    assert 2 * 3600 - 5 <= r.first("Session-Timeout") <= 2 * 3600


def test_phone_login_needs_a_fresh_ticket(nas_a, venues, settings, session_factory):
    login, password = _identify(
        session_factory, settings, venues["a"], "998901110002", hours_left=20
    )
    assert nas_a.authenticate(login, password, mac=MAC).accepted
    # The ticket was used once; the router cannot replay it.
    again = nas_a.authenticate(login, password, mac=MAC)
    assert not again.accepted
    assert again.reply_message == "Your login has expired, please start again."
    # Another device cannot use someone's identification.
    other = nas_a.authenticate(login, password, mac="02:99:99:99:99:99")
    assert not other.accepted


def test_expired_identification_is_refused(nas_a, venues, settings, session_factory):
    login, password = _identify(
        session_factory, settings, venues["a"], "998901110003", hours_left=-1
    )
    r = nas_a.authenticate(login, password, mac=MAC)
    assert not r.accepted
    assert r.reply_message == "Please confirm your phone number again."


def test_blacklisted_phone_is_refused_at_radius(
    nas_a, venues, settings, session_factory
):
    login, password = _identify(
        session_factory, settings, venues["a"], "998901110004", hours_left=5
    )
    with transaction(session_factory) as s:
        blacklist_phone(s, s.merge(venues["a"].owner), "998901110004", "abuse")
    r = nas_a.authenticate(login, password, mac=MAC)
    assert not r.accepted
    assert "not available" in r.reply_message


def test_guest_tariff_limits_apply(nas_b, venues, settings, session_factory):
    login, password = _identify(
        session_factory,
        settings,
        venues["b"],
        "998901110005",
        hours_left=10,
        guest_tariff={"rate": "1M/2M", "data": "300MB", "time": "1h"},
    )
    r = nas_b.authenticate(login, password, mac=MAC)
    assert r.accepted, r.reply_message
    assert r.first("Mikrotik-Rate-Limit") == "1M/2M"
    assert r.first("Mikrotik-Total-Limit") == 300_000_000
    assert r.first("Session-Timeout") == 3600


def test_the_phone_itself_is_no_login_name(nas_a, venues, settings, session_factory):
    """An identified device whose form is forged to carry the phone (the old login
    name), with a ticket for that name, is refused: only the opaque name logs in."""
    login, _ = _identify(
        session_factory, settings, venues["a"], "998901110006", hours_left=5
    )
    assert "998901110006" not in login and login.startswith("i-")
    with transaction(session_factory) as s:
        router = s.merge(venues["a"].router)
        _, forged = issue_ticket(
            s, settings, router, "998901110006", MAC, "sms", utcnow()
        )
    assert not nas_a.authenticate("998901110006", forged, mac=MAC).accepted


def test_a_guessed_or_foreign_login_name_is_refused(
    nas_a, venues, settings, session_factory
):
    login_b, _ = _identify(
        session_factory, settings, venues["b"], "998901110007", hours_left=5
    )
    now = utcnow()
    with transaction(session_factory) as s:
        router = s.merge(venues["a"].router)
        guessed = "i-" + "0" * 24
        _, p_guess = issue_ticket(s, settings, router, guessed, MAC, "sms", now)
        # Another owner's identification, with a ticket at this router.
        _, p_foreign = issue_ticket(s, settings, router, login_b, MAC, "sms", now)
    assert not nas_a.authenticate(guessed, p_guess, mac=MAC).accepted
    assert not nas_a.authenticate(login_b, p_foreign, mac=MAC).accepted
