"""Whom the portal believes a router's login page from, and where it sends the
guest's credentials: only from an address the router is known by (its RADIUS
address, its portal addresses, its IP Cloud name, through a trusted proxy only), and
only to the router's own hotspot."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotspot.db import transaction
from hotspot.errors import InvalidInput
from hotspot.models import Identification, LoginTicket, Owner, Router
from hotspot.services.tenancy import set_router_trust
from hotspot.services.trust import CloudNames, resolve
from hotspot.settings import Settings
from portal import create_app
from tests import factories

from .conftest import Place, random_mac, router_post

PHONE = "998901234567"
STRANGER = "203.0.113.66"


def identified(session_factory: sessionmaker[Session], router: Router) -> str:
    """A device that confirmed its phone at the venue an hour ago."""
    mac = random_mac()
    now = dt.datetime.now(dt.UTC)
    with transaction(session_factory) as s:
        s.add(
            Identification(
                owner_id=router.owner_id,
                router_id=router.id,
                method="sms",
                subject=PHONE,
                reference=PHONE,
                mac=mac,
                expires_at=now + dt.timedelta(hours=23),
                created_at=now - dt.timedelta(hours=1),
            )
        )
    return mac


def tickets(session_factory: sessionmaker[Session], mac: str) -> int:
    with transaction(session_factory) as s:
        return s.scalar(
            select(func.count(LoginTicket.id)).where(LoginTicket.mac == mac)
        )


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def assert_refused(response, mac: str, session_factory) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "connect through the venue" in page
    assert PHONE not in page and "evil.example" not in page
    assert 'name="password"' not in page
    assert tickets(session_factory, mac) == 0


@pytest.fixture
def venue(session_factory: sessionmaker[Session]) -> Place:
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner)
    return Place(owner, router)


def test_a_stranger_cannot_take_an_identified_guest(app, venue, session_factory):
    """The attack: a MAC seen over the air, the router's identity, a link of one's
    own, posted from anywhere on the internet."""
    mac = identified(session_factory, venue.router)
    evil = {"mac": mac, "link-login-only": "https://evil.example/x"}
    attacker = from_address(app, STRANGER)
    response = attacker.post("/login", data=router_post(venue.router, **evil))
    assert_refused(response, mac, session_factory)
    # With the router's own link, still from the stranger's address: refused.
    response = attacker.post("/login", data=router_post(venue.router, mac=mac))
    assert_refused(response, mac, session_factory)


def test_through_the_router_the_guest_comes_back(app, venue, session_factory):
    mac = identified(session_factory, venue.router)
    guest = from_address(app, str(venue.router.ip_address))
    response = guest.post("/login", data=router_post(venue.router, mac=mac))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'action="http://10.5.50.1/login"' in page
    assert re.search(r'name="password" value="[^"]{20,}"', page)
    assert tickets(session_factory, mac) == 1
    # The router gets the identification's opaque login name: no phone anywhere,
    # not even in the hidden field (nor its digits in another form).
    assert PHONE not in page and PHONE[3:] not in page
    with transaction(session_factory) as s:
        login = s.scalar(select(Identification.login).where(Identification.mac == mac))
    assert f'name="username" value="{login}"' in page


def test_credentials_go_only_to_the_routers_hotspot(app, venue, session_factory):
    mac = identified(session_factory, venue.router)
    guest = from_address(app, str(venue.router.ip_address))
    for link in ("https://evil.example/x", "http://10.5.50.1.evil.example/login"):
        fields = router_post(venue.router, mac=mac, **{"link-login-only": link})
        assert_refused(guest.post("/login", data=fields), mac, session_factory)
    # The router's own hotspot name, once set, is accepted (any port, https too).
    with transaction(session_factory) as s:
        router = s.get(Router, venue.router.id)
        set_router_trust(s, router, hotspot_hosts=["Login.Cafe.example"])
    fields = router_post(
        venue.router,
        mac=mac,
        **{"link-login-only": "https://login.cafe.example:8443/login"},
    )
    response = guest.post("/login", data=fields)
    assert response.status_code == 200
    assert 'action="https://login.cafe.example:8443/login"' in response.get_data(
        as_text=True
    )


def test_a_context_taken_elsewhere_gets_no_ticket(
    app, venue, settings, session_factory
):
    with transaction(session_factory) as s:
        card = factories.voucher(s, s.get(Owner, venue.owner.id), settings.pin_key)
    guest = from_address(app, str(venue.router.ip_address))
    assert guest.post("/login", data=router_post(venue.router)).status_code == 200
    # The same browser cookie, now from another address.
    guest.environ_base["REMOTE_ADDR"] = STRANGER
    response = guest.post("/login/voucher", data={"code": card.code, "pin": card.pin})
    assert response.status_code == 422
    assert 'name="password"' not in response.get_data(as_text=True)
    with transaction(session_factory) as s:
        assert not s.scalar(
            select(LoginTicket.id).where(LoginTicket.router_id == venue.router.id)
        )


def test_public_addresses_of_a_router(app, venue, session_factory):
    with transaction(session_factory) as s:
        router = s.get(Router, venue.router.id)
        set_router_trust(s, router, portal_addresses=["198.51.100.0/29"])
    mac = identified(session_factory, venue.router)
    response = from_address(app, "198.51.100.6").post(
        "/login", data=router_post(venue.router, mac=mac)
    )
    assert response.status_code == 200
    assert tickets(session_factory, mac) == 1
    outside = from_address(app, "198.51.100.9")
    assert outside.post("/login", data=router_post(venue.router)).status_code == 400


def test_without_identity_the_router_is_found_by_the_source_address(
    app, venue, session_factory
):
    """The MikroTik wiki's login.html posts no identity."""
    with transaction(session_factory) as s:
        router = s.get(Router, venue.router.id)
        router.owner.display_name = "Choyxona Navruz"
        set_router_trust(s, router, portal_addresses=["192.0.2.77"])
    fields = router_post(venue.router, identity="")
    page = from_address(app, "192.0.2.77").post("/login", data=fields)
    assert page.status_code == 200
    assert "Choyxona Navruz" in page.get_data(as_text=True)
    by_radius_address = from_address(app, str(venue.router.ip_address))
    assert by_radius_address.post("/login", data=fields).status_code == 200
    assert from_address(app, STRANGER).post("/login", data=fields).status_code == 400
    # Two routers behind one address: without an identity neither is believed.
    with transaction(session_factory) as s:
        twin = factories.router(s, s.get(Owner, venue.owner.id))
        set_router_trust(s, twin, portal_addresses=["192.0.2.77"])
    assert from_address(app, "192.0.2.77").post("/login", data=fields).status_code == (
        400
    )


def test_a_router_known_by_its_cloud_name(settings, session_factory):
    names = {"8a1b2c3d4e5f.sn.mynetname.net": ["198.51.100.200"]}
    asked: list[str] = []

    def resolver(name: str) -> list[str]:
        asked.append(name)
        return names.get(name, [])

    app = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False, "HOTSPOT_RESOLVER": resolver},
        settings=settings,
    )
    with transaction(session_factory) as s:
        router = factories.router(s, factories.owner(s))
        set_router_trust(s, router, cloud_name="8A1B2C3D4E5F.sn.mynetname.net.")
    client = from_address(app, "198.51.100.200")
    for _ in range(3):
        assert client.post("/login", data=router_post(router)).status_code == 200
    assert asked == ["8a1b2c3d4e5f.sn.mynetname.net"]  # cached
    # The router's address changed; another address is not it.
    assert (
        from_address(app, "198.51.100.201")
        .post("/login", data=router_post(router))
        .status_code
        == 400
    )


def test_cloud_names_resolve_through_the_system_and_expire():
    assert parse_loopback(resolve("localhost"))
    now = [0.0]
    calls: list[str] = []
    cloud = CloudNames(
        lambda name: calls.append(name) or resolve(name), ttl=60, clock=lambda: now[0]
    )
    assert cloud.addresses("localhost") and cloud.addresses("localhost")
    assert calls == ["localhost"]
    now[0] = 61.0
    cloud.addresses("localhost")
    assert calls == ["localhost", "localhost"]
    assert cloud.addresses("no-such-name.invalid") == frozenset()


def parse_loopback(addresses: list[str]) -> bool:
    return any(a in ("127.0.0.1", "::1") for a in addresses)


def test_a_router_known_by_localhost_with_the_system_resolver(app, session_factory):
    with transaction(session_factory) as s:
        router = factories.router(s, factories.owner(s))
        set_router_trust(s, router, cloud_name="localhost")
    client = from_address(app, "127.0.0.1")
    assert client.post("/login", data=router_post(router)).status_code == 200


def test_forwarded_for_only_from_the_trusted_proxy(settings, venue, session_factory):
    router_ip = str(venue.router.ip_address)
    forwarded = {"X-Forwarded-For": f"{STRANGER}, {router_ip}"}
    plain = create_app({"TESTING": True}, settings=settings)
    proxied = create_app(
        {"TESTING": True}, settings=settings.with_(trusted_proxies="10.9.0.0/24, ::1")
    )
    fields = router_post(venue.router)

    def post(app: Flask, remote: str) -> int:
        client = from_address(app, remote)
        return client.post("/login", data=fields, headers=forwarded).status_code

    # No proxy configured: the header is nobody's word.
    assert post(plain, "10.9.0.5") == 400
    # From the proxy: its last hop is the client.
    assert post(proxied, "10.9.0.5") == 200
    assert post(proxied, "::1") == 200
    # From anyone else the header is dropped.
    assert post(proxied, "10.9.1.5") == 400
    # And the proxy itself is no router.
    assert from_address(proxied, "10.9.0.5").post(
        "/login", data=fields
    ).status_code == (400)


def test_a_malformed_chap_id_is_refused_before_any_ticket(
    client, place, session_factory
):
    mac = identified(session_factory, place.router)
    for chap_id, challenge in (("\\x", "\\001"), ("\\001\\002", "\\001"), ("", "\\q")):
        fields = router_post(
            place.router, mac=mac, **{"chap-id": chap_id, "chap-challenge": challenge}
        )
        response = client.post("/login", data=fields)
        assert response.status_code == 400
        assert tickets(session_factory, mac) == 0
    fields = router_post(
        place.router, mac=mac, **{"chap-id": "\\371", "chap-challenge": "\\357\\015"}
    )
    page = client.post("/login", data=fields).get_data(as_text=True)
    assert re.search(r'name="password" value="[0-9a-f]{32}"', page)


def test_router_trust_settings_are_checked(db_session):
    router = factories.router(db_session, factories.owner(db_session))
    set_router_trust(
        db_session,
        router,
        portal_addresses=["203.0.113.7", "2001:db8::/48", "198.51.100.9/24"],
        hotspot_hosts=["10.5.50.1", "hotspot.CAFE.uz", "10.5.50.1"],
        cloud_name="HEX0123.sn.mynetname.net",
    )
    assert router.portal_addresses == [
        "203.0.113.7/32",
        "2001:db8::/48",
        "198.51.100.0/24",
    ]
    assert router.hotspot_hosts == ["10.5.50.1", "hotspot.cafe.uz"]
    assert router.cloud_name == "hex0123.sn.mynetname.net"
    set_router_trust(db_session, router, cloud_name="")  # the rest kept
    assert router.cloud_name is None and router.hotspot_hosts
    for bad in (
        {"portal_addresses": ["not-an-ip"]},
        {"hotspot_hosts": ["http://x/"]},
        {"hotspot_hosts": ["a..b"]},
        {"cloud_name": "x" * 300},
        {"cloud_name": "bad_name!"},
    ):
        with pytest.raises(InvalidInput):
            set_router_trust(db_session, router, **bad)


def test_settings_name_the_trusted_proxies():
    assert Settings.from_env({"HOTSPOT_TRUSTED_PROXIES": "10.0.0.1"}).trusted_proxies
    assert Settings().trusted_proxies == ""


def test_a_switched_off_router_tells_its_guests_so(app, venue, session_factory):
    """As RADIUS does: `hotspot router disable` shows "This hotspot is switched off."
    on the portal too, and nothing is issued; switched on again, it serves."""
    from hotspot.services.tenancy import set_router_enabled

    mac = identified(session_factory, venue.router)
    with transaction(session_factory) as s:
        set_router_enabled(s, s.get(Router, venue.router.id), False)
    guest = from_address(app, str(venue.router.ip_address))
    try:
        response = guest.post("/login", data=router_post(venue.router, mac=mac))
        page = response.get_data(as_text=True)
        assert response.status_code == 403
        assert "This hotspot is switched off." in page
        assert 'name="password"' not in page and tickets(session_factory, mac) == 0
        # Found by its address alone (no identity), it says the same.
        response = guest.post("/login", data=router_post(venue.router, identity=""))
        assert "This hotspot is switched off." in response.get_data(as_text=True)
    finally:
        with transaction(session_factory) as s:
            set_router_enabled(s, s.get(Router, venue.router.id), True)
    response = guest.post("/login", data=router_post(venue.router, mac=mac))
    assert response.status_code == 200 and tickets(session_factory, mac) == 1
