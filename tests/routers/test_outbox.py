"""The send job's failure paths: a router that does not answer is retried with
backoff, holds up no other router, and ends as failed, shown by `hotspot router
status`."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import RadiusSession
from hotspot.routers import outbox
from tests import factories

from .conftest import actions_of, wait_stopped, wait_stored


def _online(session_factory, settings, venue, count=1):
    sessions = []
    for _ in range(count):
        with transaction(session_factory) as s:
            card = factories.voucher(
                s, s.merge(venue.owner), settings.pin_key, time="1h"
            )
        online = venue.login(card)
        wait_stored(session_factory, venue.router, online.session_id)
        sessions.append(online)
    return sessions


def _queue_all(session_factory, venue, now):
    with transaction(session_factory) as s:
        rows = s.scalars(
            select(RadiusSession).where(RadiusSession.router_id == venue.router.id)
        )
        outbox.queue_for_sessions(s, rows, "owner", now)


def test_a_dead_router_holds_up_no_other_and_fails_after_its_attempts(
    sim_venue, settings, session_factory, scheduler_factory, cli
):
    live = sim_venue()
    dead = sim_venue(coa=False)  # incoming RADIUS off: nothing answers
    live_sessions = _online(session_factory, settings, live, 3)
    dead_sessions = _online(session_factory, settings, dead, 2)
    now = utcnow()
    _queue_all(session_factory, live, now)
    _queue_all(session_factory, dead, now)

    started = time.monotonic()
    ours = [live.router.id, dead.router.id]
    report = outbox.send_due(
        scheduler_factory, now, timeout=0.5, retries=2, router_ids=ours
    )
    elapsed = time.monotonic() - started
    # One timeout (2 x 0.5 s) for the dead router, its other action deferred; the
    # live router's three were sent meanwhile.
    assert report.as_dict() == {"claimed": 5, "ack": 3, "timeout": 1, "deferred": 1}
    assert elapsed < 2.5, elapsed
    assert all(live.nas.get_session(s.session_id) is None for s in live_sessions)
    assert all(dead.nas.get_session(s.session_id) for s in dead_sessions)
    first, second = actions_of(session_factory, dead.router)
    assert (first.state, first.result, first.attempts) == ("pending", "timeout", 1)
    assert first.next_attempt_at == now + dt.timedelta(seconds=outbox.BACKOFF_BASE)
    assert (second.attempts, second.last_error) == (0, "router did not answer")

    # Not due before its backoff; then retried until the last attempt.
    assert outbox.send_due(scheduler_factory, now, router_ids=ours).as_dict() == {
        "claimed": 0
    }
    for _ in range(outbox.MAX_ATTEMPTS * 2):
        now += outbox.backoff(outbox.MAX_ATTEMPTS)
        outbox.send_due(
            scheduler_factory, now, timeout=0.05, retries=1, router_ids=ours
        )
    states = {(a.state, a.result) for a in actions_of(session_factory, dead.router)}
    assert states == {("failed", "timeout")}

    shown = cli("router", "status", "--json").stdout
    import json

    status = {r["nas_id"]: r for r in json.loads(shown)}
    assert status[dead.router.nas_identifier]["failed"] == 2
    assert status[dead.router.nas_identifier]["last_error"] == "timeout"
    assert status[live.router.nas_identifier]["failed"] == 0
    assert status[live.router.nas_identifier]["last_ok"] is not None
    text = cli("router", "status").stdout
    assert f"{dead.router.nas_identifier}" in text and "2 failed" in text


def test_a_claimed_action_is_not_sent_twice(sim_venue, settings, session_factory):
    """Two senders at once (a leader that lost its lock and the next one): what one
    claimed the other skips until the lease runs out."""
    venue = sim_venue()
    _online(session_factory, settings, venue)
    now = utcnow()
    _queue_all(session_factory, venue, now)
    ours = [venue.router.id]
    with transaction(session_factory) as s:
        assert len(outbox.claim_due(s, now, 10, ours)) == 1
    with transaction(session_factory) as s:
        assert outbox.claim_due(s, now, 10, ours) == []
        # A sender that died: after the lease, another takes it.
        assert len(outbox.claim_due(s, now + outbox.LEASE, 10, ours)) == 1


def test_actions_for_sessions_closed_since_are_not_sent(
    sim_venue, settings, session_factory, scheduler_factory
):
    """A Disconnect and a speed change queued for sessions whose Stop arrived
    before the sender ran: nothing reaches the router; both end as gone. An
    action for a session still open is sent as before."""
    venue = sim_venue()
    cut, slowed, kept = _online(session_factory, settings, venue, 3)
    now = utcnow()
    with transaction(session_factory) as s:
        rows = {
            rs.acct_session_id: rs
            for rs in s.scalars(
                select(RadiusSession).where(RadiusSession.router_id == venue.router.id)
            )
        }
        outbox.queue_action(s, rows[cut.session_id], "owner", now)
        outbox.queue_action(
            s, rows[slowed.session_id], "rate_change", now, rate_limit="256k/1M"
        )
        outbox.queue_action(s, rows[kept.session_id], "owner", now)
    for online in (cut, slowed):  # the guests left; the router said so
        venue.nas.radius.accounting_stop(
            username=online.username,
            session_id=online.session_id,
            mac=online.mac,
            ip=online.ip,
        )
        wait_stopped(session_factory, venue.router, online.session_id)

    report = outbox.send_due(scheduler_factory, now, router_ids=[venue.router.id])
    assert report.as_dict() == {"claimed": 1, "closed": 2, "ack": 1}
    received = {r.attributes["Acct-Session-Id"][0] for r in venue.sim.coa.received}
    assert received == {kept.session_id}
    by_session = {
        a.acct_session_id: a for a in actions_of(session_factory, venue.router)
    }
    for online in (cut, slowed):
        action = by_session[online.session_id]
        assert (action.state, action.result, action.attempts) == ("done", "gone", 0)
        assert action.last_error == outbox.CLOSED_BEFORE_SENDING
    assert venue.nas.get_session(cut.session_id) is not None  # never asked
    assert venue.nas.get_session(slowed.session_id).rate_limit != "256k/1M"
