"""The guest pages read the router, the venue and its banners from a few seconds'
cache: a change made through the portal's or the core's ORM shows at once, the
router-trust check is made on every request all the same."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from hotspot import cache
from hotspot.db import transaction
from hotspot.models import Owner, Router
from hotspot.venues import OwnerPolicy, update_settings
from tests import factories

from .conftest import behind, random_mac, router_post


def test_a_router_switched_off_is_refused_at_once(app, session_factory):
    with transaction(session_factory) as s:
        router = factories.router(s, factories.owner(s))
    client = behind(app.test_client(), router)
    assert client.post("/login", data=router_post(router)).status_code == 200
    with transaction(session_factory) as s:
        s.get(Router, router.id).enabled = False  # type: ignore[union-attr]
    r = client.post("/login", data=router_post(router))
    assert r.status_code == 403


def test_the_cached_router_is_still_believed_only_from_its_address(
    app, session_factory
):
    with transaction(session_factory) as s:
        router = factories.router(s, factories.owner(s))
    client = behind(app.test_client(), router)
    assert client.post("/login", data=router_post(router)).status_code == 200
    client.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    assert client.post("/login", data=router_post(router)).status_code == 400


def test_a_settings_change_shows_on_the_next_page(app, session_factory):
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner)
    client = behind(app.test_client(), router)
    mac = random_mac()
    assert "#0a66c2" in client.post("/login", data=router_post(router, mac=mac)).text
    with transaction(session_factory) as s:
        update_settings(s, s.merge(owner), {"accent_color": "#123456"})
    assert "#123456" in client.get("/login").text


def test_a_change_outside_the_orm_shows_after_the_ttl(
    app, session_factory: sessionmaker[Session]
):
    with transaction(session_factory) as s:
        router = factories.router(s, factories.owner(s))
    client = behind(app.test_client(), router)
    assert client.post("/login", data=router_post(router)).status_code == 200
    with transaction(session_factory) as s:
        s.execute(text("UPDATE routers SET enabled = false WHERE id = :id"),
                  {"id": router.id})  # fmt: skip
    # Within the TTL the page still comes from the cache; after it, not.
    assert client.post("/login", data=router_post(router)).status_code == 200
    for key in list(cache.VENUE._items):
        cache.VENUE._items[key] = (0.0, cache.VENUE._items[key][1])  # expired
    assert client.post("/login", data=router_post(router)).status_code == 403


def test_a_banner_switched_off_in_the_cabinet_is_gone_from_the_next_page(
    app, session_factory
):
    """The portal's own change (its Flask-SQLAlchemy session) clears the cache."""
    import io

    from PIL import Image

    from hotspot.services.ads import add_banner
    from hotspot.services.tariffs import add_tariff
    from tests.portal.cabinet_helpers import log_in, make_account

    out = io.BytesIO()
    Image.new("RGB", (60, 20), (0, 90, 200)).save(out, "PNG")
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner)
        tariff = add_tariff(
            s,
            owner,
            factories.unique("free"),
            time="30m",
            guest=True,
            guest_mode="no-pause",
        )
        update_settings(s, owner, {"guest_tariff": tariff.name, "guest_access": "on",
                                   "guest_identification": "off"})  # fmt: skip
        banner = add_banner(s, owner, "sale", out.getvalue(), "https://shop.example/")
    guest = behind(app.test_client(), router)
    guest.post("/login", data=router_post(router))
    assert f"/ad/{banner.id}/image" in guest.get("/free").text
    cabinet = app.test_client()
    log_in(cabinet, make_account(session_factory, "owner", owner).email)
    assert cabinet.post(f"/cabinet/ads/{banner.id}/disable").status_code == 302
    guest.post("/login", data=router_post(router))  # a new visit: a new page
    assert 'id="ad-image"' not in guest.get("/free").text


def test_each_requests_copy_of_a_cached_venue_shares_its_parsed_policy(
    session_factory: sessionmaker[Session],
) -> None:
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        update_settings(s, owner, {"welcome_text": "Xush kelibsiz"})
    with session_factory() as s:
        kept = cache.detached(s, lambda own: own.get(Owner, owner.id))
    copies = []
    for _ in range(2):
        with session_factory() as request_session:
            copies.append(cache.attach(request_session, kept))
    first, second = (OwnerPolicy.of(c) for c in copies)
    assert first.welcome_text == "Xush kelibsiz"
    assert second is first  # parsed once, not once per request
