"""Guest pages in Uzbek (Latin and Cyrillic), Russian and English: the browser's
Accept-Language, the language switch that overrides it and sticks, <html lang>, and
the core's errors shown in the guest's language."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from hotspot.db import transaction
from hotspot.models import OtpChallenge
from hotspot.settings import Settings
from portal import create_app
from tests import factories

from .conftest import Place, behind, router_post

#: The front page's heading in each language, by <html lang>.
FRONT = {
    "uz": "Bepul WiFi portali",
    "uz-Cyrl": "Бепул WiFi портали",
    "ru": "Портал бесплатного WiFi",
    "en": "Free WiFi portal",
}
#: The login page's phone section heading, by <html lang>.
PHONE_TITLE = {
    "uz": "Telefon raqami orqali kirish",
    "uz-Cyrl": "Телефон рақами орқали кириш",
    "ru": "Вход по номеру телефона",
    "en": "Log in with your phone",
}


def html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]*)"', page)
    assert match, page[:200]
    return match.group(1)


def h1(page: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert match
    return unescape(match.group(1).strip())


def error_text(page: str) -> str:
    match = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', page, re.S)
    assert match, "no error on the page"
    return unescape(match.group(1).strip())


def switch_links(page: str) -> dict[str, str]:
    """hreflang -> href of the language switch."""
    nav = re.search(r'<nav class="langs"[^>]*>(.*?)</nav>', page, re.S)
    assert nav, "no language switch"
    links = re.findall(r'<a href="([^"]*)"[^>]*hreflang="([^"]*)"', nav.group(1))
    return {lang: unescape(href) for href, lang in links}


def get(client: FlaskClient, url: str, accept: str | None = None) -> str:
    headers = {"Accept-Language": accept} if accept is not None else {}
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- Accept-Language -------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("ru-RU", "ru"),
        # A preferred regional tag beats a less preferred exact one.
        ("ru-RU,en;q=0.5", "ru"),
        ("uz", "uz"),
        ("uz-UZ,ru;q=0.8", "uz"),
        ("uz-Latn-UZ", "uz"),
        ("uz-Cyrl", "uz-Cyrl"),
        ("uz-Cyrl-UZ,ru;q=0.8", "uz-Cyrl"),
        ("uz_Cyrl", "uz-Cyrl"),
        ("en-GB", "en"),
        ("de-DE,de;q=0.9,ru;q=0.5", "ru"),
        ("ru;q=0.2,uz;q=0.9", "uz"),
        ("uz;q=0,ru;q=0.1", "ru"),
        ("de-DE,fr;q=0.5", "en"),
        ("*", "en"),
        ("", "en"),
    ],
)
def test_accept_language_picks_the_locale(client: FlaskClient, accept: str, lang: str):
    page = get(client, "/", accept)
    assert html_lang(page) == lang
    assert h1(page) == FRONT[lang]


def test_without_accept_language_the_default_is_english(client: FlaskClient):
    page = get(client, "/")
    assert html_lang(page) == "en"
    assert h1(page) == FRONT["en"]


@pytest.mark.parametrize(
    ("default", "lang"),
    [
        ("ru", "ru"),
        ("uz", "uz"),
        ("uz_Cyrl", "uz-Cyrl"),
        ("uz-Cyrl", "uz-Cyrl"),
        ("xx", "en"),
    ],
)
def test_default_locale_comes_from_the_settings(
    settings: Settings, default: str, lang: str
):
    app = create_app(settings=settings.with_(default_locale=default))
    page = get(app.test_client(), "/", "de-DE")
    assert html_lang(page) == lang
    assert h1(page) == FRONT[lang]


def test_responses_vary_on_accept_language(client: FlaskClient):
    response = client.get("/", headers={"Accept-Language": "ru"})
    assert "Accept-Language" in response.headers.get("Vary", "")


# --- the language switch ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "lang"),
    [
        ("uz", "uz"),
        ("uz_Cyrl", "uz-Cyrl"),
        ("uz-Cyrl", "uz-Cyrl"),
        ("ru", "ru"),
        ("en", "en"),
        ("RU", "ru"),
    ],
)
def test_switch_overrides_accept_language(client: FlaskClient, value: str, lang: str):
    accept = "en-US" if lang != "en" else "ru-RU"
    page = get(client, f"/?lang={value}", accept)
    assert html_lang(page) == lang
    assert h1(page) == FRONT[lang]


def test_switch_is_remembered_in_the_session(client: FlaskClient):
    get(client, "/?lang=uz_Cyrl", "ru-RU")
    with client.session_transaction() as s:
        assert s["lang"] == "uz_Cyrl"
    # Later pages, without ?lang, keep the choice over Accept-Language.
    for accept in ("ru-RU", "en", "uz"):
        page = get(client, "/", accept)
        assert html_lang(page) == "uz-Cyrl"
        assert h1(page) == FRONT["uz-Cyrl"]
    # Switching again replaces it.
    assert html_lang(get(client, "/?lang=en", "ru-RU")) == "en"
    assert html_lang(get(client, "/", "ru-RU")) == "en"


@pytest.mark.parametrize(
    "value", ["de", "xx", "", "uzb", "cyrl", "../../etc", "ru" * 40]
)
def test_unknown_lang_values_are_ignored(client: FlaskClient, value: str):
    # Nothing chosen yet: the browser's language is used.
    page = get(client, f"/?lang={value}", "ru-RU")
    assert html_lang(page) == "ru"
    with client.session_transaction() as s:
        assert "lang" not in s
    # A choice made before is kept.
    get(client, "/?lang=uz", "ru-RU")
    page = get(client, f"/?lang={value}", "ru-RU")
    assert html_lang(page) == "uz"
    with client.session_transaction() as s:
        assert s["lang"] == "uz"


def test_every_page_has_the_switch_with_the_current_language_marked(
    client: FlaskClient,
):
    page = get(client, "/", "ru")
    assert switch_links(page) == {
        "uz": "/?lang=uz",
        "uz-Cyrl": "/?lang=uz_Cyrl",
        "ru": "/?lang=ru",
        "en": "/?lang=en",
    }
    nav = re.search(r'<nav class="langs" aria-label="([^"]*)"', page)
    assert nav and nav.group(1) == "Язык"
    current = re.findall(r'<a [^>]*hreflang="([^"]*)"[^>]*aria-current="true"', page)
    assert current == ["ru"]
    # Each language's name is in that language, marked for screen readers.
    for name, lang in [
        ("Oʻzbekcha", "uz"),
        ("Ўзбекча", "uz-Cyrl"),
        ("Русский", "ru"),
        ("English", "en"),
    ]:
        assert re.search(rf'lang="{lang}" hreflang="{lang}"[^>]*>{name}</a>', page), (
            name
        )


def test_switch_keeps_other_query_arguments(client: FlaskClient):
    response = client.get("/nowhere?x=1&lang=ru&y=2")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert html_lang(page) == "ru"
    assert error_text(page) == "Страница не найдена."
    assert switch_links(page)["uz"] == "/nowhere?x=1&y=2&lang=uz"


# --- the guest's login flow ------------------------------------------------------


def arrive(client: FlaskClient, place: Place, accept: str = "en", **extra: str) -> str:
    """The router's login page posts the guest's hotspot context to /login."""
    behind(client, place.router)
    response = client.post(
        "/login",
        data=router_post(place.router, **extra),
        headers={"Accept-Language": accept},
    )
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_login_page_in_the_browser_language(client: FlaskClient, place: Place):
    page = arrive(client, place, "ru-RU,ru;q=0.9")
    assert html_lang(page) == "ru"
    assert PHONE_TITLE["ru"] in page
    assert "<title>Café Aroma — вход</title>" in page
    assert h1(page) == "Café Aroma"
    for element in (
        'id="phone-form"',
        'id="voucher-form"',
        'id="voucher-section"',
        'id="code"',
        'id="pin"',
    ):
        assert element in page
    # The page answered a POST: its switch links lead to the GET login page.
    assert switch_links(page)["uz"] == "/login?lang=uz"


@pytest.mark.parametrize("lang", ["uz", "uz_Cyrl", "ru", "en"])
def test_switch_on_the_login_page_keeps_the_hotspot_context(
    client: FlaskClient, place: Place, lang: str
):
    arrive(client, place, "en")
    with client.session_transaction() as s:
        context = dict(s["hotspot"])
    page = get(client, f"/login?lang={lang}", "en")
    tag = lang.replace("_", "-")
    assert html_lang(page) == tag
    assert PHONE_TITLE[tag] in page
    assert h1(page) == "Café Aroma"
    assert 'id="voucher-form"' in page
    with client.session_transaction() as s:
        assert s["hotspot"] == context
        assert s["lang"] == lang


def test_documents_are_offered_in_the_chosen_language(
    client: FlaskClient, session_factory: sessionmaker[Session]
):
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        owner.policy = {"documents": ["hotel", "ticket"]}
        router = factories.router(s, owner)
    place = Place(owner, router)
    page = arrive(client, place, "uz-Cyrl")
    assert html_lang(page) == "uz-Cyrl"
    for element, text in [
        ('id="document-form-hotel"', "Мен меҳмонхона меҳмониман"),
        ('id="document-form-ticket"', "Менда йўл чиптаси бор"),
        ('for="reference-hotel"', "Хона рақами"),
        ('for="reference-ticket"', "Чипта рақами"),
        ('for="surname-hotel"', "Фамилия"),
    ]:
        assert element in page and text in page


def test_login_page_without_context_explains_in_the_guest_language(client: FlaskClient):
    response = client.get("/login", headers={"Accept-Language": "uz"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert html_lang(page) == "uz"
    assert error_text(page) == (
        "Iltimos, muassasaning WiFi tarmogʻiga ulaning va istalgan veb-sahifani oching."
    )


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("ru", "Неверный PIN-код."),
        ("uz", "PIN-kod notoʻgʻri."),
        ("uz-Cyrl", "PIN-код нотўғри."),
        ("en", "Wrong PIN."),
    ],
)
def test_router_relayed_error_is_translated(
    client: FlaskClient, place: Place, accept: str, expected: str
):
    # The router relays RADIUS's (English) Reply-Message in `error`.
    page = arrive(client, place, accept, error="Wrong PIN.")
    assert error_text(page) == expected


def test_unknown_router_error_is_shown_as_is(client: FlaskClient, place: Place):
    page = arrive(client, place, "ru", error="RADIUS server is not responding")
    assert error_text(page) == "RADIUS server is not responding"


@pytest.mark.parametrize(
    ("lang", "wrong_pin", "unknown"),
    [
        ("uz", "PIN-kod notoʻgʻri.", "Noma'lum vaucher kodi."),
        ("uz_Cyrl", "PIN-код нотўғри.", "Номаълум ваучер коди."),
        ("ru", "Неверный PIN-код.", "Неизвестный код ваучера."),
        ("en", "Wrong PIN.", "Unknown voucher code."),
    ],
)
def test_voucher_errors_in_the_chosen_language(
    client: FlaskClient,
    place: Place,
    settings: Settings,
    session_factory: sessionmaker[Session],
    lang: str,
    wrong_pin: str,
    unknown: str,
):
    with transaction(session_factory) as s:
        v = factories.voucher(s, place.owner, settings.pin_key, time="60m")
    arrive(client, place, "en")
    get(client, f"/login?lang={lang}", "en")
    bad_pin = "000000" if v.pin != "000000" else "111111"
    response = client.post("/login/voucher", data={"code": v.code, "pin": bad_pin})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert html_lang(page) == lang.replace("_", "-")
    assert error_text(page) == wrong_pin
    assert 'id="error"' in page and 'role="alert"' in page
    # The switch on a page answering a POST leads to the login page (a GET).
    assert set(switch_links(page).values()) == {
        f"/login?lang={code}" for code in ("uz", "uz_Cyrl", "ru", "en")
    }
    response = client.post(
        "/login/voucher", data={"code": "1234567890", "pin": "123456"}
    )
    assert error_text(response.get_data(as_text=True)) == unknown


def test_empty_voucher_form_error_is_translated(client: FlaskClient, place: Place):
    arrive(client, place, "ru")
    response = client.post(
        "/login/voucher",
        data={"code": "", "pin": ""},
        headers={"Accept-Language": "ru"},
    )
    assert response.status_code == 422
    assert error_text(response.get_data(as_text=True)) == (
        "Пожалуйста, введите номер карты и PIN-код."
    )


def test_invalid_phone_error_is_translated(client: FlaskClient, place: Place):
    arrive(client, place, "uz-Cyrl")
    response = client.post(
        "/login/phone", data={"phone": "12"}, headers={"Accept-Language": "uz-Cyrl"}
    )
    assert response.status_code == 422
    assert error_text(response.get_data(as_text=True)) == (
        "Илтимос, тўғри мобил телефон рақамини киритинг."
    )


def test_code_page_in_the_chosen_language(
    client: FlaskClient, place: Place, session_factory: sessionmaker[Session]
):
    arrive(client, place, "en")
    with client.session_transaction() as s:
        ctx = dict(s["hotspot"])
    with transaction(session_factory) as db:
        challenge = sent_code(db, place, ctx["mac"])
    with client.session_transaction() as s:
        s["hotspot"] = dict(ctx, challenge=str(challenge.id))
    page = get(client, "/login/code?lang=uz", "ru")
    assert html_lang(page) == "uz"
    assert h1(page) == "Kodni kiriting"
    # The phone number keeps its markup inside the translated sentence.
    assert re.search(
        r'<p><strong id="phone-shown">[^<]*</strong>'
        r" raqamiga SMS orqali kod yubordik\.</p>",
        page,
    )
    for element in ('id="code-form"', 'id="otp"', 'id="resend"', 'id="countdown"'):
        assert element in page
    assert switch_links(page)["ru"] == "/login/code?lang=ru"
    # A wrong code (the form is not even valid) is explained in Uzbek too.
    response = client.post("/login/code", data={"code": "abc"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_text(page) == "Kod notoʻgʻri, iltimos, qayta urinib koʻring."
    assert switch_links(page)["ru"] == "/login/code?lang=ru"


def sent_code(db: Session, place: Place, mac: str) -> OtpChallenge:
    """A code as if sent to +998 97 777 00 01 for this device just now (a number
    no other test counts codes of)."""
    challenge = OtpChallenge(
        owner_id=place.owner.id,
        router_id=place.router.id,
        phone="998977770001",
        mac=mac,
        code_hash="x",
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
        created_at=dt.datetime.now(dt.UTC),
    )
    db.add(challenge)
    db.flush()
    return challenge


def test_expired_form_page_is_translated(settings: Settings, place: Place):
    app: Flask = create_app({"TESTING": True}, settings=settings)  # CSRF on
    client = app.test_client()
    arrive(client, place, "ru")
    response = client.post(
        "/login/voucher",
        data={"code": "1", "pin": "1"},
        headers={"Accept-Language": "ru"},
    )
    assert response.status_code == 400
    assert error_text(response.get_data(as_text=True)) == (
        "Страница устарела, пожалуйста, вернитесь назад и начните заново."
    )


@pytest.fixture
def ru_en_venue(session_factory: sessionmaker[Session]):
    """A venue that offers Russian and English only."""
    from hotspot.venues import update_settings

    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner)
        update_settings(s, owner, {"languages": "ru,en"})
    return router


def test_a_language_the_venue_turned_off_is_never_served(
    app: Flask, session_factory: sessionmaker[Session], ru_en_venue
):
    router = ru_en_venue
    client = behind(app.test_client(), router)
    uzbek = {"Accept-Language": "uz-UZ,uz;q=0.9"}
    page = client.post("/login", data=router_post(router), headers=uzbek).text
    # The installation's default (English, offered here), not Uzbek.
    assert html_lang(page) == "en"
    assert set(switch_links(page)) == {"ru", "en"}
    # The browser's next preference the venue offers.
    page = client.get(
        "/login", headers={"Accept-Language": "uz-Cyrl, ru;q=0.5, en;q=0.1"}
    ).text
    assert html_lang(page) == "ru"
    # Neither the switch nor what it remembered brings Uzbek back.
    for lang in ("uz", "uz_Cyrl"):
        assert html_lang(client.get(f"/login?lang={lang}", headers=uzbek).text) == "en"
        assert html_lang(client.get("/login", headers=uzbek).text) == "en"
    assert html_lang(client.get("/login?lang=ru").text) == "ru"
    # Outside a venue's pages every language is offered.
    assert html_lang(app.test_client().get("/?lang=uz").text) == "uz"
