"""Router control against real components: FreeRADIUS and PostgreSQL, a router
simulator logging guests in through RADIUS and listening for Disconnect/CoA, and the
scheduler's send job connecting as the scheduler's role."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from devstack.postgres import free_port
from hotspot.clock import FrozenClock, utcnow
from hotspot.db import make_engine, make_sessionmaker, transaction
from hotspot.models import Owner, RadiusSession, Router, RouterAction
from hotspot.services.vouchers import IssuedVoucher
from scheduler.jobs import JOBS, run_job
from simulator import Router as SimRouter
from simulator import RouterConfig, RunningSimulator, start_simulator
from simulator.router import Session as SimSession
from tests import factories
from tests.cli.conftest import cli  # noqa: F401 (a fixture)
from tests.portal.conftest import app  # noqa: F401 (a fixture)
from tests.radius.conftest import wait_until

API_PASSWORD = "api-secret-of-the-test"  # noqa: S105 (a test password)

#: Loopback addresses of their own (tests/radius uses 127.0.0.x).
_addresses = itertools.count(1)


def new_address() -> str:
    return f"127.0.7.{next(_addresses)}"


@dataclass
class SimVenue:
    """An owner with one router played by a running simulator."""

    owner: Owner
    router: Router
    sim: RunningSimulator
    secret: str

    @property
    def nas(self) -> SimRouter:
        return self.sim.router

    def login(self, issued: IssuedVoucher, mac: str | None = None) -> SimSession:
        """A guest logs in with a card (PAP), and its Start reaches the database."""
        device = self.nas.device(mac)
        result = self.nas.login(device, issued.code, issued.pin)
        assert result.ok, result.error
        assert result.session is not None
        return result.session


@pytest.fixture
def scheduler_factory(component_urls) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(component_urls["scheduler"])
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def sim_venue(radius, settings, session_factory) -> Iterator[Callable[..., SimVenue]]:
    """``sim_venue(coa=True, **router_config)``: a new owner and router, and the
    simulator playing it (incoming RADIUS on when ``coa``)."""
    started: list[RunningSimulator] = []

    def make(
        coa: bool = True,
        coa_port: int | None = None,
        api: bool = False,
        coa_enabled: bool = True,
        **config,
    ) -> SimVenue:
        """``coa``: the simulator listens for Disconnect/CoA; ``coa_enabled``: we
        believe it does; ``api``: both have the RouterOS API."""
        ip = new_address()
        secret = factories.unique("coa-secret-16chars")
        port = coa_port or free_port(kind=2)
        api_port = free_port(ip) if api else None
        with transaction(session_factory) as s:
            owner = factories.owner(s)
            router = factories.router(
                s, owner, ip=ip, secret=secret, require_message_authenticator=True
            )
            router.coa_port = port
            router.coa_enabled = coa_enabled
            if api:
                router.api_port = api_port
                router.api_username = "hotspot-api"
                router.api_password = API_PASSWORD
        if api:
            config.update(
                api_port=api_port,
                api_username="hotspot-api",
                api_password=API_PASSWORD,
            )
        sim = start_simulator(
            RouterConfig(
                radius_host=settings.radius_host,
                auth_port=settings.radius_auth_port,
                acct_port=settings.radius_acct_port,
                secret=secret,
                bind_address=ip,
                nas_identifier=router.nas_identifier,
                require_message_authenticator=True,
                login_by=("http-chap", "http-pap"),
                coa_port=port if coa else None,
                coa_require_message_authenticator=True,
                tick=0.2,
                **config,
            )
        )
        started.append(sim)
        return SimVenue(owner, router, sim, secret)

    yield make
    for sim in started:
        sim.stop()


def db_session_row(
    factory: sessionmaker[Session], router: Router, acct_session_id: str
) -> RadiusSession | None:
    with factory() as s:
        return s.scalar(
            select(RadiusSession).where(
                RadiusSession.router_id == router.id,
                RadiusSession.acct_session_id == acct_session_id,
            )
        )


def wait_stored(factory, router, acct_session_id) -> RadiusSession:
    """The session's Start has been stored (accounting goes through a spool)."""
    return wait_until(
        lambda: db_session_row(factory, router, acct_session_id), timeout=10
    )


def wait_stopped(factory, router, acct_session_id) -> RadiusSession:
    def probe():
        row = db_session_row(factory, router, acct_session_id)
        return row if row is not None and row.stopped_at is not None else None

    return wait_until(probe, timeout=10)


def actions_of(factory, router: Router) -> list[RouterAction]:
    with factory() as s:
        return list(
            s.scalars(
                select(RouterAction)
                .where(RouterAction.router_id == router.id)
                .order_by(RouterAction.id)
            )
        )


def run_named_job(name: str, factory, now: dt.datetime | None = None, settings=None):
    job = next(j for j in JOBS if j.name == name)
    return run_job(job, factory, FrozenClock(now or utcnow()), settings)


@pytest.fixture
def api_client(app):  # noqa: F811 (the portal's app fixture)
    """The portal's API (its own role), as an integration calls it."""
    return app.test_client()


def cut_reasons(scheduler_factory, session_factory, venue, now=None, settings=None):
    """Run the cut-sessions job (over the whole database); the reasons of the
    actions queued at this venue's router so far."""
    run_named_job("cut-sessions", scheduler_factory, now, settings)
    return [a.reason for a in actions_of(session_factory, venue.router)]
