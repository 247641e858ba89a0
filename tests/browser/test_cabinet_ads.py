"""A banner uploaded from the cabinet in headless Chromium: with its dates and
router, shown on the ads page with its preview; a file that is not an image is
refused with a message saying so, and the typed fields stay."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from hotspot.db import transaction
from hotspot.models import AdBanner
from tests import factories

from .test_cabinet import PHONE, _account, _login, shots  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 100), (0, 120, 60)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def ad_owner(session_factory):
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner)
        factories.router(s, owner)
    return owner, router


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_banner_upload_from_the_cabinet(
    page,
    portal_url,
    session_factory,
    ad_owner,
    tmp_path,
    shots,  # noqa: F811
):
    owner, router = ad_owner
    email, _ = _account(session_factory, owner)
    _login(page, portal_url, email)
    page.goto(f"{portal_url}/cabinet/ads")
    text = tmp_path / "banner.png"
    text.write_text("this is a letter, not a picture")
    page.fill("#name", "Plov night")
    page.fill("#link", "https://plov.example/")
    page.set_input_files("#image", str(text))
    page.click("#add-ad")
    error = page.locator(".flash-error")
    assert "not an image" in error.inner_text()
    assert page.input_value("#name") == "Plov night"
    page.screenshot(path=str(shots / "ads-refused.png"), full_page=True)

    image = tmp_path / "plov.png"
    image.write_bytes(_png())
    page.set_input_files("#image", str(image))
    page.fill("#starts", "2026-12-10")
    page.fill("#ends", "2026-12-31")
    page.select_option("#routers", router.nas_identifier)
    page.click("#add-ad")
    page.wait_for_selector("table#ads")
    assert "Banner added." in page.inner_text("body")
    with session_factory() as s:
        (banner,) = s.scalars(select(AdBanner).where(AdBanner.owner_id == owner.id))
    assert (banner.name, banner.router_ids) == ("Plov night", [router.id])
    assert (banner.width, banner.height) == (320, 100)
    row = page.locator(f"#ad-{banner.id}")
    assert "Plov night" in row.inner_text()
    loaded = row.locator("img").evaluate("img => img.complete && img.naturalWidth")
    assert loaded == 320
    assert page.input_value(f"#ad{banner.id}-starts") == "2026-12-10"
    assert page.input_value(f"#ad{banner.id}-ends") == "2026-12-31"
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / "ads.png"), full_page=True)
