"""Languages of the guest pages: locale selection, the language switch, and the
translated texts of the core's message keys.

Locales: ``uz`` (Uzbek, Latin script), ``uz_Cyrl`` (Uzbek, Cyrillic), ``ru`` and
``en`` (the source language). The locale of a request is, in order:

1. ``?lang=<locale>`` on any request (the language switch); a known value is also
   remembered in the Flask session, an unknown one is ignored;
2. the locale remembered in the session;
3. the browser's Accept-Language, in the browser's order of preference (``uz`` and
   ``uz-Latn`` mean Latin, ``uz-Cyrl``/``uz-Cyrl-UZ`` Cyrillic, ``ru-RU`` Russian...);
4. ``settings.default_locale``.

On a venue's guest pages each of these counts only when the venue offers that
language (its ``languages`` setting); when none does, the venue's first language.

The core (``hotspot``) never imports Flask or Babel: :mod:`hotspot.messages` keeps
the English texts by key, and :data:`MESSAGES` below repeats them as
``lazy_gettext`` literals so that ``pybabel extract`` finds them
(``tests/unit/test_translations.py`` checks that the two stay the same).

The core's errors (:class:`hotspot.errors.DomainError`) carry an English template
and its values; ``pybabel extract`` reads the templates from ``hotspot/`` itself
(README.md, "Translations") and :func:`error_text` shows them in the page's
language. The JSON API and the CLI keep the English ``exc.message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask import Flask, current_app, g, request, session, url_for
from flask_babel import Babel, get_locale, gettext, lazy_gettext
from flask_babel.speaklater import LazyString

from hotspot.errors import DomainError, Text
from hotspot.messages import message as english_message

#: The supported locales, in the order of the language switch.
LOCALES: tuple[str, ...] = ("uz", "uz_Cyrl", "ru", "en")
#: Each language's name in itself (the switch's link texts are never translated).
LANGUAGE_NAMES: dict[str, str] = {
    "uz": "O\u02bbzbekcha",
    "uz_Cyrl": "Ўзбекча",
    "ru": "Русский",
    "en": "English",
}
#: BCP 47 tags for ``<html lang>``, ``lang`` and ``hreflang``.
HTML_LANG: dict[str, str] = {"uz": "uz", "uz_Cyrl": "uz-Cyrl", "ru": "ru", "en": "en"}
#: The query argument of the language switch and the session key that remembers it.
LANG_ARG = "lang"
SESSION_KEY = "lang"

_TAG_SPLIT = re.compile(r"[-_]")


def locale_for_tag(tag: str | None) -> str | None:
    """The supported locale a language tag (``ru-RU``, ``uz-Cyrl``, ``uz_Cyrl``,
    ``en``...) asks for, or None. Case and ``-``/``_`` do not matter."""
    if not tag:
        return None
    parts = _TAG_SPLIT.split(tag.strip().lower()[:35])
    primary, rest = parts[0], parts[1:]
    if primary == "uz":
        return "uz_Cyrl" if "cyrl" in rest else "uz"
    if primary in ("ru", "en"):
        return primary
    return None


def browser_locale(allowed: tuple[str, ...] = LOCALES) -> str | None:
    """The first supported (and ``allowed``) language of Accept-Language, by the
    browser's preference.

    Werkzeug's ``best_match`` is not used: it prefers any exact match to a better
    preferred regional tag (``ru-RU, en;q=0.5`` would give English) and reads
    ``uz-Cyrl-UZ`` as plain ``uz`` (Latin)."""
    for tag, quality in request.accept_languages:
        if quality > 0:
            locale = locale_for_tag(tag)
            if locale is not None and locale in allowed:
                return locale
    return None


def default_locale(app: Flask) -> str:
    settings = app.config["HOTSPOT_SETTINGS"]
    return locale_for_tag(getattr(settings, "default_locale", "")) or "en"


def select_locale() -> str:
    """Flask-Babel's locale selector (see the module docstring for the order). On a
    venue's guest pages only the languages the venue offers are ever chosen, the
    switch's and the browser's alike; the installation's default when the venue
    offers it, else the venue's first language."""
    offered = venue_languages()
    chosen = [
        locale_for_tag(request.args.get(LANG_ARG)),
        _remembered(),
        browser_locale(offered),
        default_locale(current_app),
    ]
    return next((c for c in chosen if c and c in offered), offered[0])


def venue_languages() -> tuple[str, ...]:
    """The languages this request's venue offers (all of them outside a venue's
    guest pages): what the guest blueprint registers as ``hotspot_languages``."""
    offered = current_app.extensions.get("hotspot_languages")
    found = offered() if offered is not None else None
    return tuple(x for x in found or () if x in LOCALES) or LOCALES


def _remembered() -> str | None:
    value = session.get(SESSION_KEY)
    return value if value in LOCALES else None


def remember_switch() -> None:
    """``before_request``: keep the language chosen with ``?lang=`` in the session."""
    locale = locale_for_tag(request.args.get(LANG_ARG))
    if locale is not None and session.get(SESSION_KEY) != locale:
        session[SESSION_KEY] = locale


def current_locale() -> str:
    locale = get_locale()
    if locale is None:
        return "en"
    name = str(locale)
    return name if name in LOCALES else (locale_for_tag(name) or "en")


def switch_url(locale: str) -> str:
    """The current page in ``locale``: a GET of the same page, keeping its query.

    A page rendered in answer to a POST (a form with an error) links to the page the
    form belongs to; the guest's hotspot context is in the session either way."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != LANG_ARG]
    rule = request.url_rule
    if rule is None:
        # No route (404): the same path, percent-encoded, so that it never reads
        # as a scheme-relative //host or /\host link.
        base = request.script_root + "/" + quote(request.path.lstrip("/\\"))
    elif request.endpoint and "GET" in (rule.methods or ()):
        base = url_for(request.endpoint, **(request.view_args or {}))
    else:
        # The cabinet's and the admin's forms belong to their own pages.
        staff = request.blueprint in ("cabinet", "admin")
        base = url_for(f"{request.blueprint}.index" if staff else "guest.login")
        args = []
    return base + "?" + urlencode([*args, (LANG_ARG, locale)])


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    html_lang: str
    url: str
    current: bool


def language_links() -> list[LanguageLink]:
    current = current_locale()
    return [
        LanguageLink(
            code,
            LANGUAGE_NAMES[code],
            HTML_LANG[code],
            switch_url(code),
            code == current,
        )
        for code in LOCALES
    ]


def _template_context() -> dict[str, object]:
    locale = current_locale()
    return {"html_lang": HTML_LANG[locale], "language_links": language_links}


def init_app(app: Flask) -> Babel:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", default_locale(app))
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel = Babel(
        app,
        locale_selector=select_locale,
        # The cabinet shows times in the owner's zone (set per request).
        timezone_selector=lambda: g.get("timezone"),
    )
    app.before_request(remember_switch)
    app.context_processor(_template_context)
    return babel


# The English texts of hotspot.messages.MESSAGES, as literals pybabel can extract.
# Keep them identical to hotspot/messages.py (tests/unit/test_translations.py).
MESSAGES: dict[str, LazyString] = {
    "router_unknown": lazy_gettext("This hotspot is not registered."),
    "router_disabled": lazy_gettext("This hotspot is switched off."),
    "unknown_user": lazy_gettext("Unknown voucher code."),
    "wrong_venue": lazy_gettext("This voucher is not valid at this venue."),
    "wrong_pin": lazy_gettext("Wrong PIN."),
    "voucher_revoked": lazy_gettext("This voucher has been revoked."),
    "voucher_expired": lazy_gettext("This voucher has expired."),
    "time_used": lazy_gettext("No time is left on this voucher."),
    "data_used": lazy_gettext("No data is left on this voucher."),
    "balance_used": lazy_gettext("The balance of this card is used up."),
    "device_limit": lazy_gettext("This voucher is already in use on another device."),
    "pin_locked": lazy_gettext("Too many wrong PINs. Please try again in 15 minutes."),
    "guess_locked": lazy_gettext(
        "Too many wrong PINs. Please try again in 15 minutes."
    ),
    "ticket_expired": lazy_gettext("Your login has expired, please start again."),
    "identification_expired": lazy_gettext("Please confirm your phone number again."),
    "phone_blocked": lazy_gettext(
        "Sorry, access from this phone number is not available here."
    ),
    "phone_invalid": lazy_gettext("Please enter a valid mobile phone number."),
    "code_wrong": lazy_gettext("Wrong code, please try again."),
    "code_expired": lazy_gettext("The code has expired, please request a new one."),
    "code_attempts": lazy_gettext("Too many wrong codes, please request a new one."),
    "sms_cooldown": lazy_gettext("Please wait before requesting another code."),
    "sms_limit": lazy_gettext("Too many codes requested, please try again later."),
    "sms_failed": lazy_gettext("The SMS could not be sent, please try again."),
    "document_not_found": lazy_gettext(
        "We could not find this registration, please check it."
    ),
    "documents_disabled": lazy_gettext("Login by documents is not available here."),
    "document_attempts": lazy_gettext("Too many attempts, please try again later."),
    "service_unavailable": lazy_gettext(
        "The service is temporarily unavailable, please try again."
    ),
    "bad_request": lazy_gettext("The request could not be understood."),
    "guest_off": lazy_gettext("Free access is not offered here."),
    "identification_required": lazy_gettext(
        "Please identify yourself first, with your phone number or a document."
    ),
    "guest_used_up": lazy_gettext("Your free access is used up."),
    "ad_pending": lazy_gettext("Please watch the ad first."),
}


def message_text(key: str) -> str:
    """The text of a core message key in the current language (English for a key
    the portal does not know yet)."""
    text = MESSAGES.get(key)
    return str(text) if text is not None else english_message(key)


#: The pages' own words for some error keys (the core's are terse).
ERROR_TEXTS: dict[str, LazyString] = {
    "login_failed": lazy_gettext("Wrong e-mail or password."),
    "login_limited": lazy_gettext(
        "Too many failed logins. Wait 15 minutes and try again."
    ),
    "wrong_totp": lazy_gettext("Wrong code. Check the time on your phone."),
}


def error_text(exc: DomainError) -> str:
    """A core error as a cabinet or admin page shows it, in the current language."""
    own = ERROR_TEXTS.get(exc.key)
    return str(own) if own is not None else translate(exc.text)


def translate(text: Text) -> str:
    """``text`` in the current language, its values filled in (a value that is a
    :class:`Text` translated too). Where the translation is missing, or its
    placeholders do not fit the values, the English text."""
    params = {
        name: translate(value) if isinstance(value, Text) else value
        for name, value in text.params.items()
    }
    translated = gettext(text.template)
    if not params:
        return translated
    for template in (translated, text.template):
        try:
            return template % params
        except (KeyError, ValueError, TypeError):
            continue
    return str(text)
