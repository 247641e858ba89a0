"""Printable voucher cards: an A4 HTML sheet and a PDF of the same, each card with the
venue, the tariff, the card number, the PIN and a QR code that opens the portal with
the card number filled in."""

from __future__ import annotations

import functools
import html
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import segno

from .units import format_duration, format_size

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Card:
    code: str
    pin: str


#: The words printed on a card, per guest language (the HTML sheet, and the PDF in
#: DejaVu Sans, which has Cyrillic: :data:`PDF_FONTS`).
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "card": "Card",
        "pin": "PIN",
        "hint": "Join the WiFi, open any page, enter card and PIN, or scan the code.",
        "cards": "cards",
    },
    "ru": {
        "card": "Карта",
        "pin": "PIN",
        "hint": "Подключитесь к WiFi, откройте любую страницу, введите карту и PIN "
        "или отсканируйте код.",
        "cards": "карты",
    },
    "uz": {
        "card": "Karta",
        "pin": "PIN",
        "hint": "WiFi’ga ulaning, istalgan sahifani oching, karta va PIN’ni kiriting "
        "yoki kodni skanerlang.",
        "cards": "kartalar",
    },
    "uz_Cyrl": {
        "card": "Карта",
        "pin": "PIN",
        "hint": "WiFi’га уланинг, исталган саҳифани очинг, карта ва PIN’ни киритинг "
        "ёки кодни сканерланг.",
        "cards": "карталар",
    },
}
HTML_LANG = {"en": "en", "ru": "ru", "uz": "uz", "uz_Cyrl": "uz-Cyrl"}


#: The PDF's fonts (Debian's fonts-dejavu-core, installed by scripts/install.sh):
#: Latin and Cyrillic. Registered with reportlab under these names.
PDF_FONTS = {
    "DejaVuSans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "DejaVuSans-Bold": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "DejaVuSansMono-Bold": "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
}
#: reportlab's built-in fonts (no Cyrillic), where DejaVu is not installed.
_BUILT_IN = {
    "DejaVuSans": "Helvetica",
    "DejaVuSans-Bold": "Helvetica-Bold",
    "DejaVuSansMono-Bold": "Courier-Bold",
}


@functools.cache
def pdf_fonts() -> dict[str, str]:
    """Our font name -> the name registered with reportlab: DejaVu where installed;
    else the built-in fonts (and the sheet in English, log warned)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if not all(Path(path).is_file() for path in PDF_FONTS.values()):
        log.warning(
            "card PDFs: DejaVu fonts not found (%s), printing in English with "
            "built-in fonts; install fonts-dejavu-core",
            ", ".join(PDF_FONTS.values()),
        )
        return dict(_BUILT_IN)
    for name, path in PDF_FONTS.items():
        pdfmetrics.registerFont(TTFont(name, path))
    return {name: name for name in PDF_FONTS}


@dataclass(frozen=True)
class CardSheet:
    venue: str
    tariff: str
    #: "60 min · 100 MB · 2M/2M"
    summary: str
    portal_url: str
    cards: Sequence[Card]
    per_page: int = 10
    price: str = ""
    #: The guests' language (a key of WORDS).
    language: str = "en"

    def login_link(self, card: Card) -> str:
        return f"{self.portal_url.rstrip('/')}/login?{urlencode({'code': card.code})}"


def tariff_summary(
    time_limit: int | None,
    data_limit: int | None,
    rate_limit: str | None,
    validity: int | None,
) -> str:
    parts = []
    if time_limit:
        parts.append(format_duration(time_limit))
    if data_limit:
        parts.append(format_size(data_limit))
    if rate_limit:
        parts.append(rate_limit.split(" ")[0])
    if validity:
        parts.append(f"valid {format_duration(validity)}")
    return " · ".join(parts) or "unlimited"


_CSS = """
@page { size: A4; margin: 10mm; }
body { font-family: DejaVu Sans, Arial, sans-serif; margin: 0; }
.page { display: grid; grid-template-columns: 1fr 1fr; gap: 4mm;
        page-break-after: always; }
.page:last-child { page-break-after: auto; }
.card { border: 1px dashed #888; border-radius: 3mm; padding: 4mm; height: 50mm;
        box-sizing: border-box;
        display: grid; grid-template-columns: 1fr 30mm; gap: 3mm; overflow: hidden; }
.venue { font-weight: bold; font-size: 13pt; }
.tariff { font-size: 9pt; color: #333; margin: 1mm 0 3mm; }
.label { font-size: 7pt; text-transform: uppercase; color: #666; }
.code, .pin { font-family: DejaVu Sans Mono, monospace; font-size: 15pt;
              letter-spacing: .5mm; }
.pin { background: #eee; padding: 0 1mm; }
.qr svg { width: 30mm; height: 30mm; }
.hint { font-size: 7pt; color: #555; }
"""


def render_html(sheet: CardSheet) -> str:
    """The print sheet: N cards per A4 page, two columns, cut lines dashed."""
    esc = html.escape
    words = WORDS.get(sheet.language, WORDS["en"])
    pages = []
    for start in range(0, len(sheet.cards), sheet.per_page):
        cells = []
        for card in sheet.cards[start : start + sheet.per_page]:
            qr = segno.make(sheet.login_link(card), error="m").svg_inline(
                scale=3, border=1
            )
            cells.append(
                f'<div class="card" data-code="{esc(card.code)}">'
                f'<div><div class="venue">{esc(sheet.venue)}</div>'
                f'<div class="tariff">{esc(sheet.tariff)} — {esc(sheet.summary)}'
                f"{' · ' + esc(sheet.price) if sheet.price else ''}</div>"
                f'<div class="label">{esc(words["card"])}</div>'
                f'<div class="code">{esc(card.code)}</div>'
                f'<div class="label">{esc(words["pin"])}</div>'
                f'<div class="pin">{esc(card.pin)}</div>'
                f'<div class="hint">{esc(words["hint"])}</div></div>'
                f'<div class="qr" title="{esc(sheet.login_link(card))}">{qr}</div>'
                "</div>"
            )
        pages.append(f'<section class="page">{"".join(cells)}</section>')
    return (
        f'<!doctype html><html lang="{HTML_LANG.get(sheet.language, "en")}">'
        '<head><meta charset="utf-8">'
        f"<title>{esc(sheet.venue)} — {esc(sheet.tariff)} {esc(words['cards'])}</title>"
        f"<style>{_CSS}</style></head><body>{''.join(pages)}</body></html>"
    )


def _hint(pdf: Any, text: str, x: float, y: float, width: float) -> None:
    """The card's hint, in two short lines at the bottom left."""
    from reportlab.lib.utils import simpleSplit

    font = pdf_fonts()["DejaVuSans"]
    lines = simpleSplit(text, font, 5, width)[:2]
    pdf.setFont(font, 5)
    for n, line in enumerate(lines):
        pdf.drawString(x, y + (len(lines) - 1 - n) * 6, line)


def render_pdf(sheet: CardSheet) -> bytes:
    """The same sheet as a PDF (reportlab), for print shops."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    fonts = pdf_fonts()
    cyrillic = fonts["DejaVuSans"] == "DejaVuSans"
    words = WORDS.get(sheet.language if cyrillic else "en", WORDS["en"])
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle(f"{sheet.venue} — {sheet.tariff} cards")
    width, height = A4
    margin, gap = 10 * mm, 4 * mm
    card_w = (width - 2 * margin - gap) / 2
    card_h = 50 * mm
    for index, card in enumerate(sheet.cards):
        slot = index % sheet.per_page
        if index and slot == 0:
            pdf.showPage()
        col, row = slot % 2, slot // 2
        x = margin + col * (card_w + gap)
        y = height - margin - (row + 1) * card_h - row * gap
        pdf.setDash(3, 2)
        pdf.roundRect(x, y, card_w, card_h, 3 * mm)
        pdf.setDash()
        pdf.setFont(fonts["DejaVuSans-Bold"], 12)
        pdf.drawString(x + 4 * mm, y + card_h - 9 * mm, sheet.venue[:40])
        pdf.setFont(fonts["DejaVuSans"], 8)
        pdf.drawString(
            x + 4 * mm, y + card_h - 14 * mm, f"{sheet.tariff} - {sheet.summary}"[:60]
        )
        pdf.setFont(fonts["DejaVuSans"], 6)
        pdf.drawString(x + 4 * mm, y + card_h - 21 * mm, words["card"].upper())
        pdf.drawString(x + 4 * mm, y + card_h - 33 * mm, words["pin"].upper())
        _hint(pdf, words["hint"], x + 4 * mm, y + 5 * mm, card_w - 38 * mm)
        pdf.setFont(fonts["DejaVuSansMono-Bold"], 14)
        pdf.drawString(x + 4 * mm, y + card_h - 27 * mm, card.code)
        pdf.drawString(x + 4 * mm, y + card_h - 39 * mm, card.pin)
        qr = QrCodeWidget(sheet.login_link(card))
        x0, y0, x1, y1 = qr.getBounds()
        size = 30 * mm
        drawing = Drawing(
            size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0]
        )
        drawing.add(qr)
        renderPDF.draw(
            drawing, pdf, x + card_w - size - 4 * mm, y + (card_h - size) / 2
        )
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
