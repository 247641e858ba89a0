"""Printed voucher cards: the sheet an operator prints (HTML in Chromium, and the PDF
for print shops) has N cards a page, and each card's QR code, as a phone camera reads
it, opens the portal's login with that card's number. A guest who scans it before
joining the WiFi finds the number filled in once the router sends them to the portal.
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest

from hotspot.cards import CardSheet, render_html, render_pdf
from hotspot.crypto import PinCipher
from hotspot.db import transaction
from hotspot.services.vouchers import batch_sheet, generate_vouchers
from tests import factories

from .router_login import join_wifi, wait_for_login

pytestmark = pytest.mark.browser

CARDS = 13


@pytest.fixture(scope="module")
def batch(session_factory, settings, venues) -> tuple[int, dict[str, str]]:
    """A committed batch of venue A: (batch id, {code: PIN})."""
    with transaction(session_factory) as s:
        owner = s.merge(venues["a"].owner)
        tariff = factories.tariff(s, owner, time="2h", data="1GB", rate="2M/4M")
        issued = generate_vouchers(
            s, owner, tariff, CARDS, PinCipher(settings.pin_key), face_value="10000"
        )
    return issued[0].voucher.batch_id, {i.code: i.pin for i in issued}


def sheet_of(
    session_factory, settings, venues, batch, portal_url, per_page
) -> CardSheet:
    with session_factory() as s:
        return batch_sheet(
            s,
            s.merge(venues["a"].owner),
            batch[0],
            PinCipher(settings.pin_key),
            portal_url,
            per_page,
        )


def qr_codes(image: Path) -> list[str]:
    """What a phone camera reads in the image (zbar, as Debian ships it)."""
    proc = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert proc.returncode in (0, 4), proc.stderr  # 4: no code found
    return proc.stdout.splitlines()


def pdf_pages(path: Path) -> int:
    info = subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    pages = next(ln for ln in info.splitlines() if ln.startswith("Pages:"))
    return int(pages.split()[1])


def test_each_printed_card_scans_to_its_login_link(
    browser, session_factory, settings, venues, batch, portal_url, tmp_path
) -> None:
    sheet = sheet_of(session_factory, settings, venues, batch, portal_url, 10)
    assert {c.code: c.pin for c in sheet.cards} == batch[1]
    context = browser.new_context(device_scale_factor=2)
    try:
        page = context.new_page()
        page.set_content(render_html(sheet))
        cards = page.locator(".card")
        assert cards.count() == CARDS
        for n in (0, CARDS - 1):
            card = sheet.cards[n]
            shot = tmp_path / f"card{n}.png"
            cards.nth(n).screenshot(path=str(shot))
            assert qr_codes(shot) == [f"{portal_url}/login?code={card.code}"]
            # ... and the card shows the number and the PIN to type.
            shown = cards.nth(n).inner_text()
            assert card.code in shown and card.pin in shown
    finally:
        context.close()


@pytest.mark.parametrize("per_page", [10, 4])
def test_the_sheet_prints_n_cards_a_page(
    browser, session_factory, settings, venues, batch, portal_url, tmp_path, per_page
) -> None:
    sheet = sheet_of(session_factory, settings, venues, batch, portal_url, per_page)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(render_html(sheet))
        pdf = tmp_path / "sheet.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    finally:
        context.close()
    assert pdf_pages(pdf) == math.ceil(CARDS / per_page)


def test_the_pdf_sheet_scans_too(
    session_factory, settings, venues, batch, portal_url, tmp_path
) -> None:
    sheet = sheet_of(session_factory, settings, venues, batch, portal_url, 10)
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(render_pdf(sheet))
    assert pdf_pages(pdf) == math.ceil(CARDS / 10)
    # Rendered as a printer would (300 dpi): each QR module is several dots wide.
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "300",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            "-png",
            str(pdf),
            str(tmp_path / "page1"),
        ],
        check=True,
        timeout=60,
    )
    found = qr_codes(tmp_path / "page1.png")
    assert sorted(found) == sorted(
        f"{portal_url}/login?code={c.code}" for c in sheet.cards[:10]
    )


def test_scanning_the_card_before_joining_the_wifi_fills_in_the_number(
    page, simulator, session_factory, settings, venues, batch, portal_url, radius
) -> None:
    code, pin = next(iter(batch[1].items()))
    link = f"{portal_url}/login?code={code}"
    # The phone opens the link over mobile data: the portal cannot log it in there.
    response = page.goto(link)
    assert response is not None and response.status == 400
    assert "connect through the venue's WiFi" in page.content()

    # Then the guest joins the WiFi and opens a page: the router sends them to the
    # portal, with the card number already there.
    join_wifi(page, simulator, "02:AA:BB:CC:DD:71", "/news")
    page.wait_for_selector("#phone-form")
    # The card section is open, the number typed in: only the PIN is left.
    assert page.locator("#voucher-section").get_attribute("open") is not None
    assert page.input_value("#code") == code
    page.fill("#pin", pin)
    page.click("#voucher-form button[type=submit]")
    wait_for_login(
        page, simulator, "02:AA:BB:CC:DD:71", f"{simulator.url}/news", radius
    )
    assert "Online" in page.content()
