"""A router that restarts loses its sessions without sending their Stops. Through the
real FreeRADIUS and its accounting spool: its Accounting-On (or the Accounting-Off
before it goes down) closes that router's open sessions, cause NAS-Reboot, and only
its own; a session gone silent for 3 interim intervals is closed by the stale
job, cause Lost-Carrier. Either way the card's device is free again."""

from __future__ import annotations

import datetime as dt

import pytest

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.services.sessions import close_stale_sessions
from tests import factories
from tests.conftest import Venue
from tests.radius.conftest import client_for, new_loopback_ip
from tests.radius.test_accounting import session_row, stored
from tests.radius.test_tariffs import IN_USE, MAC1, MAC2, issue, session

ANSWERED = "Accounting-Response"


@pytest.fixture
def fresh(radius, settings, session_factory):
    """A router of its own: no restart another test recorded applies to it."""
    secret = factories.unique("reboot-secret-16chars")
    ip = new_loopback_ip()
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(
            s, owner, ip=ip, secret=secret, require_message_authenticator=True
        )
    venue = Venue(owner, router, secret, ip)
    with client_for(settings, venue) as nas:
        yield venue, nas


def _online_card(nas, session_factory, settings, venue, sid: str, **extra):
    """A one-device card logged in on MAC1 at ``venue``'s router, its Start stored."""
    card = issue(session_factory, settings, venue, time="2h", max_devices=1)
    assert nas.authenticate(card.code, card.pin, mac=MAC1).accepted
    assert nas.accounting_start(**session(nas, card, sid, MAC1), **extra).code_name == (
        ANSWERED
    )
    stored(session_factory, venue.router.id, sid)
    return card


@pytest.mark.parametrize("status", ["Accounting-On", "Accounting-Off"])
def test_a_restarting_router_closes_only_its_own_sessions(
    nas_a, nas_b, settings, venues, session_factory, status
) -> None:
    a, b = ("8C0001", "8C0002") if status == "Accounting-On" else ("8C0101", "8C0102")
    card = _online_card(nas_a, session_factory, settings, venues["a"], a)
    other = _online_card(nas_b, session_factory, settings, venues["b"], b)
    # The card is in use: a second device is refused.
    assert nas_a.authenticate(card.code, card.pin, mac=MAC2).attributes == IN_USE

    assert nas_a.router_accounting(status).code_name == ANSWERED
    row = stored(session_factory, venues["a"].router.id, a, stopped=True)
    assert row.terminate_cause == "NAS-Reboot"
    assert row.stopped_at == row.updated_at
    # The other router's session is untouched.
    assert session_row(session_factory, venues["b"].router.id, b).stopped_at is (None)
    assert nas_b.authenticate(other.code, other.pin, mac=MAC2).attributes == IN_USE
    # The card's one device is free again.
    r = nas_a.authenticate(card.code, card.pin, mac=MAC2)
    assert r.accepted, r.reply_message


def test_a_session_whose_interims_were_lost_is_closed_by_the_job(
    fresh, settings, session_factory
) -> None:
    venue, nas = fresh
    interval = settings.acct_interim_interval
    # Its only record says it was sent 3 intervals and more ago: nothing since.
    card = _online_card(
        nas,
        session_factory,
        settings,
        venue,
        "8C000003",
        delay_time=3 * interval + 10,
    )
    with transaction(session_factory) as s:
        assert close_stale_sessions(s, utcnow(), interval) >= 1
    row = session_row(session_factory, venue.router.id, "8C000003")
    assert row.terminate_cause == "Lost-Carrier"
    assert row.stopped_at == row.updated_at
    assert utcnow() - row.stopped_at > dt.timedelta(seconds=3 * interval)
    r = nas.authenticate(card.code, card.pin, mac=MAC2)
    assert r.accepted, r.reply_message


@pytest.mark.parametrize("status", ["Start", "Interim-Update"])
def test_a_record_from_before_the_restart_read_after_it_is_closed_at_once(
    fresh, settings, session_factory, status
) -> None:
    """The spool reads the router's Accounting-On before a Start (or Interim) the
    router sent earlier (it waited in another shard, so it carries a larger
    Acct-Delay-Time): its session is closed on arrival, not left to the stale job,
    and the card's device is free. A session begun after the restart stays open."""
    venue, nas = fresh
    sid, after = f"8C02{len(status):04d}", f"8C03{len(status):04d}"
    card = _online_card(nas, session_factory, settings, venue, f"8C01{len(status):04d}")
    assert nas.router_accounting("Accounting-On").code_name == ANSWERED
    # The On is stored (it closed the session open before it) ahead of the record.
    stored(session_factory, venue.router.id, f"8C01{len(status):04d}", stopped=True)
    extra = {"session_time": 30} if status == "Interim-Update" else {}
    reply = nas.accounting(
        status, **session(nas, card, sid, MAC1), delay_time=60, **extra
    )
    assert reply.code_name == ANSWERED
    row = stored(session_factory, venue.router.id, sid, stopped=True)
    assert row.terminate_cause == "NAS-Reboot"
    assert row.stopped_at == row.updated_at
    assert utcnow() - row.stopped_at > dt.timedelta(seconds=50)
    # The card's one device is free again; its session now begins after the On.
    r = nas.authenticate(card.code, card.pin, mac=MAC2)
    assert r.accepted, r.reply_message
    assert nas.accounting_start(**session(nas, card, after, MAC2)).code_name == (
        ANSWERED
    )
    assert stored(session_factory, venue.router.id, after).stopped_at is None
