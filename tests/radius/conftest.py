"""A real FreeRADIUS loading raddb/ and freeradius_module, on free ports, for the
session; routers at 127.0.0.1 (owner A, Message-Authenticator required) and
127.0.0.3 (owner B). 127.0.0.2 is never registered: it plays an unknown router."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotspot.db import transaction
from hotspot.devstack.freeradius import FreeRadius
from hotspot.models import Owner, Router
from hotspot.settings import Settings
from simulator.radius import RadiusClient
from tests import factories

SECRET_A = "secret-router-a"
SECRET_B = "secret-router-b"


@dataclass
class Venue:
    owner: Owner
    router: Router
    secret: str
    ip: str


@pytest.fixture(scope="session")
def venues(session_factory: sessionmaker[Session]) -> dict[str, Venue]:
    with transaction(session_factory) as s:
        a = factories.owner(s)
        ra = factories.router(
            s, a, ip="127.0.0.1", secret=SECRET_A, require_message_authenticator=True
        )
        b = factories.owner(s)
        rb = factories.router(s, b, ip="127.0.0.3", secret=SECRET_B)
    return {
        "a": Venue(a, ra, SECRET_A, "127.0.0.1"),
        "b": Venue(b, rb, SECRET_B, "127.0.0.3"),
    }


@pytest.fixture(scope="session")
def radius(
    settings: Settings, work_dir: Path, venues: dict[str, Venue]
) -> Iterator[FreeRadius]:
    server = FreeRadius(
        settings, work_dir / "radius", reject_delay=0, client_lifetime=2, spool_retry=1
    )
    server.start()
    yield server
    server.stop()


def client_for(
    settings: Settings, venue: Venue | None = None, *, ip: str | None = None,
    secret: str | None = None, **kwargs: object,
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
def nas_a(radius: FreeRadius, settings: Settings, venues: dict[str, Venue]) -> Iterator[RadiusClient]:
    with client_for(settings, venues["a"]) as c:
        yield c


@pytest.fixture
def nas_b(radius: FreeRadius, settings: Settings, venues: dict[str, Venue]) -> Iterator[RadiusClient]:
    with client_for(settings, venues["b"]) as c:
        yield c
