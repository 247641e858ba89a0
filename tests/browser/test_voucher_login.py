"""A guest logs in with a voucher through the router simulator, in headless Chromium."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from hotspot.db import transaction
from hotspot.models import LoginTicket, RadiusSession
from tests import factories

from .router_login import join_wifi, login_pages, router_report, wait_for_login

pytestmark = pytest.mark.browser

MAC = "02:AA:BB:CC:DD:01"


def _arrive(page, simulator, mac: str) -> None:
    """The guest joins the WiFi and opens a page: the router redirects to the portal."""
    join_wifi(page, simulator, mac, "/news")
    page.wait_for_selector("#phone-form")
    # One login page, whose CHAP challenge the portal answers: no other page of
    # the router's could have made it stale.
    assert login_pages(simulator, mac) == 1, router_report(simulator, mac)
    page.click("#voucher-section summary")


def test_voucher_login_through_the_router(
    page, simulator, venues, settings, session_factory, radius
):
    with transaction(session_factory) as s:
        v = factories.voucher(
            s,
            venues["a"].owner,
            settings.pin_key,
            time="60m",
            data="100MB",
            rate="2M/2M",
        )
    _arrive(page, simulator, MAC)
    page.fill("#code", v.code)
    page.fill("#pin", v.pin)
    page.click("#voucher-form button[type=submit]")
    # The portal posts the ticket back to the router, which asks FreeRADIUS and
    # then lets the guest through to the page they wanted.
    wait_for_login(page, simulator, MAC, f"{simulator.url}/news", radius)
    assert "Online" in page.content()

    with session_factory() as s:
        ticket = s.scalar(select(LoginTicket).where(LoginTicket.username == v.code))
        assert ticket is not None and ticket.mac == MAC and ticket.used_at is not None
    # The router reports the session: accounting reaches the database via the spool.
    deadline = time.monotonic() + 10
    row = None
    while time.monotonic() < deadline and row is None:
        with session_factory() as s:
            row = s.scalar(
                select(RadiusSession).where(RadiusSession.username == v.code)
            )
        time.sleep(0.2)
    assert row is not None and row.mac == MAC


def test_wrong_pin_shows_the_reason(page, simulator, venues, settings, session_factory):
    with transaction(session_factory) as s:
        v = factories.voucher(s, venues["a"].owner, settings.pin_key, time="60m")
    _arrive(page, simulator, "02:AA:BB:CC:DD:02")
    page.fill("#code", v.code)
    page.fill("#pin", "000000" if v.pin != "000000" else "111111")
    page.click("#voucher-form button[type=submit]")
    assert page.locator("#error").inner_text() == "Wrong PIN."
    page.fill("#code", "1234567890")
    page.fill("#pin", "123456")
    page.click("#voucher-form button[type=submit]")
    assert page.locator("#error").inner_text() == "Unknown voucher code."
