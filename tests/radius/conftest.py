"""A real FreeRADIUS loading raddb/ and freeradius_module, on free ports, for the
session; routers at 127.0.0.1 (owner A, Message-Authenticator required) and
127.0.0.3 (owner B). 127.0.0.2 is never registered: it plays an unknown router."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from sqlalchemy.orm import Session, sessionmaker

from devstack.freeradius import FreeRadius
from hotspot.db import transaction
from hotspot.models import Voucher
from hotspot.services.vouchers import IssuedVoucher
from hotspot.settings import Settings
from simulator.radius import RadiusClient
from tests import factories

T = TypeVar("T")

from tests.conftest import SECRET_A, SECRET_B, Venue  # noqa: E402,F401


def client_for(
    settings: Settings,
    venue: Venue | None = None,
    *,
    ip: str | None = None,
    secret: str | None = None,
    **kwargs: object,
) -> RadiusClient:
    return RadiusClient(
        settings.radius_host,
        secret or (venue.secret if venue else "testing123"),
        settings.radius_auth_port,
        settings.radius_acct_port,
        bind_address=ip or (venue.ip if venue else None),
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def nas_a(
    radius: FreeRadius, settings: Settings, venues: dict[str, Venue]
) -> Iterator[RadiusClient]:
    with client_for(settings, venues["a"]) as c:
        yield c


@pytest.fixture
def nas_b(
    radius: FreeRadius, settings: Settings, venues: dict[str, Venue]
) -> Iterator[RadiusClient]:
    with client_for(settings, venues["b"]) as c:
        yield c


# -- helpers for the RADIUS tests ------------------------------------------------------

#: Fresh loopback addresses for routers added while FreeRADIUS runs (127.0.0.1-3 are
#: taken by the venues above and the unknown router).
_loopback = itertools.count(20)


def new_loopback_ip() -> str:
    return f"127.0.0.{next(_loopback)}"


def wait_until(
    probe: Callable[[], T | None], timeout: float = 5.0, interval: float = 0.1
) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {probe.__doc__ or probe}")
        time.sleep(interval)


class LogWatch:
    """FreeRADIUS's output from now on."""

    def __init__(self, server: FreeRadius) -> None:
        self.server = server
        self.start = len(server.output().splitlines())

    def text(self) -> str:
        return "\n".join(self.server.output().splitlines()[self.start :])

    def wait_for(self, needle: str, timeout: float = 5.0) -> str:
        """The first new log line containing ``needle``."""

        def probe() -> str | None:
            return next((ln for ln in self.text().splitlines() if needle in ln), None)

        probe.__doc__ = f"FreeRADIUS logs {needle!r}"
        return wait_until(probe, timeout, 0.05)


@pytest.fixture
def radius_log(radius: FreeRadius) -> LogWatch:
    return LogWatch(radius)


@pytest.fixture
def make_voucher(
    session_factory: sessionmaker[Session], settings: Settings, venues: dict[str, Venue]
) -> Callable[..., IssuedVoucher]:
    """A committed voucher of venue ``owner`` ("a" or "b") with the given limits,
    e.g. ``make_voucher("a", time="1h", data="100MB")``; then ``columns`` are set."""

    def make(
        owner: str = "a", columns: dict[str, object] | None = None, **limits: str
    ) -> IssuedVoucher:
        with transaction(session_factory) as s:
            issued = factories.voucher(
                s, s.merge(venues[owner].owner), settings.pin_key, **limits
            )
            for name, value in (columns or {}).items():
                setattr(issued.voucher, name, value)
        return issued

    return make


def voucher_row(session_factory: sessionmaker[Session], voucher_id: int) -> Voucher:
    with session_factory() as s:
        v = s.get(Voucher, voucher_id)
        assert v is not None
        return v
