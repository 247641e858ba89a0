"""The portal's translation catalogs: complete, compiled, up to date with the code
(the portal's strings and the core's error templates), the portal's copy of the
core's messages identical to hotspot.messages, and the core's errors shown in the
page's language.

The commands that fix a failure are in README.md, "Translations"."""

from __future__ import annotations

import ast
import io
import shlex
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from babel.util import pathmatch

from hotspot import messages as core_messages
from portal import i18n

REPO = Path(__file__).resolve().parents[2]
PORTAL = REPO / "portal"
TRANSLATIONS = PORTAL / "translations"
TRANSLATED = [locale for locale in i18n.LOCALES if locale != "en"]


def _readme_extract() -> list[str]:
    """The words of README.md's `pybabel extract` command ("Translations")."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Translations") :]
    command = section[section.index(".venv/bin/pybabel extract") :]
    command = command[: command.index("\n```")].replace("\\\n", " ")
    return shlex.split(command.splitlines()[0])


def _readme_keywords() -> set[str]:
    words = _readme_extract()
    return {words[i + 1] for i, word in enumerate(words) if word == "-k"}


def _readme_inputs() -> list[str]:
    """The directories the command extracts from (its words after ``-o FILE``)."""
    words = _readme_extract()
    return words[words.index("-o") + 2 :]


#: The keywords of the README's command, besides pybabel's own.
KEYWORDS = {**DEFAULT_KEYWORDS, **dict.fromkeys(_readme_keywords())}


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
    assert _readme_inputs() == ["portal", "hotspot"]
    extracted = {
        _msgid(message)
        for folder in _readme_inputs()
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(REPO / folder),
            method_map,
            options_map,
            keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
        )
    }
    pot = _ids(_read_po(TRANSLATIONS / "messages.pot"))
    assert extracted - pot == set(), "strings missing from messages.pot: run extract"
    assert pot - extracted == set(), "stale strings in messages.pot: run extract"
    # Sanity: the extraction really sees templates, Python and the lazy strings,
    # and the core's error templates (nested ones too), but not the CLI's or the
    # JSON API's.
    assert {"Enter the code", "Page not found.", "Wrong PIN.", "Card number"} <= pot
    assert {
        "not an image: upload PNG, JPEG, WebP or GIF",
        "the image is too large: at most %(side)s pixels a side",
        "not a size: %(text)r (try 500MB, 2GB)",
        "on or off",
        "a whole number from %(low)s to %(high)s",
    } <= pot
    assert "give an image file, or --remove" not in pot  # hotspot/cli
    assert "days: 1 to 366" not in pot  # portal/api


def _extracted_python() -> list[Path]:
    """The Python files the README's command extracts from (babel.cfg's ignores
    left out)."""
    method_map, _ = _method_map()
    files = []
    for folder in _readme_inputs():
        for path in sorted((REPO / folder).rglob("*.py")):
            relative = path.relative_to(REPO / folder).as_posix()
            method = next((m for p, m in method_map if pathmatch(p, relative)), None)
            if method == "python":
                files.append(path)
    return files


def _error_classes(trees: list[ast.Module]) -> set[str]:
    """The names of DomainError, UnitError and every class derived from them."""
    found = {"DomainError", "UnitError"}
    classes = [n for t in trees for n in ast.walk(t) if isinstance(n, ast.ClassDef)]
    while True:
        more = {
            c.name
            for c in classes
            if any(getattr(b, "id", getattr(b, "attr", None)) in found for b in c.bases)
        }
        if more <= found:
            return found
        found |= more


def _built_message(call: ast.Call) -> bool:
    """Whether the first argument is a message built from values in the code
    (an f-string, ``%``, ``+`` or ``.format()``) rather than a template."""
    if not call.args:
        return False
    first = call.args[0]
    if isinstance(first, ast.JoinedStr | ast.BinOp):
        return True
    return isinstance(first, ast.Call) and getattr(first.func, "attr", "") == "format"


def test_every_error_message_is_a_template_pybabel_finds() -> None:
    """Each error class the web pages may show is a `-k` keyword of the README's
    command, and no error's message is built from values: the values go in as
    keyword arguments (``InvalidInput("no tariff %(name)r", name=name)``), so that
    the template is extracted and translated (hotspot/errors.py)."""
    files = _extracted_python()
    trees = [ast.parse(f.read_text(encoding="utf-8"), str(f)) for f in files]
    classes = _error_classes(trees) | {"Text"}
    assert classes - _readme_keywords() == set(), "add -k options to README.md"
    built = [
        f"{f.relative_to(REPO)}:{node.lineno}"
        for f, tree in zip(files, trees, strict=True)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) in classes
        and _built_message(node)
    ]
    assert built == [], "use a %(name)s template and keyword arguments"


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
