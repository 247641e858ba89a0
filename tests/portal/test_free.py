"""The portal's Free tab: the guest tariff's terms, identification first where the
venue requires it, the button logging in through a one-time ticket, and the time
the allowance comes back in the venue's time zone."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from hotspot.clock import FrozenClock
from hotspot.db import transaction
from hotspot.errors import InvalidInput
from hotspot.models import LoginTicket, Owner, Voucher
from hotspot.services.identification import import_registrations
from hotspot.services.tariffs import add_tariff
from hotspot.sms.providers.outbox import read_outbox
from hotspot.venues import update_settings
from portal import create_app
from tests import factories
from tests.portal.conftest import behind, random_mac, router_post

# 08:00 in Tashkent (UTC+5).
START = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def outbox(tmp_path):
    return tmp_path / "sms.jsonl"


@pytest.fixture
def free_app(settings, clock, outbox) -> Iterator[Flask]:
    gateways = [{"type": "outbox", "name": "box", "path": str(outbox)}]
    app = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False},
        settings=settings.with_(sms_providers=json.dumps(gateways)),
        clock=clock,
    )
    yield app
    if "hotspot_ad_views" in app.extensions:
        app.extensions["hotspot_ad_views"].close()
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()


@pytest.fixture
def free_venue(session_factory):
    """A venue with Free access: 30 minutes once a day, identification required."""
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner)
        tariff = add_tariff(
            s,
            owner,
            factories.unique("free"),
            time="30m",
            rate="1M/2M",
            guest=True,
            reset_period="1d",
        )
        update_settings(
            s,
            owner,
            {"guest_tariff": tariff.name, "guest_access": "on", "documents": "hotel"},
        )
        import_registrations(
            s, owner, "hotel", "12,KARIMOV,2026-05-01T00:00,2026-07-01T00:00\n"
        )
    return owner, router, tariff


def arrive(app: Flask, router, mac: str | None = None):
    client = behind(app.test_client(), router)
    client.post("/login", data=router_post(router, mac=mac or random_mac()))
    return client


def press(client) -> tuple[int, str]:
    r = client.post("/free")
    return r.status_code, r.get_data(as_text=True)


def logged_in_as(page: str) -> str | None:
    match = re.search(r'name="username" value="([^"]+)"', page)
    return match.group(1) if match else None


def test_login_page_offers_free_only_where_it_is_on(free_app, free_venue, place):
    _, router, _ = free_venue
    page = arrive(free_app, router).get("/login").get_data(as_text=True)
    assert 'id="free-tab"' in page
    page = arrive(free_app, place.router).get("/login").get_data(as_text=True)
    assert 'id="free-tab"' not in page
    # Nor is the Free page there without it.
    assert arrive(free_app, place.router).get("/free").status_code == 302


def test_identify_by_document_then_free(free_app, free_venue, session_factory):
    _, router, tariff = free_venue
    client = arrive(free_app, router)
    page = client.get("/free").get_data(as_text=True)
    # The terms, and identification before the button.
    assert "30m" in page and "1M/2M" in page and "1d" in page
    assert 'id="identify-first"' in page and 'id="free-button"' not in page
    status, page = press(client)
    assert status == 422 and "identify yourself first" in page
    r = client.post(
        "/login/document",
        data={"kind": "hotel", "reference": "12", "surname": "Karimov"},
    )
    # Identified: no login yet, the guest goes on to the Free tab.
    assert r.status_code == 302 and r.location.endswith("/free")
    assert 'id="free-button"' in client.get("/free").get_data(as_text=True)
    status, page = press(client)
    username = logged_in_as(page)
    assert status == 200 and username and username.startswith("G")
    with session_factory() as s:
        voucher = s.scalar(select(Voucher).where(Voucher.code == username))
        assert voucher.tariff_id == tariff.id
        assert voucher.guest_identity.startswith("hotel:")
        ticket = s.scalar(select(LoginTicket).where(LoginTicket.username == username))
        assert ticket.method == "guest" and ticket.voucher_id == voucher.id


def test_phone_code_leads_to_the_free_tab(free_app, free_venue, outbox):
    _, router, _ = free_venue
    client = arrive(free_app, router)
    client.post("/login/phone", data={"phone": "+998 93 555 71 71"})
    code = re.search(r"\d{6}", read_outbox(outbox)[-1]["text"]).group(0)
    r = client.post("/login/code", data={"code": code})
    assert r.status_code == 302 and r.location.endswith("/free")
    status, page = press(client)
    assert status == 200 and logged_in_as(page)


def test_used_up_says_when_it_comes_back_in_the_venue_time(
    free_app, free_venue, session_factory, clock
):
    owner, router, _ = free_venue
    with transaction(session_factory) as s:
        update_settings(s, s.get(Owner, owner.id), {"guest_identification": "off"})
    mac = random_mac()
    client = arrive(free_app, router, mac)
    status, page = press(client)
    username = logged_in_as(page)
    with transaction(session_factory) as s:
        voucher = s.scalar(select(Voucher).where(Voucher.code == username))
        voucher.used_seconds = 1800
    clock.advance(hours=2)
    status, page = press(arrive(free_app, router, mac))
    # The period began at 08:00 Tashkent time: back tomorrow at 08:00.
    assert status == 422
    assert "it comes back at 02.06.2026 08:00" in page
    clock.advance(hours=21, minutes=59)
    status, page = press(arrive(free_app, router, mac))
    assert "it comes back at 08:00." in page
    clock.advance(minutes=1)
    status, page = press(arrive(free_app, router, mac))
    assert status == 200 and logged_in_as(page) == username

    with transaction(session_factory) as s:
        update_settings(s, s.get(Owner, owner.id), {"timezone": "Europe/Moscow"})
        voucher = s.scalar(select(Voucher).where(Voucher.code == username))
        voucher.used_seconds = 1800
    status, page = press(arrive(free_app, router, mac))
    # The new period began at 03:00 UTC: back at 06:00 Moscow time tomorrow.
    assert "it comes back at 03.06.2026 06:00" in page


def test_free_in_russian(free_app, free_venue, session_factory):
    owner, router, _ = free_venue
    with transaction(session_factory) as s:
        update_settings(s, s.get(Owner, owner.id), {"guest_identification": "off"})
    client = arrive(free_app, router)
    page = client.get("/free?lang=ru").get_data(as_text=True)
    assert "Бесплатный интернет" in page and "Бесплатно" in page


def test_guest_tariff_and_free_access_through_the_api(client, session_factory):
    from hotspot.clock import utcnow
    from hotspot.services.tenancy import create_api_token

    with transaction(session_factory) as s:
        _, token = create_api_token(s, factories.owner(s), "shop", utcnow())
    auth = {"Authorization": f"Bearer {token}"}
    body = {"name": "free", "time": "20m", "guest": True, "reset_period": "12h"}
    r = client.post("/api/v1/tariffs", headers=auth, json=body)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["guest_mode"] == "regular"
    assert r.get_json()["reset_period"] == 43200
    r = client.patch(
        "/api/v1/settings",
        headers=auth,
        json={"guest_tariff": "free", "guest_access": True},
    )
    assert r.status_code == 200 and r.get_json()["guest_access"] is True
    bad = {"name": "x", "time": "1h", "guest": True, "guest_mode": "weekly"}
    r = client.post("/api/v1/tariffs", headers=auth, json=bad)
    assert r.status_code == 400 and r.get_json()["field"] == "guest_mode"


def test_venue_look_terms_languages_and_sms_language(
    free_app, free_venue, session_factory, outbox
):
    owner, router, _ = free_venue
    with transaction(session_factory) as s:
        update_settings(
            s,
            s.get(Owner, owner.id),
            {
                "accent_color": "#AA3300",
                "welcome_text": "Welcome to Café Aroma!",
                "terms_text": "Be nice.\nNo torrents.",
                "terms_required": "on",
                "languages": "ru,en",
                "guest_identification": "off",
            },
        )
    client = arrive(free_app, router)
    page = client.get("/free").get_data(as_text=True)
    assert "--accent: #aa3300" in page and "Welcome to Café Aroma!" in page
    assert "No torrents." in page and 'name="accept_terms"' in page
    assert 'id="lang-ru"' in page and 'id="lang-uz"' not in page
    # The terms are accepted before access: the server checks it too.
    status, page = press(client)
    assert status == 422 and "accept the terms" in page
    r = client.post("/free", data={"accept_terms": "yes"})
    assert r.status_code == 200 and logged_in_as(r.get_data(as_text=True))
    # The SMS code comes in the guest's language.
    client = arrive(free_app, router)
    client.get("/login?lang=ru")
    client.post(
        "/login/phone", data={"phone": "+998 93 555 72 72", "accept_terms": "yes"}
    )
    assert read_outbox(outbox)[-1]["text"].startswith("Код WiFi: ")


def test_look_settings_are_checked(session_factory):
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        for change, reason in (
            ({"accent_color": "red;}</style>"}, "accent_color"),
            ({"languages": "de"}, "languages"),
            ({"welcome_text": "x" * 501}, "welcome_text"),
        ):
            with pytest.raises(InvalidInput, match=reason):
                update_settings(s, owner, change)


def test_venue_logo_on_the_guest_pages(free_app, free_venue, session_factory):
    import io

    from PIL import Image

    from hotspot.services.ads import set_logo

    owner, router, _ = free_venue
    client = arrive(free_app, router)
    assert 'id="logo"' not in client.get("/login").get_data(as_text=True)
    out = io.BytesIO()
    Image.new("RGBA", (120, 40), (0, 0, 0, 0)).save(out, "PNG")
    with transaction(session_factory) as s:
        set_logo(s, s.get(Owner, owner.id), out.getvalue(), START)
        with pytest.raises(InvalidInput, match="SVG"):
            set_logo(s, s.get(Owner, owner.id), b"<svg/>", START)
    page = client.get("/login").get_data(as_text=True)
    assert f'src="/venue/{owner.id}/logo"' in page
    assert 'id="logo"' in client.get("/free").get_data(as_text=True)
    logo = client.get(f"/venue/{owner.id}/logo")
    assert logo.mimetype == "image/png" and logo.data.startswith(b"\x89PNG")


def test_the_free_login_does_not_look_up_the_tariff_it_has(free_app, free_venue):
    """The keep-alive question of the redirect is the guest tariff's: no query."""
    from sqlalchemy import event

    from portal.extensions import db

    _, router, _ = free_venue
    client = arrive(free_app, router)
    client.post(
        "/login/document",
        data={"kind": "hotel", "reference": "12", "surname": "Karimov"},
    )
    statements: list[str] = []
    with free_app.app_context():
        engine = db.engine

    def seen(conn, cursor, statement, *_):  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        status, page = press(client)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert status == 200 and logged_in_as(page)
    assert not [s for s in statements if "keepalive" in s]
