"""Sessions with no Interim-Update for 3 intervals (a router that rebooted or lost
them) are closed by a job with cause Lost-Carrier, at their last update."""

from __future__ import annotations

import datetime as dt

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import RadiusSession
from tests import factories

from .conftest import run_named_job


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
