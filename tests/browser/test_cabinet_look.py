"""The portal look's live preview in headless Chromium: typing in the form changes
the guest page in the preview frame, with nothing blocked by the CSP."""

from __future__ import annotations

import pytest

from tests.browser.test_cabinet import PHONE, _account, _login, shots, venue  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_the_preview_follows_the_form(page, portal_url, session_factory, venue, shots):  # noqa: F811
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: (
            blocked.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    email, _ = _account(session_factory, venue)
    _login(page, portal_url, email)
    page.wait_for_selector("#chart-sessions")
    page.goto(f"{portal_url}/cabinet/look")
    frame = page.frame_locator("#preview")
    frame.locator("h1").wait_for()
    assert frame.locator("h1").inner_text() == "Café Samarqand"
    # The script hides the no-script button: the preview follows by itself.
    assert page.locator("#refresh-preview").is_hidden()
    page.fill("#welcome_text", "Welcome to the terrace!")
    frame.locator("#welcome").wait_for()
    assert frame.locator("#welcome").inner_text() == "Welcome to the terrace!"
    page.fill("#display_name", "Samarqand Terrace")
    page.wait_for_function(
        "() => document.querySelector('#preview').contentDocument"
        "?.querySelector('h1')?.textContent === 'Samarqand Terrace'"
    )
    page.eval_on_selector(
        "#accent_color",
        "e => { e.value = '#aa3300';"
        " e.dispatchEvent(new Event('input', {bubbles: true})); }",
    )
    page.wait_for_function(
        "() => { const b = document.querySelector('#preview').contentDocument"
        "?.querySelector('button');"
        " return !!b && getComputedStyle(b).backgroundColor === 'rgb(170, 51, 0)'; }"
    )
    page.screenshot(path=str(shots / "look.png"), full_page=True)
    assert not blocked, blocked
    # Nothing saved until "Save".
    page.reload()
    assert page.input_value("#display_name") == "Café Samarqand"
    page.fill("#display_name", "Samarqand Terrace")
    page.click("#save")
    page.wait_for_selector(".flash")
    assert page.input_value("#display_name") == "Samarqand Terrace"


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_the_new_pages_fit_a_phone(page, portal_url, session_factory, venue, shots):  # noqa: F811
    """Registrations, document logins, staff, onboarding, SMS cost: nothing wider
    than the phone (screenshots to look at)."""
    from hotspot.models import Router

    email, _ = _account(session_factory, venue)
    _login(page, portal_url, email)
    page.wait_for_selector("#chart-sessions")
    with session_factory() as s:
        from sqlalchemy import select

        router_id = s.scalar(select(Router.id).where(Router.owner_id == venue.id))
    for name in (
        "registrations",
        "documents",
        "staff",
        f"routers/{router_id}/onboarding",
        "sms",
    ):
        page.goto(f"{portal_url}/cabinet/{name}")
        page.screenshot(
            path=str(shots / f"{name.replace('/', '-')}.png"), full_page=True
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
