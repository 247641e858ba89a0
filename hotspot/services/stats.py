"""Reading RADIUS sessions for the cabinet and the admin: the rollups the scheduler
keeps (charts by hour, day, week, month), the live sessions, routers' status, SMS
history and the installation's health. Every owner-facing query is scoped by owner.

A session counts in the hour it started (its traffic and time too): the rollups of
the last ``REFRESH_WINDOW`` are recomputed by :func:`refresh_rollups` every few
minutes, so a page view reads at most a year of hourly rows of one owner."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select, text, true, tuple_
from sqlalchemy.orm import Session, aliased

from ..db import affected
from ..models import GuestDayCount, RadiusSession, Router, SessionRollup, SmsMessage
from ..venues import DEFAULT_TIMEZONE
from .accounting import DeadLetters, dead_letter_summary

#: Sessions started this long ago may still change (the 24-hour rule, plus late
#: accounting from the spool): their hours are recomputed on every refresh.
REFRESH_WINDOW = dt.timedelta(hours=26)
UNITS = ("hour", "day", "week", "month")
#: A router is "silent" when no accounting has been seen for this long.
SILENT_AFTER = dt.timedelta(hours=6)

#: A rollup's counters are bigint: sums of the routers' (capped) totals stop there.
BIGINT_MAX = 2**63 - 1
_ROLLUP_SQL = text(
    """
    INSERT INTO session_rollups (router_id, hour, owner_id, sessions, guests,
                                 input_octets, output_octets, session_time)
    SELECT s.router_id, date_trunc('hour', s.started_at AT TIME ZONE 'UTC')
               AT TIME ZONE 'UTC', r.owner_id, count(*),
           count(DISTINCT coalesce(i.subject, s.username)),
           least(sum(s.input_octets), :top), least(sum(s.output_octets), :top),
           least(sum(s.session_time), :top)
    FROM radius_sessions s JOIN routers r ON r.id = s.router_id
         LEFT JOIN identifications i ON i.login = s.username
    WHERE s.started_at >= :since
    GROUP BY 1, 2, 3
    ON CONFLICT (router_id, hour) DO UPDATE SET
        owner_id = EXCLUDED.owner_id, sessions = EXCLUDED.sessions,
        guests = EXCLUDED.guests, input_octets = EXCLUDED.input_octets,
        output_octets = EXCLUDED.output_octets,
        session_time = EXCLUDED.session_time
    """
)
_GUEST_DAYS_SQL = text(
    """
    INSERT INTO guest_days (router_id, day, username, owner_id)
    SELECT DISTINCT s.router_id,
           (s.started_at AT TIME ZONE coalesce(o.policy->>'timezone', :tz))::date,
           coalesce(i.subject, s.username), r.owner_id
    FROM radius_sessions s JOIN routers r ON r.id = s.router_id
         JOIN owners o ON o.id = r.owner_id
         LEFT JOIN identifications i ON i.login = s.username
    WHERE s.started_at >= :since
    ON CONFLICT DO NOTHING
    """
)


_DAY_COUNTS_SQL = [
    text("DELETE FROM guest_day_counts WHERE day >= :day"),
    text(
        """
        INSERT INTO guest_day_counts (owner_id, router_id, day, guests)
        SELECT owner_id, router_id, day, count(*) FROM guest_days
        WHERE day >= :day GROUP BY 1, 2, 3
        UNION ALL
        SELECT owner_id, 0, day, count(DISTINCT username) FROM guest_days
        WHERE day >= :day GROUP BY 1, 3
        """
    ),
]


def refresh_rollups(
    session: Session, now: dt.datetime, since: dt.datetime | None = None
) -> dict[str, int]:
    """Recompute the hourly rollups (and guest days) of sessions started since
    ``since`` (default: the last REFRESH_WINDOW; everything when no rollup exists
    yet). Idempotent: a run repeated gives the same rows."""
    if since is None:
        if session.scalar(select(SessionRollup.hour).limit(1)) is None:
            since = session.scalar(select(func.min(RadiusSession.started_at)))
            if since is None:
                return {"hours": 0, "guest_days": 0}
        else:
            since = now - REFRESH_WINDOW
    since = since.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    hours = affected(session.execute(_ROLLUP_SQL, {"since": since, "top": BIGINT_MAX}))
    days = affected(
        session.execute(_GUEST_DAYS_SQL, {"since": since, "tz": DEFAULT_TIMEZONE})
    )
    # Local days start at most 14 hours before the UTC one (UTC+14).
    first_day = (since - dt.timedelta(days=1)).date()
    for sql in _DAY_COUNTS_SQL:
        session.execute(sql, {"day": first_day})
    return {"hours": hours, "guest_days": days}


# -- charts ------------------------------------------------------------------------
@dataclass(frozen=True)
class Bucket:
    #: Local start of the bucket (naive, in the owner's time zone).
    start: dt.datetime
    sessions: int = 0
    guests: int = 0
    input_octets: int = 0
    output_octets: int = 0
    session_time: int = 0

    @property
    def octets(self) -> int:
        return self.input_octets + self.output_octets


@dataclass(frozen=True)
class Period:
    unit: str
    #: Local (naive) bounds, start included, end excluded.
    start: dt.datetime
    end: dt.datetime


def period_for(unit: str, anchor: dt.date) -> Period:
    """The default span of a chart by ``unit``: the anchor's day by hour, its
    month by day, twelve weeks up to its week by week, its year by month."""
    if unit not in UNITS:
        raise ValueError(unit)
    day = dt.datetime.combine(anchor, dt.time())
    if unit == "hour":
        return Period(unit, day, day + dt.timedelta(days=1))
    if unit == "day":
        start = day.replace(day=1)
        return Period(unit, start, _next_month(start))
    if unit == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return Period(
            unit, monday - dt.timedelta(weeks=11), monday + dt.timedelta(weeks=1)
        )
    start = day.replace(month=1, day=1)
    return Period(unit, start, start.replace(year=start.year + 1))


def _next_month(d: dt.datetime) -> dt.datetime:
    return d.replace(year=d.year + d.month // 12, month=d.month % 12 + 1, day=1)


def _step(unit: str, d: dt.datetime) -> dt.datetime:
    if unit == "month":
        return _next_month(d)
    return d + {"hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1)}.get(
        unit, dt.timedelta(weeks=1)
    )


def _utc(local: dt.datetime, tz: str) -> dt.datetime:
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


def series(
    session: Session,
    owner_id: int | None,
    period: Period,
    tz: str,
    router_id: int | None = None,
) -> list[Bucket]:
    """Sessions, unique guests, traffic and time per bucket of ``period`` (every
    bucket, empty ones included), for one owner (None: every owner)."""
    unit = period.unit
    bucket = func.date_trunc(unit, func.timezone(tz, SessionRollup.hour))
    query = select(
        bucket,
        func.sum(SessionRollup.sessions),
        func.sum(SessionRollup.guests),
        func.sum(SessionRollup.input_octets),
        func.sum(SessionRollup.output_octets),
        func.sum(SessionRollup.session_time),
    ).where(
        SessionRollup.hour >= _utc(period.start, tz),
        SessionRollup.hour < _utc(period.end, tz),
    )
    if owner_id is not None:
        query = query.where(SessionRollup.owner_id == owner_id)
    if router_id is not None:
        query = query.where(SessionRollup.router_id == router_id)
    rows = {r[0]: r for r in session.execute(query.group_by(bucket))}
    guests = _guests(session, owner_id, period, router_id) if unit != "hour" else {}
    out, at = [], period.start
    while at < period.end:
        r = rows.get(at)
        values = [int(v or 0) for v in r[1:]] if r else [0, 0, 0, 0, 0]
        if unit != "hour":
            values[1] = guests.get(at.date(), 0)
        out.append(Bucket(at, *values))
        at = _step(unit, at)
    return out


def _guests(
    session: Session, owner_id: int | None, period: Period, router_id: int | None
) -> dict[dt.date, int]:
    if period.unit == "day" and owner_id is not None:
        return _guests_by_day(session, owner_id, period, router_id)
    where = "day >= :d0 AND day < :d1"
    params: dict[str, Any] = {
        "unit": period.unit,
        "d0": period.start.date(),
        "d1": period.end.date(),
    }
    if owner_id is not None:
        where += " AND owner_id = :owner"
        params["owner"] = owner_id
    if router_id is not None:
        where += " AND router_id = :router"
        params["router"] = router_id
    sql = text(
        "SELECT date_trunc(:unit, day)::date, count(DISTINCT username) "
        f"FROM guest_days WHERE {where} GROUP BY 1"
    )
    return {d: int(n) for d, n in session.execute(sql, params)}


def _guests_by_day(
    session: Session, owner_id: int, period: Period, router_id: int | None
) -> dict[dt.date, int]:
    """One owner's unique guests per day, as the job counted them."""
    query = select(GuestDayCount.day, GuestDayCount.guests).where(
        GuestDayCount.owner_id == owner_id,
        GuestDayCount.router_id == (router_id or 0),
        GuestDayCount.day >= period.start.date(),
        GuestDayCount.day < period.end.date(),
    )
    return {d: int(n) for d, n in session.execute(query)}


def totals(buckets: list[Bucket]) -> Bucket:
    """The sums of a series (unique guests: the largest bucket's, a lower bound)."""
    start = buckets[0].start if buckets else dt.datetime.min
    return Bucket(
        start,
        sum(b.sessions for b in buckets),
        max((b.guests for b in buckets), default=0),
        sum(b.input_octets for b in buckets),
        sum(b.output_octets for b in buckets),
        sum(b.session_time for b in buckets),
    )


# -- bandwidth ---------------------------------------------------------------------
@dataclass(frozen=True)
class Usage:
    """Traffic of one router, or one user, over a period."""

    #: The router's NAS identifier, or the user (phone or card).
    name: str
    title: str
    sessions: int
    input_octets: int
    output_octets: int
    session_time: int
    #: Shown as is: a router, or a card (a user name that is not a phone number);
    #: a phone is masked.
    card: bool = True

    @property
    def octets(self) -> int:
        return self.input_octets + self.output_octets


def router_usage(
    session: Session, owner_id: int, period: Period, tz: str
) -> list[Usage]:
    """Each of the owner's routers' sessions and traffic in ``period`` (local),
    from the hourly rollups; busiest first, routers with none included."""
    totals = (
        select(
            SessionRollup.router_id,
            func.sum(SessionRollup.sessions).label("n_sessions"),
            func.sum(SessionRollup.input_octets).label("octets_in"),
            func.sum(SessionRollup.output_octets).label("octets_out"),
            func.sum(SessionRollup.session_time).label("seconds"),
        )
        .where(
            SessionRollup.owner_id == owner_id,
            SessionRollup.hour >= _utc(period.start, tz),
            SessionRollup.hour < _utc(period.end, tz),
        )
        .group_by(SessionRollup.router_id)
        .subquery()
    )
    rows = session.execute(
        select(Router.nas_identifier, Router.title, totals)
        .outerjoin(totals, totals.c.router_id == Router.id)
        .where(Router.owner_id == owner_id)
    ).all()
    usage = [
        Usage(
            name=r[0],
            title=r[1] or "",
            sessions=int(r.n_sessions or 0),
            input_octets=int(r.octets_in or 0),
            output_octets=int(r.octets_out or 0),
            session_time=int(r.seconds or 0),
        )
        for r in rows
    ]
    return sorted(usage, key=lambda u: (-u.octets, u.name))


def top_users(
    session: Session,
    owner_id: int,
    period: Period,
    tz: str,
    router_id: int | None = None,
    limit: int = 50,
) -> list[Usage]:
    """The owner's users (phones and cards) with the most traffic in ``period``
    (sessions counted in the hour they started, as in the rollups)."""
    octets = func.sum(RadiusSession.input_octets + RadiusSession.output_octets)
    query = (
        select(
            RadiusSession.username,
            func.count(),
            func.sum(RadiusSession.input_octets),
            func.sum(RadiusSession.output_octets),
            func.sum(RadiusSession.session_time),
            func.bool_or(RadiusSession.voucher_id.is_not(None)),
        )
        .join(Router, Router.id == RadiusSession.router_id)
        .where(
            Router.owner_id == owner_id,
            RadiusSession.started_at >= _utc(period.start, tz),
            RadiusSession.started_at < _utc(period.end, tz),
        )
        .group_by(RadiusSession.username)
        .order_by(octets.desc(), RadiusSession.username)
        .limit(limit)
    )
    if router_id is not None:
        query = query.where(RadiusSession.router_id == router_id)
    return [
        Usage(
            name,
            "",
            int(n),
            int(i or 0),
            int(o or 0),
            int(t or 0),
            bool(card) or not name.isdigit(),
        )
        for name, n, i, o, t, card in session.execute(query)
    ]


# -- live sessions -----------------------------------------------------------------
def live_query(owner_id: int | None, router_id: int | None = None) -> Select[Any]:
    """Open sessions, newest first, with their router's NAS identifier."""
    query: Any = (
        select(RadiusSession, Router.nas_identifier, Router.title)
        .join(Router, Router.id == RadiusSession.router_id)
        .where(RadiusSession.stopped_at.is_(None))
        .order_by(RadiusSession.started_at.desc(), RadiusSession.id.desc())
    )
    if owner_id is not None:
        query = query.where(Router.owner_id == owner_id)
    if router_id is not None:
        query = query.where(RadiusSession.router_id == router_id)
    return query


def live_window(
    owner_id: int | None,
    router_id: int | None,
    cursor: tuple[dt.datetime, int] | None,
    newer: bool,
    limit: int,
) -> Select[Any]:
    """``limit`` open sessions past ``cursor`` (started_at, id): older ones, newest
    first, or (``newer``) newer ones, oldest first. An owner's are read router by
    router (each a short walk of its index, whatever the page), every owner's or
    one router's along the index of all open sessions."""
    key = (RadiusSession.started_at, RadiusSession.id)
    if owner_id is None or router_id is not None:
        return _window(live_query(owner_id, router_id), key, cursor, newer, limit)
    inner = _window(
        select(RadiusSession).where(
            RadiusSession.router_id == Router.id, RadiusSession.stopped_at.is_(None)
        ),
        key,
        cursor,
        newer,
        limit,
    ).lateral("open_sessions")
    rs = aliased(RadiusSession, inner)
    query: Any = (
        select(rs, Router.nas_identifier, Router.title)
        .select_from(Router)
        .join(inner, true())
        .where(Router.owner_id == owner_id)
    )
    return _window(query, (rs.started_at, rs.id), None, newer, limit)


def _window(
    query: Select[Any],
    key: tuple[Any, Any],
    cursor: tuple[dt.datetime, int] | None,
    newer: bool,
    limit: int,
) -> Select[Any]:
    if cursor is not None:
        row, at = tuple_(*key), tuple_(*cursor)
        query = query.where(row > at if newer else row < at)
    order = [k.asc() if newer else k.desc() for k in key]
    return query.order_by(None).order_by(*order).limit(limit)


# -- routers -----------------------------------------------------------------------
@dataclass(frozen=True)
class RouterStatus:
    router: Router
    open_sessions: int
    #: The last accounting seen: an open session's last update, or the start of
    #: the last hour a session started in.
    last_seen: dt.datetime | None
    #: The newest Disconnect/CoA/API error of the outbox (router_actions), as
    #: ``hotspot router status`` shows it: what it was, when queued, the error.
    last_error: RouterError | None = None

    def silent(self, now: dt.datetime) -> bool:
        return self.last_seen is None or now - self.last_seen > SILENT_AFTER

    @property
    def last_request(self) -> dt.datetime | None:
        """The last RADIUS request of any kind: an Access-Request (noted at most
        once a minute) or accounting."""
        seen = [t for t in (self.router.last_request_at, self.last_seen) if t]
        return max(seen) if seen else None


@dataclass(frozen=True)
class RouterError:
    kind: str
    at: dt.datetime
    error: str


_ROUTER_STATUS_SQL = """
    SELECT r.id,
           (SELECT count(*) FROM radius_sessions s
             WHERE s.router_id = r.id AND s.stopped_at IS NULL),
           greatest((SELECT max(s.updated_at) FROM radius_sessions s
                      WHERE s.router_id = r.id AND s.stopped_at IS NULL),
                    (SELECT max(h.hour) FROM session_rollups h
                      WHERE h.router_id = r.id)),
           e.kind, e.created_at, e.last_error
    FROM routers r
    LEFT JOIN LATERAL (
        SELECT a.kind, a.created_at, a.last_error FROM router_actions a
         WHERE a.router_id = r.id AND a.last_error <> ''
         ORDER BY a.created_at DESC LIMIT 1) e ON true
    WHERE r.id = ANY(:ids)
"""


def router_statuses(session: Session, routers: list[Router]) -> list[RouterStatus]:
    """Each router's sessions now, last accounting and last error, in one query."""
    if not routers:
        return []
    rows = session.execute(
        text(_ROUTER_STATUS_SQL), {"ids": [r.id for r in routers]}
    ).all()
    by_id = {r[0]: r for r in rows}
    return [
        RouterStatus(
            r,
            int(by_id[r.id][1]),
            by_id[r.id][2],
            RouterError(*by_id[r.id][3:6]) if by_id[r.id][3] else None,
        )
        for r in routers
    ]


# -- SMS ---------------------------------------------------------------------------
def sms_query(
    owner_id: int | None, status: str | None = None, router_id: int | None = None
) -> Select[Any]:
    query: Select[Any] = select(SmsMessage).order_by(
        SmsMessage.created_at.desc(), SmsMessage.id.desc()
    )
    if owner_id is not None:
        query = query.where(SmsMessage.owner_id == owner_id)
    if status:
        query = query.where(SmsMessage.status == status)
    if router_id is not None:
        query = query.where(SmsMessage.router_id == router_id)
    return query


def sms_totals(
    session: Session, owner_id: int | None, since: dt.datetime
) -> list[tuple[str, str, int]]:
    """(router, status, count) of the SMS sent since ``since``."""
    query: Any = (
        select(
            func.coalesce(Router.nas_identifier, "-"),
            SmsMessage.status,
            func.count(SmsMessage.id),
        )
        .outerjoin(Router, Router.id == SmsMessage.router_id)
        .where(SmsMessage.created_at >= since)
        .group_by(text("1"), text("2"))
        .order_by(text("1"), text("2"))
    )
    if owner_id is not None:
        query = query.where(SmsMessage.owner_id == owner_id)
    return [(str(a), str(b), int(c)) for a, b, c in session.execute(query)]


#: What the gateways page counts: periods (name, length) and statuses.
GATEWAY_PERIODS = (
    ("day", dt.timedelta(days=1)),
    ("week", dt.timedelta(days=7)),
    ("month", dt.timedelta(days=30)),
)
SENT_STATUSES = ("sent", "delivered")
FAILED_STATUSES = ("failed", "rejected")


def gateway_counts(
    session: Session, now: dt.datetime
) -> dict[str, dict[str, tuple[int, int]]]:
    """Per gateway (``sms_messages.provider``) and period of GATEWAY_PERIODS: the
    messages it took (sent or delivered) and those that failed, in one query."""
    columns: list[Any] = [SmsMessage.provider]
    for _, length in GATEWAY_PERIODS:
        recent = SmsMessage.created_at >= now - length
        for statuses in (SENT_STATUSES, FAILED_STATUSES):
            columns.append(func.count().filter(recent, SmsMessage.status.in_(statuses)))
    longest = max(length for _, length in GATEWAY_PERIODS)
    rows = session.execute(
        select(*columns)
        .where(SmsMessage.created_at >= now - longest)
        .where(SmsMessage.provider.is_not(None))
        .group_by(SmsMessage.provider)
    )
    counts: dict[str, dict[str, tuple[int, int]]] = {}
    for provider, *numbers in rows:
        counts[provider] = {
            name: (int(numbers[2 * i]), int(numbers[2 * i + 1]))
            for i, (name, _) in enumerate(GATEWAY_PERIODS)
        }
    return counts


# -- installation health (the operator) --------------------------------------------
@dataclass(frozen=True)
class Health:
    #: Bytes of accounting waiting in FreeRADIUS's spool (None: not on this host).
    spool_bytes: int | None
    spool_files: int | None
    open_sessions: int
    routers: int
    silent_routers: list[RouterStatus]
    #: Accounting the spool reader could not store (hotspot.services.accounting).
    dead_letters: DeadLetters = DeadLetters(0)


def spool_backlog(directory: Path) -> tuple[int, int] | None:
    """(files, bytes) of the detail files waiting in the spool, or None."""
    if not directory.is_dir():
        return None
    files = [p for p in directory.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def health(session: Session, spool_dir: Path, now: dt.datetime) -> Health:
    routers = list(session.scalars(select(Router).where(Router.enabled.is_(True))))
    statuses = router_statuses(session, routers)
    backlog = spool_backlog(spool_dir)
    return Health(
        spool_bytes=backlog[1] if backlog else None,
        spool_files=backlog[0] if backlog else None,
        open_sessions=sum(s.open_sessions for s in statuses),
        routers=len(routers),
        silent_routers=[s for s in statuses if s.silent(now)],
        dead_letters=dead_letter_summary(session),
    )
