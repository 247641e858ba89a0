"""Free guest access in Chromium, through the router simulator and FreeRADIUS: the
Free tab, the allowance used up and back after the reset (the portal's clock is
moved), and a second MAC with the same phone getting no fresh allowance."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from devstack.postgres import free_port
from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import Owner, Voucher
from hotspot.services.tariffs import add_tariff
from hotspot.services.tenancy import set_router_trust
from hotspot.sms.providers.outbox import read_outbox
from hotspot.venues import update_settings
from portal import create_app
from tests import factories
from tests.radius.conftest import new_loopback_ip, wait_until

from .router_login import join_wifi, wait_for_login

pytestmark = pytest.mark.browser

PHONE = "998935557070"


class MovableClock:
    """The wall clock, moved forward by the test."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def now(self) -> dt.datetime:
        return utcnow() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += dt.timedelta(**delta)


@dataclass
class FreeVenue:
    owner: Owner
    sim: object
    clock: MovableClock
    outbox: Path


@pytest.fixture
def free_venue(settings, session_factory, radius, tmp_path) -> Iterator[FreeVenue]:
    """A venue of its own: its router (simulated), a portal whose clock the test
    moves, SMS to an outbox, and Free access of 3 seconds once an hour."""
    from simulator.router import RouterConfig
    from simulator.server import start_simulator

    ip, secret = new_loopback_ip(), "free-router-" + factories.unique("s")
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner, ip=ip, secret=secret)
        # The browser reaches the portal from 127.0.0.1; the router's hotspot too.
        set_router_trust(
            s, router, portal_addresses=["127.0.0.1"], hotspot_hosts=["127.0.0.1"]
        )
        tariff = add_tariff(s, owner, "free", time="3s", guest=True, reset_period="1h")
        update_settings(s, owner, {"guest_tariff": tariff.name, "guest_access": "on"})
    clock, outbox = MovableClock(), tmp_path / "sms.jsonl"
    port = free_port()
    gateways = [{"type": "outbox", "name": "box", "path": str(outbox)}]
    app = create_app(
        settings=settings.with_(
            portal_url=f"http://127.0.0.1:{port}", sms_providers=json.dumps(gateways)
        ),
        clock=clock,
    )
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sim = start_simulator(
        RouterConfig(
            radius_host=settings.radius_host,
            auth_port=settings.radius_auth_port,
            acct_port=settings.radius_acct_port,
            secret=secret,
            bind_address=ip,
            nas_identifier=router.nas_identifier,
            portal_url=f"http://127.0.0.1:{port}/login",
            require_message_authenticator=True,
        )
    )
    yield FreeVenue(owner, sim, clock, outbox)
    sim.stop()
    server.shutdown()
    thread.join(5)
    server.server_close()


def arrive(page, venue: FreeVenue, mac: str, path: str = "/news") -> None:
    join_wifi(page, venue.sim, mac, path)
    page.wait_for_selector("#free-tab")
    page.click("#free-tab")
    page.wait_for_selector("#free-title")


def press_free(page) -> None:
    page.click("#free-button")
    page.wait_for_load_state()


def used_up(session_factory, seconds: int = 3) -> Voucher:
    def probe() -> Voucher | None:
        with session_factory() as s:
            voucher = s.scalar(
                select(Voucher).where(Voucher.guest_identity == f"sms:{PHONE}")
            )
            return voucher if voucher and voucher.used_seconds >= seconds else None

    probe.__doc__ = "the router reports the guest session used up"
    return wait_until(probe, timeout=15)


def back_at(voucher: Voucher) -> str:
    return voucher.guest_reset_at.astimezone(ZoneInfo("Asia/Tashkent")).strftime(
        "%H:%M"
    )


def identify_by_phone(page, venue: FreeVenue) -> None:
    page.fill("#phone", "+" + PHONE)
    page.click("#phone-form button[type=submit]")
    page.wait_for_selector("#code-form")
    code = re.search(r"\d{6}", read_outbox(venue.outbox)[-1]["text"]).group(0)
    page.fill("#otp", code)
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("#free-button")


def test_used_up_until_the_reset_and_no_fresh_allowance_for_a_new_mac(
    browser, free_venue, session_factory, radius
):
    first = browser.new_context().new_page()
    arrive(first, free_venue, "02:AA:BB:CC:70:01")
    # Identification first: no button yet.
    assert first.locator("#identify-first").is_visible()
    assert first.locator("#free-button").count() == 0
    identify_by_phone(first, free_venue)
    assert "3s" in first.inner_text("#free-terms")
    press_free(first)
    news = f"{free_venue.sim.url}/news"
    wait_for_login(first, free_venue.sim, "02:AA:BB:CC:70:01", news, radius)
    assert "Online" in first.content()
    voucher = used_up(session_factory)  # Session-Timeout 3: the router cut it

    # The same device again: used up, and told when it comes back.
    arrive(first, free_venue, "02:AA:BB:CC:70:01", "/weather")
    press_free(first)
    error = first.inner_text("#error")
    assert f"it comes back at {back_at(voucher)}" in error

    # A new random MAC (a forgotten network) with the same phone: no fresh allowance.
    free_venue.clock.advance(minutes=2)  # past the SMS cool-down
    second = browser.new_context().new_page()
    arrive(second, free_venue, "06:AA:BB:CC:70:02")
    identify_by_phone(second, free_venue)
    press_free(second)
    assert f"it comes back at {back_at(voucher)}" in second.inner_text("#error")

    # An hour later (the reset period) the allowance is back.
    free_venue.clock.advance(hours=1)
    arrive(second, free_venue, "06:AA:BB:CC:70:02", "/maps")
    press_free(second)
    maps = f"{free_venue.sim.url}/maps"
    wait_for_login(second, free_venue.sim, "06:AA:BB:CC:70:02", maps, radius)
    assert "Online" in second.content()
    second.context.close()
    first.context.close()


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 100), (250, 160, 0)).save(out, "PNG")
    return out.getvalue()


def test_the_free_button_appears_after_the_ad_and_a_post_before_it_is_refused(
    browser, free_venue, session_factory, radius
):
    from hotspot.services.ads import add_banner

    with transaction(session_factory) as s:
        owner = s.get(Owner, free_venue.owner.id)
        update_settings(s, owner, {"guest_identification": "off", "ad_delay": "4"})
        add_banner(s, owner, "sale", _png(), "https://shop.example/sale")
    page = browser.new_context().new_page()
    arrive(page, free_venue, "02:AA:BB:CC:71:01")
    assert page.locator("#ad-image").is_visible()
    assert page.locator("#free-button").is_hidden()
    assert "4" in page.inner_text("#ad-wait")
    # Skipping the script: the same form posted at once is refused by the server.
    status = page.evaluate(
        """async () => {
            const form = document.getElementById("free-form");
            const body = new FormData(form);
            const r = await fetch(form.action, {method: "POST", body: body});
            return [r.status, await r.text()];
        }"""
    )
    assert status[0] == 422 and "more seconds" in status[1]
    # Tapping the banner before login stays on the portal: the link is for later.
    page.route(
        "https://shop.example/**",
        lambda route: route.fulfill(
            body="<p id=shop>Sale</p>", content_type="text/html"
        ),
    )
    page.click("#ad-link")
    page.wait_for_selector("#ad-later")
    assert page.url.startswith("http://127.0.0.1")
    page.wait_for_selector("#free-button", state="visible", timeout=8000)
    assert page.locator("#ad-wait").is_hidden()
    press_free(page)
    # Online, the router's redirect brings the guest to the advertiser's page.
    mac = "02:AA:BB:CC:71:01"
    wait_for_login(page, free_venue.sim, mac, "https://shop.example/sale", radius)
    assert page.inner_text("#shop") == "Sale"
    with session_factory() as s:
        online = s.scalar(
            select(Voucher).where(Voucher.guest_identity == "mac:02:AA:BB:CC:71:01")
        )
        assert online is not None and online.guest_reset_at is not None
    page.context.close()
