"""Free guest access at a real FreeRADIUS: the ticket the Free button issues logs the
device in with the guest tariff's limits. No-pause mode: Session-Timeout = the
tariff's time on every login during validity, however much was used before;
regular mode: the allowance left, then a refusal until the period ends."""

from __future__ import annotations

import datetime as dt

import pytest

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import Router, Voucher
from hotspot.services.access import PortalLogin
from hotspot.services.guest import UsedUp, free_login
from hotspot.services.tariffs import add_tariff
from hotspot.venues import update_settings
from tests import factories
from tests.radius.conftest import client_for, new_loopback_ip, wait_until
from tests.radius.test_ticket import chap_login

pytestmark = pytest.mark.radius

MAC = "02:BB:CC:00:40:01"


@pytest.fixture
def guest_venue(radius, settings, session_factory):
    """A router of its own (FreeRADIUS reads it at once) with Free access for
    unidentified guests; returns a function setting the guest tariff."""
    ip, secret = new_loopback_ip(), "guest-secret-" + factories.unique("s")
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner, ip=ip, secret=secret)

    def with_tariff(**limits: object) -> int:
        with transaction(session_factory) as s:
            o = s.merge(owner)
            tariff = add_tariff(s, o, factories.unique("free"), guest=True, **limits)
            update_settings(
                s,
                o,
                {
                    "guest_tariff": tariff.name,
                    "guest_access": "on",
                    "guest_identification": "off",
                },
            )
        return router.id

    with client_for(settings, ip=ip, secret=secret) as nas:
        yield nas, with_tariff


def press_free(session_factory, settings, router_id, now=None):
    with transaction(session_factory) as s:
        return free_login(s, settings, s.get(Router, router_id), MAC, now or utcnow())


def used_seconds(session_factory, code: str) -> int:
    with session_factory() as s:
        return s.query(Voucher).filter_by(code=code).one().used_seconds


def session_of(nas, login: PortalLogin, sid: str, seconds: int) -> None:
    """The router's accounting of a whole session, up to the Session-Timeout."""
    common = {"username": login.username, "session_id": sid, "mac": MAC}
    nas.accounting_start(**common)
    nas.accounting_stop(
        session_time=seconds,
        input_octets=1000,
        output_octets=5000,
        terminate_cause="Session-Timeout",
        **common,
    )


def test_no_pause_gets_the_full_session_on_every_login(
    guest_venue, settings, session_factory
):
    nas, with_tariff = guest_venue
    router_id = with_tariff(guest_mode="no-pause", time="5m", validity="1d")
    for n in range(3):
        login = press_free(session_factory, settings, router_id)
        assert isinstance(login, PortalLogin), login
        r = chap_login(nas, login.username, login.password, MAC)
        assert r.accepted, r.reply_message
        assert r.first("Session-Timeout") == 300
        session_of(nas, login, f"np-{n}", 300)
        code = login.username
        wait_until(lambda c=code: used_seconds(session_factory, c) == 300)


def test_regular_gets_what_is_left_then_is_refused(
    guest_venue, settings, session_factory
):
    nas, with_tariff = guest_venue
    router_id = with_tariff(time="10m", reset_period="1h", rate="1M/2M")
    login = press_free(session_factory, settings, router_id)
    r = chap_login(nas, login.username, login.password, MAC)
    assert r.accepted and r.first("Session-Timeout") == 600
    assert r.first("Mikrotik-Rate-Limit") == "1M/2M"
    session_of(nas, login, "reg-1", 420)
    wait_until(lambda: used_seconds(session_factory, login.username) == 420)
    login = press_free(session_factory, settings, router_id)
    r = chap_login(nas, login.username, login.password, MAC)
    assert r.accepted and r.first("Session-Timeout") == 180
    session_of(nas, login, "reg-2", 180)
    wait_until(lambda: used_seconds(session_factory, login.username) == 600)
    refused = press_free(session_factory, settings, router_id)
    assert isinstance(refused, UsedUp)
    later = refused.back_at + dt.timedelta(seconds=1)
    login = press_free(session_factory, settings, router_id, later)
    assert isinstance(login, PortalLogin)
