"""The cabinet in headless Chromium, on a phone-sized screen: login with and
without TOTP, the sessions chart with data, blacklist CSV import, CSV export, and
screenshots of the main pages (saved under HOTSPOT_SCREENSHOTS, default a temporary
folder) to look at."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import uuid
from pathlib import Path

import pyotp
import pytest

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import RadiusSession
from hotspot.services.accounts import add_account, start_totp
from hotspot.services.stats import refresh_rollups
from tests import factories

pytestmark = pytest.mark.browser

PASSWORD = "browser test password"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(scope="module")
def shots() -> Path:
    path = Path(
        os.environ.get("HOTSPOT_SCREENSHOTS")
        or tempfile.mkdtemp(prefix="cabinet-shots-")
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def venue(session_factory):
    """An owner with a router and a day of sessions (rolled up)."""
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        owner.display_name = "Café Samarqand"
        router = factories.router(s, owner)
        now = utcnow()
        for i in range(30):
            start = now - dt.timedelta(hours=i % 20, minutes=i)
            s.add(
                RadiusSession(
                    router_id=router.id,
                    acct_session_id=uuid.uuid4().hex[:12],
                    username=f"99890{i % 7:07d}",
                    mac=f"02:00:00:00:00:{i:02X}",
                    framed_ip=f"10.5.50.{i + 2}",
                    started_at=start,
                    updated_at=start,
                    stopped_at=None if i < 5 else start + dt.timedelta(minutes=30),
                    session_time=1800,
                    input_octets=10_000_000 * (i + 1),
                    output_octets=40_000_000 * (i + 1),
                )
            )
        s.flush()
        refresh_rollups(s, now, since=now - dt.timedelta(days=2))
        factories.tariff(s, owner, time="60m", data="500MB")
    return owner


def _account(session_factory, owner, totp: bool = False) -> tuple[str, str | None]:
    email = f"owner-{uuid.uuid4().hex[:6]}@example.com"
    with transaction(session_factory) as s:
        account = add_account(s, email, "owner", PASSWORD, s.merge(owner))
        secret = None
        if totp:
            secret = start_totp(s, account).secret
            account.totp_enabled = True
    return email, secret


def _login(page, portal_url, email):
    page.goto(f"{portal_url}/cabinet/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#login")


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_login_and_the_sessions_chart(page, portal_url, session_factory, venue, shots):
    email, _ = _account(session_factory, venue)
    _login(page, portal_url, email)
    page.wait_for_selector("#chart-sessions svg")
    assert page.inner_text("#total-sessions") == "30"
    bars = page.eval_on_selector_all(
        "#chart-sessions rect.bar", "els => els.map(e => +e.dataset.value)"
    )
    assert sum(bars) == 30 and max(bars) > 0
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
    page.select_option("#unit", "hour")
    page.click("#filters button")
    page.wait_for_selector("#chart-sessions svg")
    page.screenshot(path=str(shots / "dashboard-hours.png"), full_page=True)
    # Nothing blocked by the Content-Security-Policy, nothing wider than the phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    for name in (
        "sessions",
        "bandwidth",
        "sms",
        "blacklist",
        "cards",
        "routers",
        "settings",
    ):
        page.goto(f"{portal_url}/cabinet/{name}")
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert page.locator("#live").count() == 0  # the settings page now
    page.goto(f"{portal_url}/cabinet/sessions")
    assert page.locator("#live tbody tr").count() == 5


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_login_with_totp(page, portal_url, session_factory, venue, shots):
    email, secret = _account(session_factory, venue, totp=True)
    _login(page, portal_url, email)
    page.wait_for_selector("#code")
    page.screenshot(path=str(shots / "login-code.png"))
    page.fill("#code", "000000")
    page.click("#verify")
    assert "Wrong code" in page.inner_text("main")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("#verify")
    page.wait_for_selector("#chart-sessions")
    assert page.url.rstrip("/").endswith("/cabinet")


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_enrol_totp_from_the_qr_page(page, portal_url, session_factory, venue, shots):
    email, _ = _account(session_factory, venue)
    _login(page, portal_url, email)
    page.goto(f"{portal_url}/cabinet/security")
    secret = page.inner_text("#totp-secret")
    page.screenshot(path=str(shots / "security.png"), full_page=True)
    assert page.evaluate("document.querySelector('main img').naturalWidth") > 0
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("#enable-totp")
    assert page.locator("#disable-totp").count() == 1


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_blacklist_import_and_csv_export(
    page, portal_url, session_factory, venue, tmp_path, shots
):
    email, _ = _account(session_factory, venue)
    _login(page, portal_url, email)
    page.goto(f"{portal_url}/cabinet/blacklist")
    upload = tmp_path / "phones.csv"
    upload.write_text("phone,reason\n+998 90 700 00 01,spam\n998907000002,abuse\n")
    page.set_input_files("#file", str(upload))
    page.click("#import")
    page.wait_for_selector("#blacklist")
    assert "Imported 2 phone numbers." in page.inner_text("main")
    assert page.locator("#blacklist tbody tr").count() == 2
    page.screenshot(path=str(shots / "blacklist-imported.png"), full_page=True)
    with page.expect_download() as info:
        page.click("a.csv")
    text = Path(info.value.path()).read_text()
    assert text.splitlines()[0] == "phone,reason,since"
    assert "998907000001,spam" in text and "998907000002,abuse" in text


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_operator_admin_on_a_phone(page, portal_url, session_factory, venue, shots):
    email = f"op-{uuid.uuid4().hex[:6]}@example.com"
    with transaction(session_factory) as s:
        add_account(s, email, "operator", PASSWORD, None)
    page.goto(f"{portal_url}/admin/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_selector("#health")
    page.screenshot(path=str(shots / "admin.png"), full_page=True)
    page.goto(f"{portal_url}/admin/owners/{venue.id}")
    page.screenshot(path=str(shots / "admin-owner.png"), full_page=True)
    assert "Café Samarqand" in page.inner_text("main")
    page.goto(f"{portal_url}/admin/routers")
    assert page.locator("#routers tbody tr").count() >= 1
