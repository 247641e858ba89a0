"""The core's errors on the cabinet's and the admin's pages: the English template
translated into the page's language with the values filled in
(portal.i18n.error_text), English where a translation is missing or does not fit
the values; ``exc.message`` stays the English text."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask
from PIL import Image

from hotspot.errors import DomainError, InvalidInput, NotFound
from hotspot.services.accounts import LoginRefused
from hotspot.services.ads import check_image
from hotspot.units import UnitError, parse_size
from hotspot.venues import BY_NAME, expected
from portal import i18n


def _app(translations: str = "translations") -> Flask:
    app = Flask("portal")  # root_path portal/, where translations/ is
    app.config["HOTSPOT_SETTINGS"] = SimpleNamespace(default_locale="en")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = translations
    i18n.init_app(app)
    return app


def _refusal(data: bytes) -> DomainError:
    with pytest.raises(InvalidInput) as caught:
        check_image(data)
    return caught.value


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def app() -> Flask:
    return _app()


def _in(app: Flask, locale: str, exc: DomainError) -> str:
    with app.test_request_context(f"/?lang={locale}"):
        return i18n.error_text(exc)


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("ru", "это не изображение: загрузите PNG, JPEG, WebP или GIF"),
        ("uz", "bu rasm emas: PNG, JPEG, WebP yoki GIF yuklang"),
        ("uz_Cyrl", "бу расм эмас: PNG, JPEG, WebP ёки GIF юкланг"),
        ("en", "not an image: upload PNG, JPEG, WebP or GIF"),
    ],
)
def test_a_core_error_in_the_page_language(app: Flask, locale: str, text: str) -> None:
    exc = _refusal(b"just some text, not an image")
    assert _in(app, locale, exc) == text
    assert exc.message == "not an image: upload PNG, JPEG, WebP or GIF"


def test_the_values_are_filled_into_the_translation(app: Flask) -> None:
    exc = _refusal(_png(5000, 10))
    assert exc.message == "the image is too large: at most 4096 pixels a side"
    assert exc.params == {"side": 4096}
    assert _in(app, "ru", exc) == (
        "изображение слишком большое: не более 4096 пикселей по стороне"
    )
    typed = NotFound("no router %(nas)r", nas="%(side)s <b>")
    assert typed.message == "no router '%(side)s <b>'"
    assert _in(app, "ru", typed) == "нет роутера '%(side)s <b>'"


def test_a_phrase_given_as_a_value_is_translated_too(app: Flask) -> None:
    """A settings error names what the setting expects: its own msgid."""
    exc = InvalidInput(
        "%(name)s: expected %(expected)s, got %(value)r",
        name="guest_access",
        expected=expected(BY_NAME["guest_access"].parse),
        value="maybe",
    )
    assert exc.message == "guest_access: expected on or off, got 'maybe'"
    assert _in(app, "ru", exc) == (
        "guest_access: ожидалось включено или выключено (on или off), получено 'maybe'"
    )
    with pytest.raises(UnitError) as caught:
        parse_size("lots")
    wrapped = InvalidInput(caught.value.text)
    assert (
        wrapped.message == str(caught.value) == ("not a size: 'lots' (try 500MB, 2GB)")
    )
    assert _in(app, "ru", wrapped) == "не объём: 'lots' (например, 500MB, 2GB)"


def test_the_pages_own_words_for_a_login_refusal(app: Flask) -> None:
    exc = LoginRefused("wrong e-mail or password")
    assert _in(app, "ru", exc) == "Неверная почта или пароль."
    assert _in(app, "en", exc) == "Wrong e-mail or password."


@pytest.fixture
def odd_app(tmp_path: Path) -> Iterator[Flask]:
    """A Russian catalog with one good translation, one whose placeholder is not
    the template's, and none for anything else."""
    catalog = Catalog(locale="ru")
    catalog.add("no router %(nas)r", "нет роутера %(nas)r")
    catalog.add(
        "the image is too large: at most %(side)s pixels a side",
        "изображение слишком большое: не более %(width)s пикселей",
    )
    folder = tmp_path / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as f:
        write_mo(f, catalog)
    yield _app(str(tmp_path))


def test_english_where_the_translation_is_missing_or_does_not_fit(
    odd_app: Flask,
) -> None:
    assert _in(odd_app, "ru", NotFound("no router %(nas)r", nas="r1")) == (
        "нет роутера 'r1'"
    )
    too_wide = _refusal(_png(5000, 10))
    assert _in(odd_app, "ru", too_wide) == too_wide.message
    untranslated = InvalidInput("not a network: %(network)r", network="10.0.0.0/33")
    assert _in(odd_app, "ru", untranslated) == "not a network: '10.0.0.0/33'"
    bare = InvalidInput("a template nobody translated, 100% English")
    assert _in(odd_app, "ru", bare) == "a template nobody translated, 100% English"
