"""A venue's speeds: per-user overrides for a phone or a card (ahead of the card's
or the guest tariff's Mikrotik-Rate-Limit at the next login, hotspot_auth_state;
a CoA for the sessions online now, through the outbox), and the guest tariff's
speed as the venue's default for phone logins and Free access."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput, NotFound
from ..models import (
    Identification,
    Owner,
    RadiusSession,
    Router,
    SpeedOverride,
    Tariff,
    Voucher,
)
from ..phones import mask, normalise_phone
from ..routers.outbox import queue_for_sessions
from ..units import UnitError, parse_rate_limit
from .sessions import subject_sessions, voucher_sessions


@dataclass(frozen=True)
class OverrideRow:
    id: int
    #: A card's code, or the masked phone.
    label: str
    card: bool
    rate_limit: str


def _rate(text: str) -> str:
    try:
        return parse_rate_limit(text)
    except UnitError as exc:
        raise InvalidInput(exc.text) from exc


def _owner_voucher(session: Session, owner: Owner, code: str) -> Voucher | None:
    return session.scalar(
        select(Voucher).where(Voucher.owner_id == owner.id, Voucher.code == code)
    )


def _online(session: Session, owner: Owner, o: SpeedOverride) -> list[RadiusSession]:
    if o.voucher_id is not None:
        voucher = session.get(Voucher, o.voucher_id)
        return voucher_sessions(session, voucher) if voucher else []
    return subject_sessions(session, str(o.phone), owner.id)


def set_override(
    session: Session, owner: Owner, who: str, rate: str, now: dt.datetime
) -> tuple[SpeedOverride, int]:
    """A speed for one of the owner's cards (by code) or a phone: later logins get
    it, each session online now a CoA. Returns the override and how many sessions
    were queued."""
    rate = _rate(rate)
    who = (who or "").strip()
    voucher = _owner_voucher(session, owner, who.upper()) if who else None
    phone = None if voucher else normalise_phone(who, ("*",))
    if voucher is None and phone is None:
        raise InvalidInput(
            "neither a phone number nor a card of yours: %(who)r", who=who
        )
    where = (
        SpeedOverride.voucher_id == voucher.id
        if voucher
        else SpeedOverride.phone == phone
    )
    found = session.scalar(
        select(SpeedOverride).where(SpeedOverride.owner_id == owner.id, where)
    )
    if found is None:
        found = SpeedOverride(
            owner_id=owner.id, phone=phone, voucher_id=voucher.id if voucher else None
        )
        session.add(found)
    found.rate_limit = rate
    session.flush()
    online = _online(session, owner, found)
    return found, queue_for_sessions(
        session, online, "rate_change", now, rate_limit=rate
    )


def remove_override(
    session: Session, owner: Owner, override_id: int, now: dt.datetime
) -> tuple[SpeedOverride, int]:
    """Drop an override (another owner's is unknown): later logins get the card's
    or the guest tariff's speed again, and so do the sessions online (a CoA, when
    that speed is set; without one they keep theirs until they log in again)."""
    found = session.get(SpeedOverride, override_id)
    if found is None or found.owner_id != owner.id:
        raise NotFound("no speed override %(id)s", id=override_id)
    online = _online(session, owner, found)
    fallback = _usual_rate(session, owner, found)
    session.delete(found)
    session.flush()
    if not fallback:
        return found, 0
    return found, queue_for_sessions(
        session, online, "rate_change", now, rate_limit=fallback
    )


def _usual_rate(session: Session, owner: Owner, o: SpeedOverride) -> str | None:
    if o.voucher_id is not None:
        voucher = session.get(Voucher, o.voucher_id)
        return voucher.rate_limit if voucher else None
    return default_rate(session, owner)


def list_overrides(session: Session, owner: Owner) -> list[OverrideRow]:
    rows = session.execute(
        select(SpeedOverride, Voucher.code)
        .outerjoin(Voucher, Voucher.id == SpeedOverride.voucher_id)
        .where(SpeedOverride.owner_id == owner.id)
        .order_by(SpeedOverride.id)
    ).all()
    return [
        OverrideRow(o.id, code or mask(str(o.phone)), code is not None, o.rate_limit)
        for o, code in rows
    ]


def set_default_rate(
    session: Session, owner: Owner, rate: str, now: dt.datetime
) -> tuple[Tariff, int]:
    """A new speed for the guest tariff: its cards follow (change_speed), later
    phone logins get it, and so do the phones online now without an override of
    their own (a CoA each). Returns the tariff and how many sessions were queued."""
    from .sessions import change_speed

    tariff = (
        session.get(Tariff, owner.guest_tariff_id) if owner.guest_tariff_id else None
    )
    if tariff is None:
        raise NotFound("no guest tariff: choose one in the settings first")
    queued = change_speed(session, owner, rate, now, tariff_name=tariff.name)
    overridden = select(SpeedOverride.phone).where(
        SpeedOverride.owner_id == owner.id, SpeedOverride.phone.is_not(None)
    )
    phones = session.scalars(
        select(RadiusSession)
        .join(Router, Router.id == RadiusSession.router_id)
        .join(Identification, Identification.login == RadiusSession.username)
        .where(
            Router.owner_id == owner.id,
            RadiusSession.stopped_at.is_(None),
            RadiusSession.voucher_id.is_(None),
            Identification.subject.not_in(overridden),
        )
    ).all()
    queued += queue_for_sessions(
        session, list(phones), "rate_change", now, rate_limit=tariff.rate_limit
    )
    return tariff, queued


def default_rate(session: Session, owner: Owner) -> str | None:
    """The venue's default per-user speed: its guest tariff's (phone logins and
    Free access get it); None without a guest tariff or a speed on it."""
    if owner.guest_tariff_id is None:
        return None
    tariff = session.get(Tariff, owner.guest_tariff_id)
    return tariff.rate_limit if tariff else None
