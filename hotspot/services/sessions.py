"""RADIUS sessions as the routers reported them: the live ones, by owner, router,
card or guest, and what cuts them (a Disconnect queued in the caller's transaction,
sent later by the scheduler: hotspot.routers.outbox)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..errors import InvalidInput, NotFound
from ..models import Owner, RadiusSession, Router, Tariff, Voucher
from ..routers.outbox import queue_for_sessions
from ..units import UnitError, parse_rate_limit


def _open() -> Select[tuple[RadiusSession]]:
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
    session: Session, username: str, owner_id: int | None
) -> list[RadiusSession]:
    """A guest's open sessions, at one owner's routers (None: everywhere)."""
    query = _open().where(RadiusSession.username == username)
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
        raise NotFound(f"no open session {session_id}")
    return rs


def disconnect_session(
    session: Session, owner: Owner, session_id: int, now: dt.datetime
) -> RadiusSession:
    """An owner cuts one session."""
    rs = get_live_session(session, owner, session_id)
    queue_for_sessions(session, [rs], "owner", now)
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
        raise InvalidInput(str(exc)) from exc
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


def session_dict(rs: RadiusSession, nas_id: str = "") -> dict[str, Any]:
    return {
        "id": rs.id,
        "router": nas_id or rs.router_id,
        "username": rs.username,
        "acct_session_id": rs.acct_session_id,
        "mac": rs.mac,
        "ip": str(rs.framed_ip) if rs.framed_ip else None,
        "started_at": rs.started_at.isoformat(),
        "updated_at": rs.updated_at.isoformat(),
        "session_time": rs.session_time,
        "input_octets": rs.input_octets,
        "output_octets": rs.output_octets,
    }
