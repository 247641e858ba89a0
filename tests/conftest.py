"""Shared fixtures: a private PostgreSQL on a free port, migrated once by Alembic, and
a transaction rolled back after each test (pypi/warehouse style)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from devstack.freeradius import FreeRadius
from devstack.postgres import PostgresCluster, free_port
from hotspot.crypto import new_fernet_key
from hotspot.db import make_engine, transaction
from hotspot.models import Owner, Router
from hotspot.services.tenancy import set_router_trust
from hotspot.settings import Settings
from tests import factories


@pytest.fixture(scope="session")
def work_dir() -> Iterator[Path]:
    """A scratch directory the postgres system user can reach (when we are root)."""
    path = Path(tempfile.mkdtemp(prefix="hotspot-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster(work_dir: Path) -> Iterator[PostgresCluster]:
    cluster = PostgresCluster(work_dir / "pgdata", free_port())
    cluster.init()
    cluster.start()
    yield cluster
    cluster.stop(mode="immediate")


@pytest.fixture(scope="session")
def database_url(pg_cluster: PostgresCluster) -> str:
    from alembic import command

    from hotspot.db import alembic_config

    # As in the local stack: the owner of the schema runs the migrations, which
    # grant the components' roles (made first) what they need.
    url = pg_cluster.ensure_owned_database("hotspot_test")
    pg_cluster.component_urls("hotspot_test")
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture(scope="session")
def component_urls(pg_cluster: PostgresCluster, database_url: str) -> dict[str, str]:
    """FreeRADIUS's, the portal's and the scheduler's own roles (migration 0011):
    the tests run each component as its role."""
    return pg_cluster.component_urls("hotspot_test")


@dataclass
class StoppableDatabase:
    cluster: PostgresCluster
    url: str
    #: The components' own roles, by component (as ``component_urls``).
    component_urls: dict[str, str]


@pytest.fixture(scope="session")
def stoppable_db(work_dir: Path) -> Iterator[StoppableDatabase]:
    """A migrated database in a PostgreSQL of its own, for tests that stop it (an
    outage) without disturbing the shared one. Tests start it again when done."""
    from alembic import command

    from hotspot.db import alembic_config

    cluster = PostgresCluster(work_dir / "pgdata-outage", free_port())
    cluster.init()
    cluster.start()
    url = cluster.ensure_owned_database("hotspot_outage")
    urls = cluster.component_urls("hotspot_outage")
    command.upgrade(alembic_config(url), "head")
    yield StoppableDatabase(cluster, url, urls)
    cluster.stop(mode="immediate")


@pytest.fixture(scope="session")
def settings(database_url: str, component_urls: dict[str, str]) -> Settings:
    return Settings(
        database_url=database_url,
        radius_database_url=component_urls["radius"],
        portal_database_url=component_urls["portal"],
        scheduler_database_url=component_urls["scheduler"],
        secret_key="test-secret-" + os.urandom(8).hex(),
        pin_key=new_fernet_key(),
        radius_auth_port=free_port(kind=2),
        radius_acct_port=free_port(kind=2),
        acct_interim_interval=60,
    )


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture(scope="session")
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """For tests whose data other processes (FreeRADIUS, the portal) must see:
    they commit, and use unique names."""
    return sessionmaker(engine, expire_on_commit=False)


# -- the RADIUS stack shared by tests/radius and tests/browser ------------------
# Router A requires Message-Authenticator (the default); B is an older router that
# does not.
SECRET_A = "secret-of-router-a"
SECRET_B = "secret-of-router-b"


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
        # The router simulator serves guests on 127.0.0.1 (its link-login-only).
        set_router_trust(s, ra, hotspot_hosts=["127.0.0.1"])
        b = factories.owner(s)
        rb = factories.router(
            s, b, ip="127.0.0.3", secret=SECRET_B, require_message_authenticator=False
        )
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
