"""Tariffs: the limits sold to guests."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AlreadyExists, InvalidInput, NotFound
from ..models import Owner, Tariff
from ..units import UnitError, parse_duration, parse_rate_limit, parse_size


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
) -> Tariff:
    """Create a tariff from operator-typed limits (``90m``, ``500MB``, ``2M/4M``)."""
    if not name or len(name) > 64:
        raise InvalidInput("tariff name: 1 to 64 characters")
    try:
        tariff = Tariff(
            owner_id=owner.id,
            name=name,
            time_limit=parse_duration(time) if time else None,
            data_limit=parse_size(data) if data else None,
            rate_limit=parse_rate_limit(rate) if rate else None,
            validity_seconds=parse_duration(validity) if validity else None,
            idle_timeout=parse_duration(idle) if idle else None,
            price=Decimal(str(price)),
            currency=currency.upper(),
        )
    except (UnitError, ArithmeticError) as exc:
        raise InvalidInput(str(exc)) from exc
    for limit in (tariff.time_limit, tariff.data_limit, tariff.validity_seconds):
        if limit is not None and limit <= 0:
            raise InvalidInput("limits must be positive")
    if session.scalar(
        select(Tariff.id).where(Tariff.owner_id == owner.id, Tariff.name == name)
    ):
        raise AlreadyExists(f"tariff {name!r} exists for {owner.name}")
    session.add(tariff)
    session.flush()
    return tariff


def get_tariff(session: Session, owner: Owner, name: str) -> Tariff:
    tariff = session.scalar(
        select(Tariff).where(Tariff.owner_id == owner.id, Tariff.name == name)
    )
    if tariff is None:
        raise NotFound(f"no tariff {name!r} for {owner.name}")
    return tariff
