"""Tariffs: the limits sold to guests."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AlreadyExists, InvalidInput, NotFound
from ..models import GuestMode, Owner, Tariff
from ..policy import MAX_DEVICES
from ..units import UnitError, parse_duration, parse_rate_limit, parse_size

_MAX_SECONDS = 2**31 - 1
_MAX_BYTES = 2**63 - 1


def add_tariff(
    session: Session,
    owner: Owner,
    name: str,
    *,
    time: str | None = None,
    data: str | None = None,
    rate: str | None = None,
    validity: str | None = None,
    idle: str | None = None,
    price: Decimal | int | str = 0,
    currency: str = "UZS",
    kind: str = "prepaid",
    validity_from: str = "first_use",
    price_per_mb: Decimal | int | str | None = None,
    price_per_minute: Decimal | int | str | None = None,
    max_devices: int = 1,
    guest: bool = False,
    guest_mode: str | None = None,
    reset_period: str | None = None,
) -> Tariff:
    """Create a tariff from operator-typed limits (``90m``, ``500MB``, ``2M/4M``).

    ``kind``: free, prepaid (a fixed package at ``price``) or metered (``price_per_mb``
    and/or ``price_per_minute`` charged against a card's face value). ``guest``:
    the portal's "Free" button gives it (see :func:`guest_fields`)."""
    if not name or len(name) > 64:
        raise InvalidInput("tariff name: 1 to 64 characters")
    if kind not in ("free", "prepaid", "metered"):
        raise InvalidInput("kind: free, prepaid or metered")
    if validity_from not in ("first_use", "creation"):
        raise InvalidInput("validity counts from first_use or creation")
    if not 1 <= max_devices <= MAX_DEVICES:
        raise InvalidInput("devices at once: 1 to %(max)s", max=MAX_DEVICES)
    if kind == "metered" and price_per_mb is None and price_per_minute is None:
        raise InvalidInput("a metered tariff needs a price per MB and/or per minute")
    if kind != "metered" and (price_per_mb is not None or price_per_minute is not None):
        raise InvalidInput("prices per MB or minute are for metered tariffs")
    try:
        tariff = Tariff(
            owner_id=owner.id,
            name=name,
            time_limit=parse_duration(time) if time else None,
            data_limit=parse_size(data) if data else None,
            rate_limit=parse_rate_limit(rate) if rate else None,
            validity_seconds=parse_duration(validity) if validity else None,
            idle_timeout=parse_duration(idle) if idle else None,
            price=Decimal(0) if kind == "free" else Decimal(str(price)),
            currency=currency.upper(),
            kind=kind,
            validity_from=validity_from,
            price_per_mb=_money(price_per_mb),
            price_per_minute=_money(price_per_minute),
            max_devices=max_devices,
            archived=False,
        )
    except UnitError as exc:
        raise InvalidInput(exc.text) from exc
    except ArithmeticError as exc:
        raise InvalidInput(str(exc)) from exc
    for amount in (tariff.price, tariff.price_per_mb, tariff.price_per_minute):
        if amount is not None and amount < 0:
            raise InvalidInput("prices cannot be negative")
    for limit in (tariff.time_limit, tariff.data_limit, tariff.validity_seconds):
        if limit is not None and limit <= 0:
            raise InvalidInput("limits must be positive")
    # The columns' ranges: seconds are 32-bit (68 years), bytes 64-bit.
    for limit, top in (
        (tariff.time_limit, _MAX_SECONDS),
        (tariff.validity_seconds, _MAX_SECONDS),
        (tariff.idle_timeout, _MAX_SECONDS),
        (tariff.data_limit, _MAX_BYTES),
    ):
        if limit is not None and limit > top:
            raise InvalidInput("a limit is too large")
    _apply_guest(tariff, guest, guest_mode, reset_period)
    if session.scalar(
        select(Tariff.id).where(Tariff.owner_id == owner.id, Tariff.name == name)
    ):
        raise AlreadyExists(
            "tariff %(name)r exists for %(owner)s", name=name, owner=owner.name
        )
    session.add(tariff)
    session.flush()
    return tariff


def guest_fields(
    guest: bool, guest_mode: str | None, reset_period: str | None
) -> tuple[bool, str | None, int | None]:
    """(guest, mode, reset period in seconds) checked: a guest tariff is regular
    (default) or no_pause; regular needs a reset period (an hour, a day, a year)."""
    if not guest:
        if guest_mode or reset_period:
            raise InvalidInput("guest mode and reset period are for guest tariffs")
        return False, None, None
    mode = (guest_mode or GuestMode.REGULAR.value).replace("-", "_")
    if mode not in (GuestMode.REGULAR, GuestMode.NO_PAUSE):
        raise InvalidInput("guest mode: regular or no-pause")
    period = None
    if reset_period:
        try:
            period = parse_duration(reset_period)
        except UnitError as exc:
            raise InvalidInput("reset period: %(reason)s", reason=exc.text) from exc
        if not 60 <= period <= _MAX_SECONDS:
            raise InvalidInput("reset period: from 1 minute to 68 years")
    if mode == GuestMode.REGULAR and period is None:
        raise InvalidInput("a regular guest tariff needs a reset period, e.g. 1d")
    return True, mode, period


def _apply_guest(
    tariff: Tariff, guest: bool, guest_mode: str | None, reset_period: str | None
) -> None:
    tariff.guest, tariff.guest_mode, tariff.reset_period = guest_fields(
        guest, guest_mode, reset_period
    )
    if not tariff.guest:
        return
    if tariff.kind == "metered":
        raise InvalidInput("a guest tariff cannot be metered")
    if tariff.guest_mode == GuestMode.NO_PAUSE and not tariff.time_limit:
        raise InvalidInput(
            "a no-pause guest tariff needs a time: the length of each session"
        )
    if tariff.guest_mode == GuestMode.REGULAR and not (
        tariff.time_limit or tariff.data_limit
    ):
        raise InvalidInput("a regular guest tariff needs a time or a data limit")


def set_tariff_guest(
    session: Session,
    owner: Owner,
    name: str,
    guest: bool,
    guest_mode: str | None = None,
    reset_period: str | None = None,
) -> Tariff:
    """Mark a tariff as guest (with its mode and reset period) or not. Guest
    vouchers already made keep their snapshot of the limits."""
    tariff = get_tariff(session, owner, name)
    _apply_guest(tariff, guest, guest_mode, reset_period)
    session.flush()
    return tariff


def tariff_dict(t: Tariff) -> dict[str, object]:
    """A tariff as JSON-ready data (CLI --json and the API)."""
    return {
        "id": t.id,
        "name": t.name,
        "kind": t.kind,
        "time_limit": t.time_limit,
        "data_limit": t.data_limit,
        "rate_limit": t.rate_limit,
        "validity_seconds": t.validity_seconds,
        "validity_from": t.validity_from,
        "idle_timeout": t.idle_timeout,
        "price": str(t.price),
        "price_per_mb": None if t.price_per_mb is None else str(t.price_per_mb),
        "price_per_minute": None
        if t.price_per_minute is None
        else str(t.price_per_minute),
        "currency": t.currency,
        "max_devices": t.max_devices,
        "archived": t.archived,
        "guest": t.guest,
        "guest_mode": t.guest_mode,
        "reset_period": t.reset_period,
    }


def _money(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def list_tariffs(
    session: Session, owner: Owner, archived: bool = False
) -> list[Tariff]:
    query = select(Tariff).where(Tariff.owner_id == owner.id).order_by(Tariff.name)
    if not archived:
        query = query.where(Tariff.archived.is_(False))
    return list(session.scalars(query))


def archive_tariff(session: Session, owner: Owner, name: str) -> Tariff:
    """Stop selling a tariff; vouchers already made keep their snapshot of it."""
    tariff = get_tariff(session, owner, name)
    tariff.archived = True
    session.flush()
    return tariff


def delete_tariff(session: Session, owner: Owner, name: str) -> None:
    """Delete a tariff no voucher uses; one in use can only be archived."""
    from ..models import Voucher

    tariff = get_tariff(session, owner, name)
    if session.scalar(
        select(Voucher.id).where(Voucher.tariff_id == tariff.id).limit(1)
    ):
        raise InvalidInput(
            "tariff %(name)r has vouchers: archive it instead",
            key="tariff_in_use",
            name=name,
        )
    session.delete(tariff)
    session.flush()


def get_tariff(session: Session, owner: Owner, name: str) -> Tariff:
    tariff = session.scalar(
        select(Tariff).where(Tariff.owner_id == owner.id, Tariff.name == name)
    )
    if tariff is None:
        raise NotFound("no tariff %(name)r for %(owner)s", name=name, owner=owner.name)
    return tariff
