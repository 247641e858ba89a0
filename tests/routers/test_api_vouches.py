"""A router with ``api_vouches``: a login page posted from no address the router is
known by is believed only when the router's own RouterOS API (the simulator's
server, speaking the real protocol to librouteros) lists the MAC, and the IP, as a
hotspot host; a router whose API cannot be asked gets a clear refusal, never a 500."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from devstack.postgres import free_port
from hotspot.db import transaction
from hotspot.errors import InvalidInput
from hotspot.models import Identification, Router
from hotspot.services.tenancy import set_router_trust
from hotspot.services.trust import CloudNames, HotspotHosts, Vouchers
from portal import create_app
from tests import factories
from tests.portal.conftest import router_post

STRANGER = "203.0.113.77"  # the venue's NAT address the portal does not know


def _guest(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = STRANGER
    return client


def _vouching_venue(sim_venue, session_factory, vouches=True):
    venue = sim_venue(api=True)
    with transaction(session_factory) as s:
        set_router_trust(s, s.get(Router, venue.router.id), api_vouches=vouches)
    return venue


def _host_queries(venue) -> int:
    return venue.sim.api.state.commands.count("/ip/hotspot/host/print")


def _identify(session_factory, venue, mac):
    now = dt.datetime.now(dt.UTC)
    with transaction(session_factory) as s:
        s.add(
            Identification(
                owner_id=venue.owner.id,
                router_id=venue.router.id,
                method="sms",
                subject="998907770031",
                reference="998907770031",
                mac=mac,
                expires_at=now + dt.timedelta(hours=20),
                created_at=now,
            )
        )


def test_a_host_the_router_lists_is_believed(app, sim_venue, session_factory):
    venue = _vouching_venue(sim_venue, session_factory)
    device = venue.nas.device()  # on the hotspot's LAN, not logged in yet
    _identify(session_factory, venue, device.mac)
    fields = router_post(venue.router, mac=device.mac, ip=device.ip)
    response = _guest(app).post("/login", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    # The identified device gets its login form (ticket), under its opaque name.
    assert re.search(r'name="username" value="i-[0-9a-f]{24}"', page)
    assert "998907770031" not in page
    # A second page within the cache's seconds does not ask the router again.
    assert _guest(app).post("/login", data=fields).status_code == 200
    assert _host_queries(venue) == 1


@pytest.mark.parametrize("what", ["unknown mac", "other ip", "not enabled"])
def test_anything_else_is_refused(app, sim_venue, session_factory, what):
    venue = _vouching_venue(sim_venue, session_factory, vouches=what != "not enabled")
    device = venue.nas.device()
    _identify(session_factory, venue, device.mac)
    fields = router_post(venue.router, mac=device.mac, ip=device.ip)
    if what == "unknown mac":
        fields["mac"] = "02:DE:AD:00:00:01"
    elif what == "other ip":
        fields["ip"] = "10.5.50.254"
    response = _guest(app).post("/login", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "connect through the venue" in page and 'name="password"' not in page
    assert _host_queries(venue) == (0 if what == "not enabled" else 1)


def test_an_unreachable_api_is_a_clear_refusal(app, sim_venue, session_factory):
    venue = _vouching_venue(sim_venue, session_factory)
    with transaction(session_factory) as s:
        router = s.get(Router, venue.router.id)
        router.api_port = free_port(str(router.ip_address))  # nothing listens
    device = venue.nas.device()
    _identify(session_factory, venue, device.mac)
    response = _guest(app).post(
        "/login", data=router_post(venue.router, mac=device.mac, ip=device.ip)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "could not confirm your device" in page and 'name="password"' not in page


def test_vouching_needs_the_api(sim_venue, session_factory):
    venue = sim_venue()
    with transaction(session_factory) as s, pytest.raises(InvalidInput):
        set_router_trust(s, s.get(Router, venue.router.id), api_vouches=True)


def test_the_cli_sets_it(sim_venue, session_factory, cli):
    nas = sim_venue().router.nas_identifier
    refused = cli("router", "trust", "--nas-id", nas, "--api-vouches", ok=False)
    assert refused.returncode != 0 and "router control" in refused.stderr
    with_api = sim_venue(api=True).router.nas_identifier
    out = cli(
        "router", "trust", "--nas-id", with_api, "--api-vouches",
        "--portal-address", "203.0.113.0/29", "--json",
    ).stdout  # fmt: skip
    data = json.loads(out)
    assert data["api_vouches"] is True
    assert data["portal_addresses"] == ["203.0.113.0/29"]
    assert data["hotspot_hosts"] == ["10.5.50.1"]


def test_every_later_step_asks_again(sim_venue, session_factory, settings):
    """A card typed after the page was believed gets its ticket while the router
    still lists the device; once the router cannot be asked, nothing is issued."""
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, settings=settings)
    app.extensions["hotspot_vouchers"] = Vouchers(CloudNames(), HotspotHosts(ttl=0))
    venue = _vouching_venue(sim_venue, session_factory)
    with transaction(session_factory) as s:
        card = factories.voucher(s, s.merge(venue.owner), settings.pin_key, time="1h")
    device = venue.nas.device()
    guest = _guest(app)
    fields = router_post(venue.router, mac=device.mac, ip=device.ip)
    assert guest.post("/login", data=fields).status_code == 200
    typed = {"code": card.code, "pin": card.pin}
    response = guest.post("/login/voucher", data=typed)
    assert response.status_code == 200
    assert 'name="password"' in response.get_data(as_text=True)
    asked = _host_queries(venue)
    assert asked >= 2  # for the page, and again for the card
    with transaction(session_factory) as s:
        closed = free_port(str(venue.router.ip_address))
        s.get(Router, venue.router.id).api_port = closed
    response = guest.post("/login/voucher", data=typed)
    assert response.status_code == 503
    assert 'name="password"' not in response.get_data(as_text=True)
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()
