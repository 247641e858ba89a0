"""Fixtures for the simulator's own tests: a fake RADIUS server, simulators started
against it on free ports, and a cookie-keeping HTTP client playing the guest."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from simulator import Router, RunningSimulator, start_simulator

from .fakes import FakeRadius, SimFactory, User, sim_config


@pytest.fixture
def radius() -> Iterator[FakeRadius]:
    server = FakeRadius().start()
    server.users["alice"] = User(
        "alice-pw",
        {
            "Session-Timeout": 3600,
            "Acct-Interim-Interval": 300,
            "Class": b"ticket-42",
            "Mikrotik-Rate-Limit": "2M/8M",
        },
    )
    server.users["bob"] = User("bob-pw")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_sim(radius: FakeRadius) -> Iterator[SimFactory]:
    """Start simulators against the fake server: ``make_sim(clock=..., **config)``."""
    started: list[RunningSimulator] = []

    def factory(
        clock: Callable[[], float] = time.monotonic, **overrides: Any
    ) -> RunningSimulator:
        router = Router(sim_config(radius, **overrides), clock=clock)
        sim = start_simulator(router)
        started.append(sim)
        return sim

    try:
        yield factory
    finally:
        for sim in started:
            sim.stop()


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    """An HTTP client that keeps cookies, like a guest's browser."""
    with requests.Session() as session:
        session.trust_env = False  # no proxies: only 127.0.0.1
        yield session
