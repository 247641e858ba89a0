"""Session rollups: refreshed by the scheduler's job, read in the owner's zone."""

from __future__ import annotations

import datetime as dt
import uuid

from hotspot.models import RadiusSession
from hotspot.services.stats import live_query, period_for, refresh_rollups, series
from hotspot.venues import update_settings
from tests import factories

UTC = dt.UTC


def _session(s, router, started, user="998901112233", stopped=True, octets=1000):
    row = RadiusSession(
        router_id=router.id,
        acct_session_id=uuid.uuid4().hex[:16],
        username=user,
        started_at=started,
        updated_at=started + dt.timedelta(minutes=5),
        stopped_at=started + dt.timedelta(minutes=5) if stopped else None,
        session_time=300,
        input_octets=octets,
        output_octets=2 * octets,
    )
    s.add(row)
    s.flush()
    return row


def test_hours_and_days_in_the_owners_time_zone(db_session):
    owner = factories.owner(db_session)
    r1, r2 = factories.router(db_session, owner), factories.router(db_session, owner)
    # 19:30 UTC on 1 December is 00:30 on 2 December in Tashkent (UTC+5).
    late = dt.datetime(2026, 12, 1, 19, 30, tzinfo=UTC)
    _session(db_session, r1, late, "998900000001")
    _session(db_session, r1, late + dt.timedelta(minutes=10), "998900000001")
    _session(db_session, r2, late, "998900000002")
    _session(db_session, r2, late - dt.timedelta(hours=1), "998900000003")
    refresh_rollups(db_session, late, since=late - dt.timedelta(days=1))

    by_hour = series(
        db_session, owner.id, period_for("hour", dt.date(2026, 12, 2)), "Asia/Tashkent"
    )
    assert len(by_hour) == 24
    assert by_hour[0].sessions == 3 and by_hour[0].guests == 2
    assert by_hour[0].input_octets == 3000 and by_hour[0].output_octets == 6000
    assert sum(b.sessions for b in by_hour) == 3  # 23:30 of the 1st is not the 2nd

    by_day = series(
        db_session, owner.id, period_for("day", dt.date(2026, 12, 2)), "Asia/Tashkent"
    )
    assert len(by_day) == 31
    assert (by_day[0].sessions, by_day[0].guests) == (1, 1)
    assert (by_day[1].sessions, by_day[1].guests) == (3, 2)
    one_router = series(
        db_session,
        owner.id,
        period_for("day", dt.date(2026, 12, 2)),
        "Asia/Tashkent",
        r1.id,
    )
    assert (one_router[1].sessions, one_router[1].guests) == (2, 1)

    # In UTC the same sessions all fall on the 1st.
    utc_days = series(
        db_session, owner.id, period_for("day", dt.date(2026, 12, 1)), "UTC"
    )
    assert utc_days[0].sessions == 4
    by_month = series(
        db_session, owner.id, period_for("month", dt.date(2026, 12, 1)), "Asia/Tashkent"
    )
    assert len(by_month) == 12 and by_month[11].sessions == 4
    assert by_month[11].guests == 3


def test_refresh_is_idempotent_and_follows_updates(db_session):
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    start = dt.datetime(2026, 11, 3, 8, 15, tzinfo=UTC)
    row = _session(db_session, router, start, stopped=False)
    refresh_rollups(db_session, start, since=start)
    refresh_rollups(db_session, start, since=start)
    period = period_for("day", dt.date(2026, 11, 3))
    assert series(db_session, owner.id, period, "UTC")[2].sessions == 1
    row.input_octets = 5000
    db_session.flush()
    refresh_rollups(db_session, start + dt.timedelta(hours=1))
    assert series(db_session, owner.id, period, "UTC")[2].input_octets == 5000


def test_another_owners_sessions_never_count(db_session):
    a, b = factories.owner(db_session), factories.owner(db_session)
    ra, rb = factories.router(db_session, a), factories.router(db_session, b)
    at = dt.datetime(2026, 10, 5, 10, tzinfo=UTC)
    _session(db_session, ra, at, stopped=False)
    _session(db_session, rb, at, stopped=False)
    _session(db_session, rb, at, stopped=False)
    refresh_rollups(db_session, at, since=at)
    period = period_for("day", dt.date(2026, 10, 5))
    assert sum(x.sessions for x in series(db_session, a.id, period, "UTC")) == 1
    assert sum(x.sessions for x in series(db_session, a.id, period, "UTC", rb.id)) == 0
    assert len(db_session.execute(live_query(a.id)).all()) == 1
    assert len(db_session.execute(live_query(b.id)).all()) == 2


def test_owner_time_zone_setting(db_session):
    owner = factories.owner(db_session)
    assert update_settings(db_session, owner, {})["timezone"] == "Asia/Tashkent"
    assert (
        update_settings(db_session, owner, {"timezone": "Europe/Moscow"})["timezone"]
        == "Europe/Moscow"
    )
    import pytest

    from hotspot.errors import InvalidInput

    with pytest.raises(InvalidInput):
        update_settings(db_session, owner, {"timezone": "Mars/Olympus"})
