"""The portal through Flask's test client, against the test PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from hotspot.db import transaction
from hotspot.models import Owner, Router
from hotspot.settings import Settings
from portal import create_app
from tests import factories


@dataclass
class Place:
    owner: Owner
    router: Router


@pytest.fixture(scope="session")
def place(session_factory: sessionmaker[Session]) -> Place:
    """A venue with a router the portal knows (committed: the portal has its own
    connections)."""
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        owner.display_name = "Café Aroma"
        router = factories.router(s, owner)
    return Place(owner, router)


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, settings=settings)
    yield app
    if "hotspot_ad_views" in app.extensions:
        app.extensions["hotspot_ad_views"].close()
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()


@pytest.fixture
def client(app: Flask, place: Place) -> FlaskClient:
    """A browser behind the venue's router: its requests come from the router's
    address, the only one the portal trusts the router's login page from."""
    return behind(app.test_client(), place.router)


def behind(client: FlaskClient, router: Router) -> FlaskClient:
    """The client's requests come from the router's address from now on."""
    client.environ_base["REMOTE_ADDR"] = str(router.ip_address)
    return client


def random_mac() -> str:
    return "02:" + ":".join(f"{b:02X}" for b in os.urandom(5))


def router_post(router: Router, **extra: str) -> dict[str, str]:
    """What the router's login.html posts to /login."""
    fields = {
        "mac": random_mac(),
        "ip": "10.5.50.2",
        "link-login-only": "http://10.5.50.1/login",
        "link-orig": "http://example.com/",
        "chap-id": "",
        "chap-challenge": "",
        "identity": router.nas_identifier,
        "error": "",
    }
    fields.update(extra)
    return fields
