"""Ads on the portal: the banner on the Free tab, the delay enforced by the server
(a direct POST before it is refused), the advertiser's link only after login, and
banners uploaded and counted through the API."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from hotspot.clock import FrozenClock, utcnow
from hotspot.db import transaction
from hotspot.models import LoginTicket
from hotspot.models.ads import AdEvent
from hotspot.services.ads import add_banner
from hotspot.services.tariffs import add_tariff
from hotspot.services.tenancy import create_api_token
from hotspot.venues import update_settings
from portal import create_app
from tests import factories
from tests.portal.conftest import behind, random_mac, router_post


def png(size=(30, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 90, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(utcnow())


@pytest.fixture
def ad_app(settings, clock) -> Iterator[Flask]:
    app = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False}, settings=settings, clock=clock
    )
    yield app
    if "hotspot_ad_views" in app.extensions:
        app.extensions["hotspot_ad_views"].close()
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()


@pytest.fixture
def ad_venue(session_factory):
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner)
        tariff = add_tariff(s, owner, "free", time="30m", guest=True, reset_period="1d")
        update_settings(
            s,
            owner,
            {"guest_tariff": tariff.name, "guest_access": "on",
             "guest_identification": "off", "ad_delay": "10"},
        )  # fmt: skip
        banner = add_banner(s, owner, "shop", png(), "https://shop.example/sale")
    return owner, router, banner


def test_free_waits_for_the_ad_and_the_link_opens_after_login(
    ad_app, ad_venue, clock, session_factory
):
    _, router, banner = ad_venue
    client = behind(ad_app.test_client(), router)
    mac = random_mac()
    client.post("/login", data=router_post(router, mac=mac))
    # Pressing before seeing the ad: refused, and the ad is shown.
    r = client.post("/free")
    assert r.status_code == 422 and "watch the ad" in r.get_data(as_text=True)
    page = client.get("/free").get_data(as_text=True)
    assert f"/ad/{banner.id}/image" in page and 'data-delay="10"' in page
    assert 'id="free-button" hidden' in page
    image = client.get(f"/ad/{banner.id}/image")
    assert image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")
    # The banner's link is kept for later: before login it never opens.
    r = client.get(f"/ad/{banner.id}/click")
    assert r.status_code == 302 and "shop.example" not in r.location
    assert "opens once you are online" in client.get(r.location).get_data(as_text=True)
    assert client.get(f"/ad/{banner.id}/open").status_code == 403
    clock.advance(seconds=4)
    r = client.post("/free")
    assert r.status_code == 422 and "wait 6 more seconds" in r.get_data(as_text=True)
    clock.advance(seconds=6)
    r = client.post("/free")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="router-login"' in page
    # After login the router sends the guest to the advertiser's link.
    assert f"/ad/{banner.id}/open" in page
    assert client.get(f"/ad/{banner.id}/open").status_code == 403  # not used yet
    with transaction(session_factory) as s:
        ticket = s.scalars(select(LoginTicket).order_by(LoginTicket.id.desc())).first()
        ticket.used_at = utcnow()
    r = client.get(f"/ad/{banner.id}/open")
    assert r.status_code == 302 and r.location == "https://shop.example/sale"
    # Once: it does not open again, nor come back on the next login.
    assert client.get(f"/ad/{banner.id}/open").status_code == 403
    ad_app.extensions["hotspot_ad_views"].flush()  # views are written in batches
    with session_factory() as s:
        kinds = dict(
            s.execute(
                select(AdEvent.kind, func.count())
                .where(AdEvent.banner_id == banner.id)
                .group_by(AdEvent.kind)
            ).all()
        )
    # Shown once (on the refused press): the page, the return from the click and
    # the later refusals show the same impression, neither counted again nor
    # starting the wait again.
    assert kinds == {"view": 1, "click": 1}


@pytest.fixture
def token(session_factory) -> dict[str, str]:
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        factories.router(s, owner)
        _, secret = create_api_token(s, owner, "shop", utcnow())
    return {"Authorization": f"Bearer {secret}"}


def upload(client, headers, data: bytes, filename="banner.png", **form):
    """A multipart upload, encoded in memory (the test client would spool a large
    body to a file it never closes)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    image = FileStorage(io.BytesIO(data), filename=filename)
    values = {"name": "b", "link": "https://shop.example/", **form, "image": image}
    boundary, body = encode_multipart(values)
    return client.post(
        "/api/v1/ads",
        headers=headers,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b"%PDF-1.4 not a picture", "banner.png", "not an image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>',
         "banner.svg", "SVG"),
        (png() + b"\0" * (3 * 1024 * 1024), "banner.png", "at most 2 MB"),
    ],
    ids=["not-an-image", "svg", "oversized"],
)  # fmt: skip
def test_api_refuses_bad_uploads_clearly(client, token, data, filename, reason):
    r = upload(client, token, data, filename)
    assert r.status_code == 400, r.get_json()
    assert reason in r.get_json()["message"]
    assert client.get("/api/v1/ads", headers=token).get_json() == []


def test_api_refusals_stay_english_in_any_language(client, token):
    """The cabinet shows a refusal in its language; the JSON API keeps the English
    text and key its clients match on, whatever the language asked for."""
    client.get("/?lang=ru")  # the language switch, remembered in the session
    headers = {**token, "Accept-Language": "ru"}
    r = upload(client, headers, b"%PDF-1.4 not a picture", "banner.png")
    assert r.status_code == 400
    assert r.get_json() == {
        "error": "invalid_input",
        "message": "not an image: upload PNG, JPEG, WebP or GIF",
    }


def test_api_uploads_a_banner_and_reports_its_stats(client, token):
    r = upload(client, token, png(), weight="3", starts_at="2026-01-01T00:00")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["content_type"], body["width"], body["weight"]) == ("image/png", 30, 3)
    assert body["starts_at"].startswith("2026-01-01T00:00:00")
    stats = client.get("/api/v1/ads/stats?days=7", headers=token)
    assert stats.status_code == 200 and stats.get_json() == []
    assert client.get("/api/v1/ads/stats?days=0", headers=token).status_code == 400
