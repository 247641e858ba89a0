"""The card print sheet in the guests' language."""

from __future__ import annotations

import pytest

from hotspot.cards import WORDS, Card, CardSheet, render_html


def sheet(language: str) -> CardSheet:
    return CardSheet(
        venue="Café",
        tariff="1h",
        summary="1h",
        portal_url="https://wifi.example.uz",
        cards=[Card("1234567890", "4321")],
        language=language,
    )


@pytest.mark.parametrize(
    ("language", "lang", "word"),
    [("en", "en", "Card"), ("ru", "ru", "Карта"), ("uz", "uz", "Karta"),
     ("uz_Cyrl", "uz-Cyrl", "сканерланг")],
)  # fmt: skip
def test_sheet_speaks_the_guests_language(language, lang, word):
    page = render_html(sheet(language))
    assert f'<html lang="{lang}">' in page and word in page
    assert WORDS[language]["hint"] in page


def test_every_language_has_every_word():
    assert all(WORDS[lang].keys() == WORDS["en"].keys() for lang in WORDS)
