"""Builders for test data, over the same core services the CLI uses."""

from __future__ import annotations

import itertools
import uuid

from sqlalchemy.orm import Session

from hotspot.crypto import PinCipher
from hotspot.models import Owner, Router, Tariff
from hotspot.services.tariffs import add_tariff
from hotspot.services.tenancy import add_owner, add_router
from hotspot.services.vouchers import IssuedVoucher, generate_vouchers

_ips = itertools.count(10)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def owner(session: Session) -> Owner:
    return add_owner(session, unique("owner"))


def router(
    session: Session,
    owner_: Owner,
    ip: str | None = None,
    secret: str = "test-router-secret-16",  # noqa: S107 - a test secret
    **kwargs: object,
) -> Router:
    """A router; without ``ip`` it gets an address no RADIUS test uses."""
    ip = ip or f"10.255.{next(_ips) // 250}.{next(_ips) % 250 + 1}"
    return add_router(session, owner_, unique("nas"), ip, secret, **kwargs)  # type: ignore[arg-type]


def tariff(session: Session, owner_: Owner, **limits: str) -> Tariff:
    return add_tariff(session, owner_, unique("tariff"), **limits)  # type: ignore[arg-type]


def voucher(
    session: Session,
    owner_: Owner,
    pin_key: str,
    tariff_: Tariff | None = None,
    **limits: str,
) -> IssuedVoucher:
    tariff_ = tariff_ or tariff(session, owner_, **limits)
    return generate_vouchers(session, owner_, tariff_, 1, PinCipher(pin_key))[0]
