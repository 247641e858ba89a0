"""Disconnect and CoA through the outbox: the scheduler's send job talks RFC 5176
(pyrad) to the simulator's incoming RADIUS, which really ends or changes the session;
its Accounting-Stop then closes the session in the database."""

from __future__ import annotations

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.services.tenancy import get_owner
from hotspot.services.vouchers import revoke_voucher
from tests import factories

from .conftest import actions_of, run_named_job, wait_stopped, wait_stored


def _voucher(session_factory, settings, venue, **limits):
    with transaction(session_factory) as s:
        return factories.voucher(s, s.merge(venue.owner), settings.pin_key, **limits)


def test_a_revoked_card_is_cut_at_the_router(
    sim_venue, settings, session_factory, scheduler_factory
):
    venue = sim_venue()
    card = _voucher(session_factory, settings, venue, time="1h")
    other = _voucher(session_factory, settings, venue, time="1h")
    online = venue.login(card)
    staying = venue.login(other)
    wait_stored(session_factory, venue.router, online.session_id)
    wait_stored(session_factory, venue.router, staying.session_id)

    with transaction(session_factory) as s:
        revoke_voucher(s, get_owner(s, venue.owner.name), card.code, utcnow())
    [queued] = actions_of(session_factory, venue.router)
    assert (queued.kind, queued.state, queued.reason) == (
        "disconnect",
        "pending",
        "voucher_revoked",
    )

    result = run_named_job("send-router-actions", scheduler_factory)
    assert result == {"claimed": 1, "ack": 1}
    # The router holds only the other guest; the cut one got its Stop.
    assert venue.nas.get_session(online.session_id) is None
    assert venue.nas.get_session(staying.session_id) is not None
    assert online.terminate_cause == "Admin-Reset"
    [request] = venue.sim.coa.received
    assert request.answer == "ack"
    assert request.attributes["User-Name"] == [card.code]
    assert request.attributes["Acct-Session-Id"] == [online.session_id]
    assert request.attributes["Framed-IP-Address"] == [online.ip]
    row = wait_stopped(session_factory, venue.router, online.session_id)
    assert row.terminate_cause == "Admin-Reset"
    [done] = actions_of(session_factory, venue.router)
    assert (done.state, done.result, done.attempts) == ("done", "ack", 1)
    # Nothing left to send: a second run sends nothing.
    assert run_named_job("send-router-actions", scheduler_factory) == {"claimed": 0}
    interims = online.interims_sent
    venue.nas.tick()
    assert online.interims_sent == interims  # no more accounting for it
