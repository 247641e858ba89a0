"""The guest pages of one venue are rendered once and shared a few seconds
(portal.guest.cached), each answer with its own CSP nonce and CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from hotspot.db import transaction
from hotspot.models import Owner
from hotspot.settings import Settings
from hotspot.venues import update_settings
from portal import create_app
from tests import factories

from .conftest import Place, behind, router_post


@pytest.fixture(scope="module")
def csrf_app(settings: Settings) -> Iterator[Flask]:
    """The portal with CSRF protection on, as in production."""
    app = create_app({"TESTING": True}, settings=settings)
    yield app
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()


@pytest.fixture
def venue(session_factory: sessionmaker[Session]) -> Place:
    """A venue of its own: no page of it is kept yet."""
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        owner.display_name = "Choyxona Navruz"
        router = factories.router(s, owner)
    return Place(owner, router)


def _guest(app: Flask, venue: Place) -> FlaskClient:
    return behind(app.test_client(), venue.router)


def _renders(app: Flask) -> list[str]:
    names: list[str] = []

    def record(_: Flask, template, context, **__) -> None:  # noqa: ANN001
        names.append(template.name)

    template_rendered.connect(record, app, weak=False)
    return names


def _nonce(response) -> str:  # noqa: ANN001
    return re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def test_two_guests_share_one_render_each_with_their_nonce_and_token(
    csrf_app: Flask, venue: Place
) -> None:
    renders = _renders(csrf_app)
    a, b = _guest(csrf_app, venue), _guest(csrf_app, venue)
    page_a = a.post("/login", data=router_post(venue.router))
    page_b = b.post("/login", data=router_post(venue.router))
    assert page_a.status_code == page_b.status_code == 200
    assert renders.count("guest/login.html") == 1
    assert "Choyxona Navruz" in page_b.text
    for page in (page_a, page_b):
        assert f'<style nonce="{_nonce(page)}">' in page.text
        assert "nonce" + "csrf" not in page.text
    assert _nonce(page_a) != _nonce(page_b)
    token_a, token_b = _token(page_a.text), _token(page_b.text)
    assert token_a != token_b
    # Each guest's token is good for that guest's session only.
    card = {"code": "1", "pin": "1"}
    wrong = b.post("/login/voucher", data={"csrf_token": token_a, **card})
    assert wrong.status_code == 400
    right = b.post("/login/voucher", data={"csrf_token": token_b, **card})
    assert right.status_code == 422  # past CSRF: an unknown card


def test_a_page_with_an_error_is_its_own(csrf_app: Flask, venue: Place) -> None:
    first = _guest(csrf_app, venue).post(
        "/login", data=router_post(venue.router, error="invalid password")
    )
    assert 'id="error"' in first.text
    second = _guest(csrf_app, venue).post("/login", data=router_post(venue.router))
    assert second.status_code == 200 and 'id="error"' not in second.text


def test_a_new_look_shows_on_the_next_page(
    csrf_app: Flask, venue: Place, session_factory: sessionmaker[Session]
) -> None:
    guest = _guest(csrf_app, venue)
    assert "Salom!" not in guest.post("/login", data=router_post(venue.router)).text
    with transaction(session_factory) as s:
        owner = s.get(Owner, venue.owner.id)
        update_settings(s, owner, {"welcome_text": "Salom!"})
    page = _guest(csrf_app, venue).post("/login", data=router_post(venue.router))
    assert '<p id="welcome">Salom!</p>' in page.text
