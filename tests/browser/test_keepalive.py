"""Keep-alive in headless Chromium: a keepalive card lands on the portal's status
page after login (once the router's accounting is in, it shows the session), and
the page pings by itself at the interval it asks for; hidden behind another tab it
still pings, frozen it does not, and it pings as soon as it runs again."""

from __future__ import annotations

import os
import time

import pytest

from hotspot.db import transaction
from tests import factories

from .router_login import (
    arrival_url,
    explained,
    join_wifi,
    tab_shown,
    wait_for_login,
)

pytestmark = pytest.mark.browser

MAC = "02:AA:BB:CC:DD:7A"
MAC_HIDDEN = "02:AA:BB:CC:DD:7B"
OPEN_SECONDS = 45


def test_a_keepalive_card_lands_on_the_status_page_which_pings(
    page, simulator, venues, settings, session_factory, portal_url, radius
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
    join_wifi(page, simulator, MAC, "/news")
    page.wait_for_selector("#phone-form")
    page.click("#voucher-section summary")
    page.fill("#code", v.code)
    page.fill("#pin", v.pin)
    page.click("#voucher-form button[type=submit]")
    wait_for_login(page, simulator, MAC, f"{portal_url}/status", radius)
    # Until the router's Accounting-Start is stored it says "Connecting…".
    page.wait_for_selector("text=You are online")
    assert page.locator("#logout").get_attribute("href") == f"{simulator.url}/logout"

    # Under Playwright a tab stays "visible" even behind another one: here only
    # the page pinging on its own at the interval it asks for; hidden and frozen
    # in the next test, without Playwright.
    start = time.monotonic()
    page.wait_for_timeout(OPEN_SECONDS * 1000)
    visible = [round(t - start, 1) for t in pings if t > start]
    gaps = [b - a for a, b in zip([0.0, *visible], visible, strict=False)]
    assert len(visible) >= 2 and max(gaps) < 22, visible
    print(f"pings at {visible} s")


#: How long the status page stays behind another tab. Chromium's intensive
#: throttling (a wake-up a minute) starts after 5 minutes hidden: set
#: HOTSPOT_KEEPALIVE_HIDDEN_SECONDS=420 to see it (README: "Keep-alive").
HIDDEN_SECONDS = int(os.environ.get("HOTSPOT_KEEPALIVE_HIDDEN_SECONDS", "45"))
FROZEN_SECONDS = 30


def _log_in_with_the_card(tab, simulator, portal_url, card, radius) -> None:
    tab.goto(arrival_url(simulator, MAC_HIDDEN, "/news"))
    tab.wait_for("!!document.querySelector('#voucher-form')")
    tab.eval(
        "document.querySelector('#voucher-section').open = true;"
        f"document.querySelector('#code').value = {card.code!r};"
        f"document.querySelector('#pin').value = {card.pin!r};"
        "document.querySelector('#voucher-form button[type=submit]').click()"
    )
    with explained(simulator, MAC_HIDDEN, tab_shown(tab), radius):
        tab.wait_for(f"location.href === {portal_url + '/status'!r}")
    tab.wait_for("document.body.innerText.includes('You are online')", timeout=20)


def test_a_hidden_then_frozen_status_page(
    simulator, venues, settings, session_factory, portal_url, radius
):
    """The page really hidden (another tab in front) keeps pinging, its timers
    throttled; frozen (a phone's screen off) it sends nothing, and pings at once
    when it runs again. What the default grace must cover is the frozen time."""
    from .cdp import Chromium

    with transaction(session_factory) as s:
        owner = s.merge(venues["a"].owner)
        tariff = factories.tariff(s, owner, time="1h", data="100MB")
        tariff.keepalive = True
        card = factories.voucher(s, owner, settings.pin_key, tariff)
    chromium = Chromium()
    try:
        tab = chromium.open("about:blank")
        _log_in_with_the_card(tab, simulator, portal_url, card, radius)

        def pings() -> list[float]:
            return tab.requests(lambda url: url.endswith("/status/ping"))

        chromium.open("about:blank")  # in front: the status page is hidden
        assert tab.eval("document.visibilityState") == "hidden"
        hidden_at = time.time()
        tab.idle(HIDDEN_SECONDS)
        hidden = [round(t - hidden_at, 1) for t in pings() if t > hidden_at]
        gaps = [b - a for a, b in zip([0.0, *hidden], hidden, strict=False)]
        print(f"hidden {HIDDEN_SECONDS} s: pings at {hidden} s")
        # At most the interval and a minute's alignment (intensive throttling).
        assert hidden and max(gaps) <= 20 + 61, hidden

        tab.send("Page.setWebLifecycleState", {"state": "frozen"})
        frozen_at = time.time()
        tab.idle(FROZEN_SECONDS)
        assert [t for t in pings() if t > frozen_at] == []
        resumed_at = time.time()
        tab.send("Page.setWebLifecycleState", {"state": "active"})
        tab.idle(2)
        after = [round(t - resumed_at, 1) for t in pings() if t > resumed_at]
        print(f"frozen {FROZEN_SECONDS} s: no ping; after it, pings at {after} s")
        assert after and after[0] < 0.5, after
    finally:
        chromium.close()
