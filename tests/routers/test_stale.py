"""Sessions with no Interim-Update for 3 intervals (a router that rebooted or lost
them) are closed by a job with cause Lost-Carrier, at their last update; a router
that says it started again (Accounting-On) has its sessions closed at once, cause
NAS-Reboot."""

from __future__ import annotations

import datetime as dt

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import RadiusSession
from tests import factories

from .conftest import db_session_row, run_named_job, wait_stopped, wait_stored


def test_silent_sessions_are_closed_as_lost_carrier(
    session_factory, scheduler_factory, settings
):
    now = utcnow()
    interval = settings.acct_interim_interval
    with transaction(session_factory) as s:
        router = factories.router(s, factories.owner(s))
        rows = {
            name: RadiusSession(
                router_id=router.id,
                acct_session_id=factories.unique(name),
                username="guest",
                started_at=now - dt.timedelta(hours=2),
                updated_at=now - dt.timedelta(seconds=age),
            )
            for name, age in (("silent", 3 * interval + 5), ("alive", interval))
        }
        s.add_all(rows.values())
        s.flush()
        ids = {name: row.id for name, row in rows.items()}
    assert run_named_job("close-stale-sessions", scheduler_factory, now, settings) >= 1
    with session_factory() as s:
        silent, alive = (
            s.get(RadiusSession, ids["silent"]),
            s.get(RadiusSession, ids["alive"]),
        )
        assert silent.terminate_cause == "Lost-Carrier"
        assert silent.stopped_at == silent.updated_at
        assert alive.stopped_at is None


def test_a_rebooted_router_closes_its_sessions_and_only_its_own(
    sim_venue, settings, session_factory
):
    """The simulator loses power and starts again: no Stops, then Accounting-On."""
    rebooted, other = sim_venue(), sim_venue()
    sessions = {}
    for venue in (rebooted, other):
        with transaction(session_factory) as s:
            card = factories.voucher(
                s, s.merge(venue.owner), settings.pin_key, time="1h"
            )
        sessions[venue.router.id] = venue.login(card).session_id
        wait_stored(session_factory, venue.router, sessions[venue.router.id])
    [lost] = rebooted.nas.reboot()
    assert lost.session_id == sessions[rebooted.router.id] and lost.stops_sent == 0
    row = wait_stopped(session_factory, rebooted.router, lost.session_id)
    assert row.terminate_cause == "NAS-Reboot"
    still = db_session_row(session_factory, other.router, sessions[other.router.id])
    assert still.stopped_at is None
    assert other.nas.get_session(sessions[other.router.id]) is not None
