"""RADIUS sessions as the routers reported them: the live ones, by owner, router,
card or guest, and what cuts them (a Disconnect queued in the caller's transaction,
sent later by the scheduler: hotspot.routers.outbox)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from sqlalchemy import Select, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from ..db import affected
from ..errors import InvalidInput, NotFound
from ..models import (
    ActionKind,
    Identification,
    Owner,
    RadiusSession,
    Router,
    RouterAction,
    SessionKeepalive,
    Tariff,
    Voucher,
)
from ..models.identification import LOGIN_PREFIX
from ..phones import mask
from ..policy import VoucherInfo, fresh_window, metered_allowance
from ..routers.outbox import queue_for_sessions
from ..units import UnitError, parse_rate_limit


def _open() -> Select[RadiusSession]:
    return select(RadiusSession).where(RadiusSession.stopped_at.is_(None))


def live_sessions(
    session: Session,
    *,
    owner: Owner | None = None,
    router: Router | None = None,
    username: str | None = None,
    limit: int = 1000,
) -> list[RadiusSession]:
    """Open sessions (no Stop yet), newest first."""
    query = _open()
    if owner is not None:
        query = query.join(Router, Router.id == RadiusSession.router_id).where(
            Router.owner_id == owner.id
        )
    if router is not None:
        query = query.where(RadiusSession.router_id == router.id)
    if username is not None:
        query = query.where(RadiusSession.username == username)
    return list(
        session.scalars(query.order_by(RadiusSession.started_at.desc()).limit(limit))
    )


def voucher_sessions(session: Session, voucher: Voucher) -> list[RadiusSession]:
    """A card's open sessions."""
    return list(session.scalars(_open().where(RadiusSession.voucher_id == voucher.id)))


def subject_sessions(
    session: Session, subject: str, owner_id: int | None
) -> list[RadiusSession]:
    """A guest's open sessions (a phone or document: under the login names of its
    identifications), at one owner's routers (None: everywhere)."""
    logins = select(Identification.login).where(Identification.subject == subject)
    query = _open().where(
        or_(RadiusSession.username == subject, RadiusSession.username.in_(logins))
    )
    if owner_id is not None:
        query = query.join(Router, Router.id == RadiusSession.router_id).where(
            Router.owner_id == owner_id
        )
    return list(session.scalars(query))


def get_live_session(session: Session, owner: Owner, session_id: int) -> RadiusSession:
    """An open session at this owner's routers (another owner's is unknown)."""
    rs = session.scalar(
        _open()
        .join(Router, Router.id == RadiusSession.router_id)
        .where(RadiusSession.id == session_id, Router.owner_id == owner.id)
    )
    if rs is None:
        raise NotFound("no open session %(id)s", id=session_id)
    return rs


def disconnect_session(
    session: Session, owner: Owner, session_id: int, now: dt.datetime
) -> RadiusSession:
    """An owner cuts one session."""
    rs = get_live_session(session, owner, session_id)
    queue_for_sessions(session, [rs], "owner", now)
    return rs


def change_session_speed(
    session: Session, owner: Owner, session_id: int, rate: str, now: dt.datetime
) -> RadiusSession:
    """A new Mikrotik-Rate-Limit for one session online (a CoA; its card, and the
    guest's next login, keep their own speed). Another owner's session is unknown,
    whatever the rate."""
    rs = get_live_session(session, owner, session_id)
    try:
        rate = parse_rate_limit(rate)
    except UnitError as exc:
        raise InvalidInput(exc.text) from exc
    queue_for_sessions(session, [rs], "rate_change", now, rate_limit=rate)
    return rs


def change_speed(
    session: Session,
    owner: Owner,
    rate: str,
    now: dt.datetime,
    *,
    voucher_code: str | None = None,
    tariff_name: str | None = None,
) -> int:
    """A new Mikrotik-Rate-Limit for one card, or for a tariff and every card sold
    with it (their snapshot follows): later logins get it, and each session online
    gets a CoA. Returns how many sessions were queued."""
    from .tariffs import get_tariff
    from .vouchers import get_voucher

    if (voucher_code is None) == (tariff_name is None):
        raise InvalidInput("give a voucher or a tariff")
    try:
        rate = parse_rate_limit(rate)
    except UnitError as exc:
        raise InvalidInput(exc.text) from exc
    if voucher_code is not None:
        vouchers = [get_voucher(session, owner, voucher_code)]
    else:
        tariff: Tariff = get_tariff(session, owner, str(tariff_name))
        tariff.rate_limit = rate
        vouchers = list(
            session.scalars(select(Voucher).where(Voucher.tariff_id == tariff.id))
        )
    online: list[RadiusSession] = []
    for voucher in vouchers:
        voucher.rate_limit = rate
        online += voucher_sessions(session, voucher)
    session.flush()
    return queue_for_sessions(session, online, "rate_change", now, rate_limit=rate)


def guest_labels(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """How to show identified guests' sessions: login name -> the masked phone, or
    the document login (``hotel-12``). Cards' codes are not in it."""
    names = [u for u in set(usernames) if u.startswith(LOGIN_PREFIX)]
    if not names:
        return {}
    rows = session.execute(
        select(
            Identification.login, Identification.method, Identification.subject
        ).where(Identification.login.in_(names))
    )
    return {
        login: mask(subject) if method == "sms" else subject
        for login, method, subject in rows
    }


def shown_username(rs: RadiusSession, labels: dict[str, str]) -> str:
    """A session's user as people see it: a card's code, a masked phone."""
    username = rs.username
    if rs.voucher_id is not None:
        return username
    if username in labels:
        return labels[username]
    if username.startswith(LOGIN_PREFIX):
        return "?"  # an identification since deleted (retention)
    return mask(username) if username.isdigit() else username


def session_dict(
    rs: RadiusSession, nas_id: str = "", labels: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "id": rs.id,
        "router": nas_id or rs.router_id,
        "username": shown_username(rs, labels or {}),
        "acct_session_id": rs.acct_session_id,
        "mac": rs.mac,
        "ip": str(rs.framed_ip) if rs.framed_ip else None,
        "started_at": rs.started_at.isoformat(),
        "updated_at": rs.updated_at.isoformat(),
        "session_time": rs.session_time,
        "input_octets": rs.input_octets,
        "output_octets": rs.output_octets,
    }


def session_dicts(
    session: Session, rows: list[RadiusSession], nas_ids: dict[int, str] | None = None
) -> list[dict[str, Any]]:
    """:func:`session_dict` of each, identified guests shown by masked phone."""
    labels = guest_labels(session, [rs.username for rs in rows])
    nas_ids = nas_ids or {}
    return [session_dict(rs, nas_ids.get(rs.router_id, ""), labels) for rs in rows]


# -- what the scheduler cuts -------------------------------------------------------
def _identification_over(now: dt.datetime) -> Select[RadiusSession]:
    """Sessions of identified guests (no card) whose identification at the owner
    has run out (24 hours at most) with no newer one for that device."""
    # The session's own identification (by its login name), then any of the same
    # person and device at the owner: a newer one keeps the session.
    own = aliased(Identification)
    whose = (
        select(own.subject)
        .where(own.login == RadiusSession.username)
        .correlate_except(own)
        .scalar_subquery()
    )
    same = (
        (Identification.owner_id == Router.owner_id)
        & (Identification.subject == whose)
        & (Identification.mac == RadiusSession.mac)
    )
    return (
        _open()
        .join(Router, Router.id == RadiusSession.router_id)
        .where(
            RadiusSession.voucher_id.is_(None),
            exists().where(same),
            ~exists().where(same & (Identification.expires_at > now)),
        )
    )


def _voucher_info(v: Voucher) -> VoucherInfo:
    def exact(x: Any) -> Fraction | None:
        return None if x is None else Fraction(str(x))

    return VoucherInfo(
        id=v.id,
        owner_id=v.owner_id,
        status=v.status,
        pin_encrypted="",
        used_seconds=v.used_seconds,
        used_bytes=v.used_bytes,
        max_devices=v.max_devices,
        face_value=exact(v.face_value),
        price_per_mb=exact(v.price_per_mb),
        price_per_minute=exact(v.price_per_minute),
    )


def _used_up(v: Voucher, now: dt.datetime) -> bool:
    """The card may no longer be online: revoked, expired, or its time, data or
    balance used up (as accounting left its counters)."""
    if v.status in ("revoked", "expired", "exhausted"):
        return True
    if v.expires_at is not None and v.expires_at <= now:
        return True
    if v.time_limit is not None and v.used_seconds >= v.time_limit:
        return True
    if v.data_limit is not None and v.used_bytes >= v.data_limit:
        return True
    balance = metered_allowance(_voucher_info(v))
    return balance is not None and any(x is not None and x <= 0 for x in balance)


def _over_device_limit(
    session: Session, fresh_after: dt.datetime
) -> list[RadiusSession]:
    """A card's fresh sessions beyond its devices (logins that raced, a limit
    lowered): the newest go."""
    rank = (
        func.row_number()
        .over(
            partition_by=RadiusSession.voucher_id,
            order_by=(RadiusSession.started_at, RadiusSession.id),
        )
        .label("rank")
    )
    ranked = (
        select(RadiusSession.id, rank, Voucher.max_devices)
        .join(Voucher, Voucher.id == RadiusSession.voucher_id)
        .where(RadiusSession.stopped_at.is_(None))
        .where(RadiusSession.updated_at > fresh_after)
        .subquery()
    )
    ids = select(ranked.c.id).where(ranked.c.rank > ranked.c.max_devices)
    return list(session.scalars(select(RadiusSession).where(RadiusSession.id.in_(ids))))


def _not_cut_yet(session: Session, rows: list[RadiusSession]) -> list[RadiusSession]:
    """Those with no Disconnect queued before (one that was sent, or failed, is not
    sent again every run: a session the router no longer has waits for the stale
    job)."""
    if not rows:
        return []
    cut = set(
        session.scalars(
            select(RouterAction.radius_session_id).where(
                RouterAction.radius_session_id.in_([rs.id for rs in rows]),
                RouterAction.kind == ActionKind.DISCONNECT.value,
            )
        )
    )
    return [rs for rs in rows if rs.id not in cut]


def cut_sessions(
    session: Session, now: dt.datetime, acct_interim_interval: int = 60
) -> dict[str, int]:
    """Queue a Disconnect for every session that may no longer be online."""
    expired = list(session.scalars(_identification_over(now)))
    cards = session.execute(
        _open()
        .add_columns(Voucher)
        .join(Voucher, Voucher.id == RadiusSession.voucher_id)
    ).all()
    used_up = [rs for rs, v in cards if _used_up(v, now)]
    fresh_after = now - dt.timedelta(seconds=fresh_window(acct_interim_interval))
    extra = [rs for rs in _over_device_limit(session, fresh_after) if rs not in used_up]
    silent = [rs for rs in _silent(session, now) if rs not in used_up]
    expired, used_up, extra, silent = (
        _not_cut_yet(session, x) for x in (expired, used_up, extra, silent)
    )
    return {
        "identification_expired": queue_for_sessions(
            session, expired, "identification_expired", now
        ),
        "balance_used": queue_for_sessions(session, used_up, "balance_used", now),
        "device_limit": queue_for_sessions(session, extra, "device_limit", now),
        "keepalive_lost": queue_for_sessions(session, silent, "keepalive_lost", now),
    }


def close_stale_sessions(
    session: Session, now: dt.datetime, acct_interim_interval: int = 60
) -> int:
    """Close open sessions with no accounting for 3 interim intervals (the router
    rebooted or lost them): cause Lost-Carrier, at their last update. Rows RADIUS
    is writing are skipped (they are not stale)."""
    cutoff = now - dt.timedelta(seconds=fresh_window(acct_interim_interval))
    stale = (
        select(RadiusSession.id)
        .where(RadiusSession.stopped_at.is_(None), RadiusSession.updated_at < cutoff)
        .limit(5000)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = session.execute(
        update(RadiusSession)
        .where(RadiusSession.id.in_(stale))
        .values(stopped_at=RadiusSession.updated_at, terminate_cause="Lost-Carrier")
        .execution_options(synchronize_session=False)
    )
    return affected(result)


# -- keep-alive (tariffs with ``keepalive``) ---------------------------------------
#: Seconds a keep-alive session may stay silent when its tariff names no grace. A
#: hidden page's timers run at most once a minute in Chromium (intensive throttling
#: after 5 minutes hidden; measured in tests/browser/test_keepalive.py), so three
#: missed wake-ups fit in it. A frozen page sends nothing until it runs again.
DEFAULT_KEEPALIVE_GRACE = 180
#: How often the status page pings.
PING_SECONDS = 20


def keepalive_grace(session: Session, owner_id: int, username: str) -> int | None:
    """The grace of a card whose tariff wants keep-alive, else None."""
    row = session.execute(
        select(Tariff.keepalive, Tariff.keepalive_grace)
        .join(Voucher, Voucher.tariff_id == Tariff.id)
        .where(Voucher.owner_id == owner_id, Voucher.code == username)
    ).first()
    if row is None or not row.keepalive:
        return None
    return row.keepalive_grace or DEFAULT_KEEPALIVE_GRACE


def device_session(session: Session, router_id: int, mac: str) -> RadiusSession | None:
    """The open session of a device at a router (the newest)."""
    return session.scalar(
        _open()
        .where(RadiusSession.router_id == router_id, RadiusSession.mac == mac)
        .order_by(RadiusSession.started_at.desc())
        .limit(1)
    )


def record_ping(session: Session, rs: RadiusSession, now: dt.datetime) -> None:
    """The status page of this session is still open."""
    stmt = insert(SessionKeepalive).values(radius_session_id=rs.id, seen_at=now)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["radius_session_id"], set_={"seen_at": now}
        )
    )


def _silent(session: Session, now: dt.datetime) -> list[RadiusSession]:
    """Keep-alive sessions whose page has been silent past the grace (counted from
    the login when it never pinged)."""
    grace = func.coalesce(Tariff.keepalive_grace, DEFAULT_KEEPALIVE_GRACE)
    last = func.greatest(
        RadiusSession.started_at,
        func.coalesce(SessionKeepalive.seen_at, RadiusSession.started_at),
    )
    query = (
        _open()
        .join(Voucher, Voucher.id == RadiusSession.voucher_id)
        .join(Tariff, Tariff.id == Voucher.tariff_id)
        .outerjoin(
            SessionKeepalive, SessionKeepalive.radius_session_id == RadiusSession.id
        )
        .where(Tariff.keepalive.is_(True))
        .where(last + grace * dt.timedelta(seconds=1) < now)
    )
    return list(session.scalars(query))
