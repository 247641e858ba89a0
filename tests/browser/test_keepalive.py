"""Keep-alive in headless Chromium: a keepalive card lands on the portal's status
page after login (once the router's accounting is in, it shows the session), and
the page pings by itself at the interval it asks for."""

from __future__ import annotations

import time

import pytest

from hotspot.db import transaction
from tests import factories

pytestmark = pytest.mark.browser

MAC = "02:AA:BB:CC:DD:7A"
OPEN_SECONDS = 45


def test_a_keepalive_card_lands_on_the_status_page_which_pings(
    page, simulator, venues, settings, session_factory, portal_url
):
    with transaction(session_factory) as s:
        owner = s.merge(venues["a"].owner)
        tariff = factories.tariff(s, owner, time="1h", data="100MB")
        tariff.keepalive = True
        v = factories.voucher(s, owner, settings.pin_key, tariff)
    pings: list[float] = []
    page.on(
        "request",
        lambda r: (
            pings.append(time.monotonic()) if r.url.endswith("/status/ping") else None
        ),
    )
    page.goto(f"{simulator.url}/_sim/device?mac={MAC}")
    page.goto(f"{simulator.url}/news")
    page.wait_for_selector("#phone-form")
    page.click("#voucher-section summary")
    page.fill("#code", v.code)
    page.fill("#pin", v.pin)
    page.click("#voucher-form button[type=submit]")
    page.wait_for_url(f"{portal_url}/status")
    # Until the router's Accounting-Start is stored it says "Connecting…".
    page.wait_for_selector("text=You are online")
    assert page.locator("#logout").get_attribute("href") == f"{simulator.url}/logout"

    # Headless Chromium keeps a tab "visible" even behind another one, so a
    # hidden page's throttling cannot be shown here: what is measured is the page
    # pinging on its own at the interval it asks for.
    start = time.monotonic()
    page.wait_for_timeout(OPEN_SECONDS * 1000)
    visible = [round(t - start, 1) for t in pings if t > start]
    gaps = [b - a for a, b in zip([0.0, *visible], visible, strict=False)]
    assert len(visible) >= 2 and max(gaps) < 22, visible
    print(f"pings at {visible} s")
