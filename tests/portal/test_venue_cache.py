"""The guest pages read the router, the venue and its banners from a few seconds'
cache: a change made through the portal's or the core's ORM shows at once, the
router-trust check is made on every request all the same."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from hotspot import cache
from hotspot.db import transaction
from hotspot.models import Router
from hotspot.venues import update_settings
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
