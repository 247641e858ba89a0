"""The card print sheet in the guests' language."""

from __future__ import annotations

import pytest

from hotspot.cards import WORDS, Card, CardSheet, render_html, render_pdf


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


@pytest.mark.parametrize(
    ("language", "words"),
    [("ru", ["КАРТА", "Подключитесь", "отсканируйте"]),
     ("uz_Cyrl", ["КАРТА", "уланинг", "сканерланг"]),
     ("uz", ["KARTA", "ulaning"])],
)  # fmt: skip
def test_the_pdf_embeds_dejavu_and_its_text_reads_back(tmp_path, language, words):
    """Cyrillic in the PDF is real text in an embedded font (not boxes): what
    pdffonts lists and pdftotext reads back."""
    import subprocess

    cyrillic = CardSheet(
        venue="Кафе «Арома»",
        tariff="Час",
        summary="60 мин",
        portal_url="https://wifi.example.uz",
        cards=[Card("1234567890", "4321")],
        language=language,
    )
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(render_pdf(cyrillic))
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    embedded = [line.split() for line in fonts.splitlines() if "DejaVuSans" in line]
    assert {row[0].split("+")[-1] for row in embedded} >= {
        "DejaVuSans",
        "DejaVuSans-Bold",
        "DejaVuSansMono-Bold",
    }
    assert all(row[-5] == "yes" for row in embedded)  # the "emb" column
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Кафе «Арома»" in text and "Час - 60 мин" in text
    for word in words:
        assert word in text, (word, text)
    assert "1234567890" in text and "4321" in text
