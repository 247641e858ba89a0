"""Guessing PINs or card numbers at the router locks the card or the device out."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import string

import pytest
from pyrad import packet as pyrad_packet
from sqlalchemy import func, select

from hotspot.db import transaction
from hotspot.messages import message
from hotspot.models import AuthFailure
from hotspot.policy import LOCKOUT
from hotspot.services.tenancy import add_router
from simulator.radius import RadiusTimeout, load_dictionary
from tests import factories
from tests.radius.conftest import client_for, new_loopback_ip

LOCKED = message("pin_locked")


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


# -- a flood of guesses must not lock a venue's guests out ----------------------------

FLOOD = 70  # more than Lockout.max_router in its window


def _router(session_factory, settings, *, require_ma: bool = True):
    """A new router (on its own address) with one valid card of its owner."""
    ip, secret = new_loopback_ip(), factories.unique("router-secret-of")
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        kwargs = {} if require_ma else {"require_message_authenticator": False}
        router = add_router(s, owner, factories.unique("nas"), ip, secret, **kwargs)
        card = factories.voucher(s, owner, settings.pin_key, time="1h")
    return router, ip, secret, card


def _random_mac() -> str:
    return "02:" + ":".join(f"{b:02X}" for b in os.urandom(5))


def _random_card() -> str:
    return "9" + "".join(random.choice(string.digits) for _ in range(9))


def _forged_flood(
    settings, ip: str, secret: str, count: int, method: str = "pap"
) -> int:
    """``count`` Access-Requests from ``ip`` signed with ``secret``, no
    Message-Authenticator, random card numbers and MACs, as fast as they go (PAP,
    or CHAP: its password owes nothing to the secret); the number of replies that
    came back within a second of the last."""
    dictionary = load_dictionary()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((ip, 0))
        for n in range(count):
            pkt = pyrad_packet.AuthPacket(
                code=pyrad_packet.AccessRequest,
                id=n % 256,
                secret=secret.encode(),
                dict=dictionary,
            )
            pkt["User-Name"] = _random_card()
            if method == "chap":
                pkt["CHAP-Password"] = os.urandom(17)
                pkt["CHAP-Challenge"] = os.urandom(16)
            else:
                pkt["User-Password"] = pkt.PwCrypt("123456")
            pkt["Calling-Station-Id"] = _random_mac()
            assert 80 not in pkt  # no Message-Authenticator
            sock.sendto(
                pkt.RequestPacket(),
                (settings.radius_host, settings.radius_auth_port),
            )
        replies = 0
        sock.settimeout(1.0)
        with contextlib.suppress(TimeoutError):
            while True:
                sock.recv(4096)
                replies += 1
    return replies


def _guesses(session_factory, router_id: int) -> int:
    with session_factory() as s:
        return s.scalar(
            select(func.count())
            .select_from(AuthFailure)
            .where(AuthFailure.router_id == router_id)
        )


def test_forged_requests_with_a_wrong_secret_are_dropped_and_never_counted(
    radius, settings, session_factory, radius_log
):
    # A router added with the defaults requires Message-Authenticator.
    router, ip, secret, card = _router(session_factory, settings)
    assert router.require_message_authenticator
    assert _forged_flood(settings, ip, "not-the-secret", FLOOD) == 0
    # ... and with the right secret but no Message-Authenticator: dropped too.
    assert _forged_flood(settings, ip, secret, 5) == 0
    # A Message-Authenticator made with a wrong secret: no answer either.
    with client_for(settings, ip=ip, secret="not-the-secret", retries=1) as forger:
        with pytest.raises(RadiusTimeout):
            forger.authenticate(_random_card(), "123456", mac=_random_mac())
    radius_log.wait_for("Message-Authenticator")
    assert _guesses(session_factory, router.id) == 0
    with client_for(settings, ip=ip, secret=secret) as nas:
        r = nas.authenticate(card.code, card.pin, mac=_random_mac())
    assert r.accepted, r.reply_message


@pytest.mark.parametrize("method", ["pap", "chap"])
def test_a_flood_from_an_old_router_does_not_lock_its_guests_out(
    radius, settings, session_factory, method: str
):
    # Without Message-Authenticator the forged requests are answered, and those the
    # module can read are guesses like any (with PAP and a wrong secret the password
    # is garbage: the module fails, not counted); a guest's valid card still works.
    router, ip, secret, card = _router(session_factory, settings, require_ma=False)
    assert _forged_flood(settings, ip, "not-the-secret", FLOOD, method) == FLOOD
    if method == "chap":
        assert _guesses(session_factory, router.id) == FLOOD
    with client_for(settings, ip=ip, secret=secret) as nas:
        r = nas.authenticate(card.code, card.pin, mac=_random_mac())
        assert r.accepted, r.reply_message
        assert nas.authenticate(
            _random_card(), "1", mac=_random_mac()
        ).reply_message in (LOCKED if method == "chap" else message("unknown_user"),)


def test_guessing_card_numbers_from_random_macs_locks_out_only_made_up_numbers(
    radius, settings, session_factory
):
    router, ip, secret, card = _router(session_factory, settings)
    with client_for(settings, ip=ip, secret=secret) as nas:
        for _ in range(FLOOD):
            r = nas.authenticate(_random_card(), "123456", mac=_random_mac())
            assert not r.accepted
        # Card numbers made up from yet another device are refused a while...
        r = nas.authenticate(_random_card(), "123456", mac=_random_mac())
        assert r.reply_message == LOCKED
        # ... and so is a real card with a wrong PIN: no telling which exist...
        wrong = "000000" if card.pin != "000000" else "111111"
        assert nas.authenticate(card.code, wrong, mac=_random_mac()).reply_message == (
            LOCKED
        )
        # ... but a guest with a valid card and its own device logs in.
        r = nas.authenticate(card.code, card.pin, mac=_random_mac())
        assert r.accepted, r.reply_message
        # A device that keeps guessing stays locked out, even with a valid card.
        guesser = _random_mac()
        for _ in range(LOCKOUT.max_mac):
            nas.authenticate(_random_card(), "123456", mac=guesser)
        r = nas.authenticate(card.code, card.pin, mac=guesser)
        assert r.reply_message == LOCKED
    # Refusals while the router is locked out are guesses too; a device's are not.
    assert _guesses(session_factory, router.id) == FLOOD + 2 + LOCKOUT.max_mac
