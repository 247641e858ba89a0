"""A guest's allowance running out mid-session, end to end: two phones of one guest
share the Free tariff's megabytes (each was given all that was left at its login),
or a metered card's balance runs out at a router that did not hold it to its limit.
The simulator's traffic reaches the database in Interim-Updates through the real
FreeRADIUS, the cut job queues a Disconnect in the outbox and the send job delivers
it to the simulator's incoming RADIUS."""

from __future__ import annotations

import datetime as dt

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import Identification, Router, Voucher
from hotspot.services.guest import free_login
from hotspot.services.tariffs import add_tariff
from hotspot.venues import update_settings
from tests import factories
from tests.radius.conftest import wait_until

from .conftest import cut_reasons, run_named_job, wait_stored

PHONE = "998907770031"
RATE = 100_000  # bytes a second down, per phone
DISCONNECT_REQUEST = 40


def _guest_venue(sim_venue, session_factory, **limits):
    """A venue whose Free access follows the guest's phone (identification on)."""
    venue = sim_venue(interim=0.5, rate_down=RATE, rate_up=0)
    with transaction(session_factory) as s:
        owner = s.merge(venue.owner)
        tariff = add_tariff(s, owner, factories.unique("free"), guest=True, **limits)
        update_settings(
            s,
            owner,
            {
                "guest_tariff": tariff.name,
                "guest_access": "on",
                "guest_identification": "on",
            },
        )
    return venue


def _press_free(venue, session_factory, settings, device):
    """The phone was identified by SMS, then its guest pressed Free."""
    now = utcnow()
    with transaction(session_factory) as s:
        s.add(
            Identification(
                owner_id=venue.owner.id,
                router_id=venue.router.id,
                method="sms",
                subject=PHONE,
                reference=PHONE,
                mac=device.mac,
                expires_at=now + dt.timedelta(hours=24),
                created_at=now,
            )
        )
        login = free_login(s, settings, s.get(Router, venue.router.id), device.mac, now)
    result = venue.nas.login(device, login.username, login.password)
    assert result.ok, result.error
    wait_stored(session_factory, venue.router, result.session.session_id)
    return result.session


def cut_reasons_now(scheduler_factory, session_factory, venue, settings):
    return cut_reasons(scheduler_factory, session_factory, venue, None, settings)


def _voucher(session_factory, code: str) -> Voucher:
    with session_factory() as s:
        return s.query(Voucher).filter_by(code=code).one()


def test_a_guest_past_the_shared_megabytes_is_cut(
    sim_venue, settings, session_factory, scheduler_factory
):
    venue = _guest_venue(
        sim_venue, session_factory, data="1MB", max_devices=2, reset_period="1d"
    )
    phones = [venue.nas.device() for _ in range(2)]
    online = [_press_free(venue, session_factory, settings, p) for p in phones]
    assert online[0].username == online[1].username  # one guest, one allowance
    # Each phone alone may still use up to 1 MB: the router would not stop them yet.
    assert all(s.total_limit and s.total_limit > 900_000 for s in online)

    def used_up() -> bool:
        return _voucher(session_factory, online[0].username).status == "exhausted"

    used_up.__doc__ = "the interims charged the guest past 1 MB"
    wait_until(used_up, timeout=8, interval=0.1)
    assert cut_reasons_now(scheduler_factory, session_factory, venue, settings) == [
        "balance_used",
        "balance_used",
    ]
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.nas.active_sessions() == []
    ended = {s["session_id"]: s for s in venue.nas.ended_sessions()}
    assert {ended[s.session_id]["terminate_cause"] for s in online} == {"Admin-Reset"}
    requests = [r for r in venue.sim.coa.received if r.code == DISCONNECT_REQUEST]
    assert {r.attributes["Acct-Session-Id"][0] for r in requests} == {
        s.session_id for s in online
    }


def test_a_metered_card_past_its_balance_is_cut(
    sim_venue, settings, session_factory, scheduler_factory
):
    """A router that does not hold the card to the limit it was given (here the
    simulator forgets it): the balance runs out in the Interim-Updates."""
    from hotspot.crypto import PinCipher
    from hotspot.services.vouchers import generate_vouchers

    venue = sim_venue(interim=0.5, rate_down=3 * RATE, rate_up=0)
    with transaction(session_factory) as s:
        owner = s.merge(venue.owner)
        tariff = factories.tariff(s, owner, kind="metered", price_per_mb="100")
        [card] = generate_vouchers(
            s, owner, tariff, 1, PinCipher(settings.pin_key), face_value="100"
        )
    online = venue.login(card)
    assert online.total_limit == 1_000_000  # what the balance pays for
    online.total_limit = None
    wait_stored(session_factory, venue.router, online.session_id)
    assert cut_reasons_now(scheduler_factory, session_factory, venue, settings) == []

    def spent() -> bool:
        return _voucher(session_factory, card.code).used_bytes >= 1_000_000

    spent.__doc__ = "the interims charged the whole balance"
    wait_until(spent, timeout=15, interval=0.1)
    assert cut_reasons_now(scheduler_factory, session_factory, venue, settings) == [
        "balance_used"
    ]
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.nas.get_session(online.session_id) is None
    [ended] = venue.nas.ended_sessions()
    assert ended["terminate_cause"] == "Admin-Reset"
