"""Where a venue requires its terms of use accepted, every kind of login (card,
phone, document, Free, Free after an ad) refuses a POST without the acceptance, on
the server; with it the login goes on."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from hotspot.db import transaction
from hotspot.models import Identification, LoginTicket, OtpChallenge, Owner
from hotspot.services.ads import add_banner
from hotspot.sms.providers.outbox import read_outbox
from hotspot.venues import update_settings
from tests import factories

from .test_free import arrive, clock, free_app, free_venue, logged_in_as, outbox

__all__ = ["clock", "free_app", "free_venue", "outbox"]  # the shared fixtures

REFUSED = "Please accept the terms of use."


def _require_terms(session_factory, owner, **more: str) -> None:
    with transaction(session_factory) as s:
        changes = {"terms_text": "Be nice.", "terms_required": "on", **more}
        update_settings(s, s.get(Owner, owner.id), changes)


def _count(session_factory, model, router) -> int:
    with session_factory() as s:
        return s.scalar(
            select(func.count()).select_from(model).where(model.router_id == router.id)
        )


def test_card_login_needs_the_terms(free_app, free_venue, session_factory, settings):
    owner, router, _ = free_venue
    _require_terms(session_factory, owner)
    with transaction(session_factory) as s:
        card = factories.voucher(s, s.get(Owner, owner.id), settings.pin_key, time="1h")
    form = {"code": card.code, "pin": card.pin}
    client = arrive(free_app, router)
    page = client.get("/login").text
    assert 'id="accept-terms-voucher"' in page and "Be nice." in page
    r = client.post("/login/voucher", data=form)
    assert r.status_code == 422 and REFUSED in r.text
    assert _count(session_factory, LoginTicket, router) == 0
    r = client.post("/login/voucher", data={**form, "accept_terms": "yes"})
    assert logged_in_as(r.text) == card.code


def test_phone_login_needs_the_terms(free_app, free_venue, session_factory, outbox):
    owner, router, _ = free_venue
    _require_terms(session_factory, owner)
    client = arrive(free_app, router)
    phone = {"phone": "+998 93 555 71 71"}
    r = client.post("/login/phone", data=phone)
    assert r.status_code == 422 and REFUSED in r.text
    assert _count(session_factory, OtpChallenge, router) == 0
    assert not outbox.exists() or not read_outbox(outbox)
    r = client.post("/login/phone", data={**phone, "accept_terms": "yes"})
    assert r.status_code == 302 and _count(session_factory, OtpChallenge, router) == 1
    # The code's page belongs to that accepted visit; a new visit must accept again.
    other = arrive(free_app, router)
    assert other.post("/login/phone", data=phone).status_code == 422


def test_document_login_needs_the_terms(free_app, free_venue, session_factory):
    owner, router, _ = free_venue
    _require_terms(session_factory, owner)
    client = arrive(free_app, router)
    hotel = {"kind": "hotel", "reference": "12", "surname": "Karimov"}
    assert 'id="accept-terms-document-hotel"' in client.get("/login").text
    r = client.post("/login/document", data=hotel)
    assert r.status_code == 422 and REFUSED in r.text
    assert _count(session_factory, Identification, router) == 0
    r = client.post("/login/document", data={**hotel, "accept_terms": "yes"})
    assert r.status_code == 302 and _count(session_factory, Identification, router) == 1


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 20), (0, 90, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("with_ad", [False, True], ids=["free", "free-after-ad"])
def test_free_login_needs_the_terms(free_app, free_venue, session_factory, with_ad):
    owner, router, _ = free_venue
    _require_terms(session_factory, owner, guest_identification="off", ad_delay="0")
    if with_ad:
        with transaction(session_factory) as s:
            add_banner(
                s, s.get(Owner, owner.id), "sale", _png(), "https://shop.example/"
            )
    client = arrive(free_app, router)
    page = client.get("/free").text
    assert ('id="ad-image"' in page) is with_ad
    r = client.post("/free")
    assert r.status_code == 422 and REFUSED in r.text
    assert _count(session_factory, LoginTicket, router) == 0
    r = client.post("/free", data={"accept_terms": "yes"})
    assert r.status_code == 200 and logged_in_as(r.text)


def test_terms_accepted_with_the_phone_are_not_asked_again_on_the_free_tab(
    free_app, free_venue, session_factory
):
    owner, router, _ = free_venue
    _require_terms(session_factory, owner)
    client = arrive(free_app, router)
    hotel = {"kind": "hotel", "reference": "12", "surname": "Karimov"}
    r = client.post("/login/document", data={**hotel, "accept_terms": "yes"})
    assert r.status_code == 302
    page = client.get("/free").text
    assert 'name="accept_terms"' not in page and 'id="free-button"' in page
    r = client.post("/free")
    assert r.status_code == 200 and logged_in_as(r.text)
