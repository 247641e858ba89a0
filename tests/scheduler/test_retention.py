"""Retention: the scheduler deletes what is past its period, in bounded batches that
never wait on a row RADIUS holds, keeps open sessions, and records every purge."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from alembic import command
from sqlalchemy import func, select, text

from hotspot.clock import FrozenClock
from hotspot.db import alembic_config, make_engine, make_sessionmaker, transaction
from hotspot.models import (
    AuthFailure,
    Identification,
    OtpChallenge,
    PurgeLog,
    RadiusSession,
    SmsMessage,
)
from hotspot.services.retention import RETENTIONS, purge_expired
from scheduler.jobs import JOBS, run_job
from tests import factories

NOW = dt.datetime(2027, 6, 1, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
def factory(pg_cluster):
    """A database of its own: purging with a clock a year ahead must not touch the
    rows other tests keep in the shared one."""
    pg_cluster.ensure_database("retention")
    url = pg_cluster.url("retention")
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with engine.begin() as conn:
        for r in RETENTIONS:
            conn.execute(text(f"TRUNCATE {r.table} CASCADE"))
        conn.execute(text("TRUNCATE purge_log"))
    yield factory
    engine.dispose()


def _session(router, sid: str, stopped: dt.datetime | None) -> RadiusSession:
    start = (stopped or NOW) - dt.timedelta(hours=1)
    return RadiusSession(
        router_id=router.id,
        acct_session_id=sid,
        username="998901112233",
        started_at=start,
        updated_at=stopped or NOW,
        stopped_at=stopped,
    )


def _seed(factory) -> None:
    """Each kind of record: one just past its period, one just inside it."""
    with transaction(factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner)
        year, inside = NOW - 366 * DAY, NOW - 364 * DAY
        s.add_all(
            [
                _session(router, "old", year),
                _session(router, "recent", inside),
                # Open for ever (a lost Stop): never purged by retention.
                _session(router, "open", None),
            ]
        )
        for expires in (year, inside):
            s.add(
                Identification(
                    owner_id=owner.id,
                    method="sms",
                    subject="998901112233",
                    reference="998901112233",
                    mac="02:00:00:00:00:01",
                    expires_at=expires,
                )
            )
        for age in (181, 179):
            s.add(
                SmsMessage(
                    owner_id=owner.id,
                    phone="998901112233",
                    template="otp",
                    client_ref=f"ref-{age}",
                    created_at=NOW - age * DAY,
                )
            )
        for age in (31, 29):
            s.add(
                OtpChallenge(
                    owner_id=owner.id,
                    router_id=router.id,
                    phone="998901112233",
                    mac="02:00:00:00:00:01",
                    code_hash="x",
                    expires_at=NOW - age * DAY,
                    created_at=NOW - age * DAY,
                )
            )
        for age in (8, 6):
            s.add(
                AuthFailure(
                    router_id=router.id, username="card", created_at=NOW - age * DAY
                )
            )


def _left(factory) -> dict[str, int]:
    with factory() as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (
                RadiusSession,
                Identification,
                SmsMessage,
                OtpChallenge,
                AuthFailure,
            )
        }


def test_the_job_deletes_only_what_is_past_its_period(factory, settings):
    _seed(factory)
    job = next(j for j in JOBS if j.name == "purge-expired-records")
    result = run_job(job, factory, FrozenClock(NOW), settings)
    assert result == {
        "otp_challenges": 1,
        "auth_failures": 1,
        "sms_messages": 1,
        "identifications": 1,
        "radius_sessions": 1,
    }
    left = _left(factory)
    assert left == {
        "radius_sessions": 2,  # the recent one and the open one
        "identifications": 1,
        "sms_messages": 1,
        "otp_challenges": 1,
        "auth_failures": 1,
    }
    with factory() as s:
        ids = set(s.scalars(select(RadiusSession.acct_session_id)))
        log = {p.table_name: p.deleted for p in s.scalars(select(PurgeLog))}
    assert ids == {"recent", "open"}
    assert log["radius_sessions"] == 1 and log["identifications"] == 1
    # Nothing left to do: a second run deletes and records nothing.
    assert sum(run_job(job, factory, FrozenClock(NOW), settings).values()) == 0


def test_a_period_of_zero_keeps_for_ever(factory, settings):
    _seed(factory)
    keep = settings.with_(retention_session_days=0, retention_identification_days=0)
    result = purge_expired(factory, NOW, keep)
    assert "radius_sessions" not in result and "identifications" not in result
    assert _left(factory)["radius_sessions"] == 3


def test_batches_are_bounded_and_the_rest_goes_next_run(factory, settings):
    with transaction(factory) as s:
        router = factories.router(s, factories.owner(s))
        s.add_all(
            _session(router, f"s{i}", NOW - 400 * DAY - i * dt.timedelta(minutes=1))
            for i in range(25)
        )
    first = purge_expired(factory, NOW, settings, batch_size=10, max_batches=2)
    assert first["radius_sessions"] == 20
    second = purge_expired(factory, NOW, settings, batch_size=10, max_batches=2)
    assert second["radius_sessions"] == 5


def test_a_row_radius_holds_is_skipped_without_waiting(factory, settings):
    """hotspot_accounting holds the session row it updates: the purge passes it by
    at once (no lock wait for RADIUS) and takes it at a later run."""
    with transaction(factory) as s:
        router = factories.router(s, factories.owner(s))
        s.add_all(
            [
                _session(router, "held", NOW - 400 * DAY),
                _session(router, "free", NOW - 400 * DAY),
            ]
        )
    holder = factory()
    holder.execute(
        text("SELECT 1 FROM radius_sessions WHERE acct_session_id = 'held' FOR UPDATE")
    )
    try:
        done = threading.Event()
        result: dict[str, int] = {}

        def purge() -> None:
            result.update(purge_expired(factory, NOW, settings))
            done.set()

        threading.Thread(target=purge, daemon=True).start()
        assert done.wait(10), "the purge waited on a row RADIUS holds"
        assert result["radius_sessions"] == 1
    finally:
        holder.rollback()
        holder.close()
    assert purge_expired(factory, NOW, settings)["radius_sessions"] == 1
