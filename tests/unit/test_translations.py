"""The portal's translation catalogs: complete, compiled, up to date with the code,
and the portal's copy of the core's messages identical to hotspot.messages.

The commands that fix a failure are in README.md, "Translations"."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from hotspot import messages as core_messages
from portal import i18n

REPO = Path(__file__).resolve().parents[2]
PORTAL = REPO / "portal"
TRANSLATIONS = PORTAL / "translations"
#: The same keywords as the README's `pybabel extract -k lazy_gettext`.
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
TRANSLATED = [locale for locale in i18n.LOCALES if locale != "en"]


def _msgid(message_id: str | tuple[str, ...]) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


def _read_po(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _ids(catalog: Catalog) -> set[str]:
    return {_msgid(m.id) for m in catalog if m.id}


def _strings(catalog: Catalog) -> dict[object, object]:
    return {m.id: m.string for m in catalog if m.id}


def _method_map() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    from babel.messages import frontend

    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with (REPO / "babel.cfg").open(encoding="utf-8") as f:
        return parse(f)


def test_every_locale_has_a_catalog() -> None:
    assert (TRANSLATIONS / "messages.pot").is_file()
    for locale in TRANSLATED:
        assert (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").is_file(), locale
        assert (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").is_file(), locale


def test_pot_covers_every_string_in_the_code() -> None:
    """`pybabel extract` run now would give the committed messages.pot's msgids."""
    method_map, options_map = _method_map()
    extracted = {
        _msgid(message)
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(PORTAL),
            method_map,
            options_map,
            keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
        )
    }
    pot = _ids(_read_po(TRANSLATIONS / "messages.pot"))
    assert extracted - pot == set(), "strings missing from messages.pot: run extract"
    assert pot - extracted == set(), "stale strings in messages.pot: run extract"
    # Sanity: the extraction really sees templates, Python and the lazy strings.
    assert {"Enter the code", "Page not found.", "Wrong PIN.", "Card number"} <= pot


@pytest.mark.parametrize("locale", TRANSLATED)
def test_po_is_complete(locale: str) -> None:
    catalog = _read_po(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)
    pot = _ids(_read_po(TRANSLATIONS / "messages.pot"))
    assert str(catalog.locale) == locale
    assert not catalog.fuzzy, "the catalog header is fuzzy"
    assert _ids(catalog) == pot, "run pybabel update"
    untranslated, fuzzy = [], []
    for m in catalog:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if not all(s and s.strip() for s in strings):
            untranslated.append(_msgid(m.id))
        if m.fuzzy:
            fuzzy.append(_msgid(m.id))
    assert untranslated == [], f"untranslated in {locale}"
    assert fuzzy == [], f"fuzzy in {locale}"
    # Placeholders such as %(venue)s survive translation.
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_mo_matches_po(locale: str) -> None:
    """The committed messages.mo is the compiled messages.po (pybabel compile)."""
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    compiled = io.BytesIO()
    write_mo(compiled, _read_po(folder / "messages.po", locale))
    compiled.seek(0)
    expected = read_mo(compiled)
    with (folder / "messages.mo").open("rb") as f:
        committed = read_mo(f)
    assert _strings(committed) == _strings(expected), "run pybabel compile"
    assert committed.plural_forms == expected.plural_forms


def test_portal_messages_mirror_the_core() -> None:
    """portal.i18n.MESSAGES repeats hotspot.messages.MESSAGES for pybabel: same keys,
    same English texts (outside a request a lazy string is its English source)."""
    assert list(i18n.MESSAGES) == list(core_messages.MESSAGES)
    for key, text in core_messages.MESSAGES.items():
        assert str(i18n.MESSAGES[key]) == text, key
        assert i18n.message_text(key) == text


def test_message_text_falls_back_to_english_for_a_new_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(core_messages.MESSAGES, "brand_new", "Something new.")
    assert i18n.message_text("brand_new") == "Something new."
    assert i18n.message_text("no_such_key") == "no_such_key"


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("uz", "uz"),
        ("uz-UZ", "uz"),
        ("uz-Latn", "uz"),
        ("UZ_latn_uz", "uz"),
        ("uz-Cyrl", "uz_Cyrl"),
        ("uz_Cyrl", "uz_Cyrl"),
        ("uz-cyrl-UZ", "uz_Cyrl"),
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("en", "en"),
        ("en-US", "en"),
        ("de", None),
        ("", None),
        (None, None),
        ("*", None),
        ("uzb", None),
        ("russian", None),
    ],
)
def test_locale_for_tag(tag: str | None, locale: str | None) -> None:
    assert i18n.locale_for_tag(tag) == locale
