"""The scheduler's rollup job, run as the scheduler's own database role."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from hotspot.clock import FrozenClock, utcnow
from hotspot.db import make_engine, make_sessionmaker, transaction
from hotspot.models import RadiusSession, SessionRollup
from scheduler.jobs import JOBS, run_job
from tests import factories


def test_rollup_job_runs_as_the_scheduler(session_factory, component_urls, settings):
    now = utcnow()
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner)
        s.add(
            RadiusSession(
                router_id=router.id,
                acct_session_id=uuid.uuid4().hex[:12],
                username="998907770001",
                started_at=now - dt.timedelta(hours=1),
                updated_at=now,
                input_octets=5,
                output_octets=7,
            )
        )
    engine = make_engine(component_urls["scheduler"])
    try:
        job = next(j for j in JOBS if j.name == "refresh-session-rollups")
        result = run_job(job, make_sessionmaker(engine), FrozenClock(now), settings)
        assert result is not None and result["hours"] >= 1
    finally:
        engine.dispose()
    with session_factory() as s:
        row = s.scalar(
            select(SessionRollup).where(SessionRollup.router_id == router.id)
        )
        assert (row.sessions, row.input_octets, row.output_octets) == (1, 5, 7)
    assert any(j.name == "purge-login-attempts" for j in JOBS)


def test_huge_counters_do_not_stop_the_rollup(session_factory):
    """Counters are the routers' totals, capped at 2**62 when stored: a few such
    sessions in one hour sum past bigint, and the rollup stops at its top."""
    from hotspot.services.stats import BIGINT_MAX, refresh_rollups

    now = utcnow()
    with transaction(session_factory) as s:
        router = factories.router(s, factories.owner(s))
        for _ in range(3):
            s.add(
                RadiusSession(
                    router_id=router.id,
                    acct_session_id=uuid.uuid4().hex[:12],
                    username="998907770002",
                    started_at=now - dt.timedelta(minutes=30),
                    updated_at=now,
                    input_octets=2**62,
                    output_octets=1,
                )
            )
    with transaction(session_factory) as s:
        refresh_rollups(s, now, since=now - dt.timedelta(hours=2))
    with session_factory() as s:
        row = s.scalar(
            select(SessionRollup).where(SessionRollup.router_id == router.id)
        )
        assert (row.input_octets, row.output_octets) == (BIGINT_MAX, 3)
