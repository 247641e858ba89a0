"""The live-sessions page in headless Chromium: a guest logged in through the
router simulator shows up; the owner changes its speed and then disconnects it
with the page's buttons; the scheduler's send job delivers each to the simulator's
incoming RADIUS, and the page shows what the outbox recorded."""

from __future__ import annotations

import uuid

import pytest

from hotspot.db import transaction
from hotspot.services.accounts import add_account
from tests import factories
from tests.routers.conftest import (  # noqa: F401 (fixtures)
    run_named_job,
    scheduler_factory,
    sim_venue,
    wait_stored,
)

pytestmark = pytest.mark.browser

PASSWORD = "browser test password"


def test_speed_and_disconnect_from_the_page(
    page,
    portal_url,
    sim_venue,  # noqa: F811
    settings,
    session_factory,
    scheduler_factory,  # noqa: F811
):
    venue = sim_venue()
    with transaction(session_factory) as s:
        owner = s.merge(venue.owner)
        card = factories.voucher(s, owner, settings.pin_key, time="1h", rate="2M/2M")
        email = f"owner-{uuid.uuid4().hex[:6]}@example.com"
        add_account(s, email, "owner", PASSWORD, owner)
    online = venue.login(card)
    row_id = wait_stored(session_factory, venue.router, online.session_id).id
    page.goto(f"{portal_url}/cabinet/sessions")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#login")
    row = page.locator(f'tr[data-session="{row_id}"]')
    row.wait_for()
    assert card.code in row.inner_text()

    row.locator('input[name="rate"]').fill("1M/3M")
    row.locator("button", has_text="Change speed").click()
    page.wait_for_selector(".flash")
    assert "Speed 1M/3M: queued" in row.locator(".state").inner_text()
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.sim.coa.received[-1].attributes["Mikrotik-Rate-Limit"] == ["1M/3M"]
    page.reload()
    assert "Speed 1M/3M: sent (ack)" in row.locator(".state").inner_text()

    row.locator("button", has_text="Disconnect").click()
    page.wait_for_selector(".flash")
    assert "Disconnect: queued" in row.locator(".state").inner_text()
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.sim.coa.received[-1].code == 40  # Disconnect-Request
    assert venue.nas.get_session(online.session_id) is None
    # No reload by the test: the page refreshes by itself (every 30 s), and the
    # session the router ended (its Accounting-Stop stored) is no longer listed.
    page.wait_for_event("load", timeout=45_000)
    page.wait_for_selector("h1")
    assert page.locator(f'tr[data-session="{row_id}"]').count() == 0
