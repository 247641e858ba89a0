"""A guest whose browser speaks Russian gets the portal in Russian, switches to
Uzbek (Latin) and sees a wrong PIN explained in Uzbek, through the router simulator
in headless Chromium."""

from __future__ import annotations

import pytest

from hotspot.db import transaction
from tests import factories

from .router_login import join_wifi

pytestmark = pytest.mark.browser

MAC = "02:AA:BB:CC:DD:41"


@pytest.mark.parametrize("page", [{"locale": "ru-RU"}], indirect=True)
def test_language_switch_and_a_translated_error(
    page, simulator, venues, settings, session_factory
):
    with transaction(session_factory) as s:
        v = factories.voucher(s, venues["a"].owner, settings.pin_key, time="60m")
    # The guest joins the WiFi and opens a page: the router sends them to the portal.
    join_wifi(page, simulator, MAC, "/news")
    page.wait_for_selector("#phone-form")

    # Chromium's ru-RU locale sends Accept-Language: ru-RU.
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("#phone-title").inner_text() == "Вход по номеру телефона"
    assert page.locator("#voucher-section summary").inner_text() == (
        "У меня есть карта (ваучер)"
    )
    switch = page.get_by_role("navigation", name="Язык")
    assert (
        switch.get_by_role("link", name="Русский").get_attribute("aria-current")
        == "true"
    )

    # The switch: the same login page, in Uzbek, still for this device and router.
    switch.get_by_role("link", name="Oʻzbekcha").click()
    page.wait_for_url("**/login?lang=uz")
    assert page.locator("html").get_attribute("lang") == "uz"
    assert page.locator("#phone-title").inner_text() == "Telefon raqami orqali kirish"
    assert page.get_by_role("navigation", name="Til").is_visible()

    page.click("#voucher-section summary")
    assert page.locator("label[for=code]").inner_text() == "Karta raqami"
    page.fill("#code", v.code)
    page.fill("#pin", "000000" if v.pin != "000000" else "111111")
    page.click("#voucher-form button[type=submit]")
    error = page.get_by_role("alert")
    assert error.inner_text() == "PIN-kod notoʻgʻri."
    assert page.locator("#error").inner_text() == "PIN-kod notoʻgʻri."
    # The choice sticks for the next page although the browser still asks for ru-RU.
    assert page.locator("html").get_attribute("lang") == "uz"
    assert page.locator("#voucher-form button[type=submit]").inner_text() == "Ulanish"
