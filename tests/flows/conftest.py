"""The flow log's own database and a real nfacctd writing into it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy.orm import Session, sessionmaker

from devstack.nfacctd import Nfacctd
from devstack.postgres import PostgresCluster, free_port
from hotspot.cli import alembic_config
from hotspot.db import make_engine, make_sessionmaker, transaction
from hotspot.services import flows
from hotspot.settings import Settings
from tests import factories


@pytest.fixture(scope="session")
def flow_settings(pg_cluster: PostgresCluster, settings: Settings) -> Settings:
    """A database of its own: the flows' router is 127.0.0.1 (softflowd's source),
    and the retention test drops partitions."""
    roles = pg_cluster.component_urls("flows")  # before the grants of the migrations
    url = pg_cluster.ensure_owned_database("flows")
    command.upgrade(alembic_config(url), "head")
    return settings.with_(
        database_url=url,
        scheduler_database_url=roles["scheduler"],
        flows_database_url=roles["flows"],
        flow_host="127.0.0.1",
        flow_port=free_port(kind=socket.SOCK_DGRAM),
        flow_refresh=1,
    )


@pytest.fixture(scope="session")
def flow_factory(flow_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(flow_settings.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def nfacctd(flow_settings: Settings, work_dir: Path) -> Iterator[Nfacctd]:
    # Its port is picked just before it binds: nfacctd binds with SO_REUSEPORT, so
    # a port picked earlier may meanwhile be shared with another collector on the
    # machine, which then gets part of the packets.
    port = free_port(kind=socket.SOCK_DGRAM)
    collector = Nfacctd(flow_settings.with_(flow_port=port), work_dir / "nfacctd")
    collector.start()
    yield collector
    collector.stop()


@pytest.fixture(scope="session")
def venue(flow_factory):
    """The flows' router: 127.0.0.1, the address softflowd and the tests send from."""
    import datetime as dt

    with transaction(flow_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner, ip="127.0.0.1")
        flows.ensure_partitions(s, dt.datetime.now(dt.UTC), 2)
        return owner, router
