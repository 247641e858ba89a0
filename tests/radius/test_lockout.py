"""Guessing PINs or card numbers at the router locks the card or the device out."""

from __future__ import annotations

from hotspot.db import transaction
from tests import factories


def test_wrong_pins_lock_the_card(nas_b, venues, settings, session_factory):
    with transaction(session_factory) as s:
        v = factories.voucher(
            s, s.merge(venues["b"].owner), settings.pin_key, time="1h"
        )
    wrong = "000000" if v.pin != "000000" else "111111"
    for _ in range(5):
        r = nas_b.authenticate(v.code, wrong, mac="02:10:00:00:00:01")
        assert r.reply_message == "Wrong PIN."
    # Now even the right PIN is refused, from any device, for a while.
    r = nas_b.authenticate(v.code, v.pin, mac="02:10:00:00:00:02")
    assert not r.accepted
    assert r.reply_message == "Too many wrong PINs. Please try again in 15 minutes."


def test_guessing_card_numbers_locks_the_device(
    nas_b, venues, settings, session_factory
):
    with transaction(session_factory) as s:
        v = factories.voucher(
            s, s.merge(venues["b"].owner), settings.pin_key, time="1h"
        )
    mac = "02:10:00:00:00:03"
    for n in range(10):
        r = nas_b.authenticate(f"99999{n:05d}", "123456", mac=mac)
        assert r.reply_message == "Unknown voucher code."
    r = nas_b.authenticate(v.code, v.pin, mac=mac)
    assert r.reply_message == "Too many wrong PINs. Please try again in 15 minutes."
    # Another device with the right card and PIN is not affected.
    assert nas_b.authenticate(v.code, v.pin, mac="02:10:00:00:00:04").accepted
