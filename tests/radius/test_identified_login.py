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
        s.add(
            Identification(
                owner_id=router.owner_id,
                router_id=router.id,
                method="sms",
                subject=phone,
                reference=phone,
                mac=mac,
                expires_at=now + dt.timedelta(hours=hours_left),
            )
        )
        _, password = issue_ticket(s, settings, router, phone, mac, "sms", now)
    return password


def test_phone_login_lasts_no_longer_than_its_24_hours(
    nas_a, venues, settings, session_factory
):
    password = _identify(
        session_factory, settings, venues["a"], "998901110001", hours_left=2
    )
    r = nas_a.authenticate("998901110001", password, mac=MAC)
    assert r.accepted, r.reply_message
    assert 2 * 3600 - 5 <= r.first("Session-Timeout") <= 2 * 3600


def test_phone_login_needs_a_fresh_ticket(nas_a, venues, settings, session_factory):
    password = _identify(
        session_factory, settings, venues["a"], "998901110002", hours_left=20
    )
    assert nas_a.authenticate("998901110002", password, mac=MAC).accepted
    # The ticket was used once; the router cannot replay it.
    again = nas_a.authenticate("998901110002", password, mac=MAC)
    assert not again.accepted
    assert again.reply_message == "Your login has expired, please start again."
    # Another device cannot use someone's identification.
    other = nas_a.authenticate("998901110002", password, mac="02:99:99:99:99:99")
    assert not other.accepted


def test_expired_identification_is_refused(nas_a, venues, settings, session_factory):
    password = _identify(
        session_factory, settings, venues["a"], "998901110003", hours_left=-1
    )
    r = nas_a.authenticate("998901110003", password, mac=MAC)
    assert not r.accepted
    assert r.reply_message == "Please confirm your phone number again."


def test_blacklisted_phone_is_refused_at_radius(
    nas_a, venues, settings, session_factory
):
    password = _identify(
        session_factory, settings, venues["a"], "998901110004", hours_left=5
    )
    with transaction(session_factory) as s:
        blacklist_phone(s, s.merge(venues["a"].owner), "998901110004", "abuse")
    r = nas_a.authenticate("998901110004", password, mac=MAC)
    assert not r.accepted
    assert "not available" in r.reply_message


def test_guest_tariff_limits_apply(nas_b, venues, settings, session_factory):
    password = _identify(
        session_factory,
        settings,
        venues["b"],
        "998901110005",
        hours_left=10,
        guest_tariff={"rate": "1M/2M", "data": "300MB", "time": "1h"},
    )
    r = nas_b.authenticate("998901110005", password, mac=MAC)
    assert r.accepted, r.reply_message
    assert r.first("Mikrotik-Rate-Limit") == "1M/2M"
    assert r.first("Mikrotik-Total-Limit") == 300_000_000
    assert r.first("Session-Timeout") == 3600
