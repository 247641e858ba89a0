"""Tariffs at the router, through the real FreeRADIUS: burst rate limits, metered
cards whose limits come from the balance left (and shrink as accounting arrives
through the spool), devices online at once, revoked cards and validity counted from
the card's creation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from hotspot.clock import utcnow
from hotspot.crypto import PinCipher
from hotspot.db import transaction
from hotspot.models import RadiusSession
from hotspot.services.tariffs import add_tariff
from hotspot.services.vouchers import IssuedVoucher, generate_vouchers, revoke_voucher
from simulator.radius import RadiusClient
from tests import factories
from tests.radius.conftest import voucher_row, wait_until

MAC1, MAC2, MAC3 = "02:7A:00:00:00:01", "02:7A:00:00:00:02", "02:7A:00:00:00:03"
MB = 1_000_000
BALANCE_USED = {"Reply-Message": ["The balance of this card is used up."]}
IN_USE = {"Reply-Message": ["This voucher is already in use on another device."]}


def issue(
    session_factory,
    settings,
    venue,
    *,
    face_value: str | None = None,
    made_at: dt.datetime | None = None,
    **tariff: object,
) -> IssuedVoucher:
    """A committed card of a new tariff of ``venue``'s owner."""
    with transaction(session_factory) as s:
        owner = s.merge(venue.owner)
        t = add_tariff(s, owner, factories.unique("tariff"), **tariff)  # type: ignore[arg-type]
        [card] = generate_vouchers(
            s,
            owner,
            t,
            1,
            PinCipher(settings.pin_key),
            face_value=face_value,
            now=made_at,
        )
    return card


def used(session_factory, card: IssuedVoucher, seconds: int = 0, nbytes: int = 0):
    """Wait until the spool reader has charged the card this much."""

    def probe() -> bool:
        v = voucher_row(session_factory, card.voucher.id)
        return (v.used_seconds, v.used_bytes) == (seconds, nbytes)

    probe.__doc__ = f"card charged {seconds} s and {nbytes} B"
    wait_until(probe, timeout=8)


def online(session_factory, router_id: int, sid: str, stopped: bool = False) -> None:
    """Wait until the session is stored (and stopped)."""

    def probe() -> bool:
        with session_factory() as s:
            row = s.scalar(
                select(RadiusSession).where(
                    RadiusSession.router_id == router_id,
                    RadiusSession.acct_session_id == sid,
                )
            )
        return row is not None and (row.stopped_at is not None) == stopped

    probe.__doc__ = f"session {sid} {'stopped' if stopped else 'online'}"
    wait_until(probe, timeout=8)


def session(nas: RadiusClient, card: IssuedVoucher, sid: str, mac: str) -> dict:
    return dict(username=card.code, session_id=sid, mac=mac, ip="10.5.50.60")


def test_a_full_burst_rate_limit_reaches_the_router_as_typed(
    nas_a, settings, venues, session_factory
) -> None:
    # rx/tx, burst rx/tx, burst threshold rx/tx, burst time rx/tx, priority, min rx/tx
    rate = "2M/4M 4M/8M 1500k/3M 16/16 5 512k/1M"
    card = issue(session_factory, settings, venues["a"], time="1h", rate=rate)
    r = nas_a.authenticate(card.code, card.pin, mac=MAC1)
    assert r.accepted, r.reply_message
    assert r.attributes["Mikrotik-Rate-Limit"] == [rate]


def test_metered_per_mb_card_spends_its_balance(
    nas_a, settings, venues, session_factory
) -> None:
    card = issue(
        session_factory,
        settings,
        venues["a"],
        kind="metered",
        price_per_mb="50",
        face_value="5000",
    )
    r = nas_a.authenticate(card.code, card.pin, mac=MAC1)
    assert r.accepted, r.reply_message
    # 5000 at 50 per MB: 100 MB; time is free (the 24-hour rule only).
    assert r.first("Mikrotik-Total-Limit") == 100 * MB
    assert r.first("Session-Timeout") == 86400

    common = session(nas_a, card, "8A000001", MAC1)
    nas_a.accounting_start(**common)
    nas_a.accounting_interim(
        session_time=600, input_octets=25 * MB, output_octets=5 * MB, **common
    )
    used(session_factory, card, 600, 30 * MB)
    r = nas_a.authenticate(card.code, card.pin, mac=MAC1)
    assert r.accepted and r.first("Mikrotik-Total-Limit") == 70 * MB

    # The router cuts the guest off at the limit.
    nas_a.accounting_stop(
        session_time=1500, input_octets=90 * MB, output_octets=10 * MB, **common
    )
    used(session_factory, card, 1500, 100 * MB)
    r = nas_a.authenticate(card.code, card.pin, mac=MAC1)
    assert r.attributes == BALANCE_USED


def test_metered_per_minute_card_spends_its_balance(
    nas_a, settings, venues, session_factory
) -> None:
    card = issue(
        session_factory,
        settings,
        venues["a"],
        kind="metered",
        price_per_minute="10",
        face_value="1000",
    )
    r = nas_a.authenticate(card.code, card.pin, mac=MAC1)
    assert r.accepted, r.reply_message
    # 1000 at 10 per minute: 100 minutes; data is free.
    assert r.first("Session-Timeout") == 6000
    assert "Mikrotik-Total-Limit" not in r.attributes

    common = session(nas_a, card, "8A000002", MAC1)
    nas_a.accounting_start(**common)
    nas_a.accounting_stop(
        session_time=1800, input_octets=300 * MB, output_octets=20 * MB, **common
    )
    used(session_factory, card, 1800, 320 * MB)
    r = nas_a.authenticate(card.code, card.pin, mac=MAC1)
    assert r.accepted and r.first("Session-Timeout") == 4200

    common = session(nas_a, card, "8A000003", MAC1)
    nas_a.accounting_start(**common)
    nas_a.accounting_stop(session_time=4200, input_octets=1, output_octets=1, **common)
    used(session_factory, card, 6000, 320 * MB + 2)
    assert nas_a.authenticate(card.code, card.pin, mac=MAC1).attributes == BALANCE_USED


def test_a_large_per_minute_balance_still_ends_after_24_hours(
    nas_a, settings, venues, session_factory
) -> None:
    card = issue(
        session_factory,
        settings,
        venues["a"],
        kind="metered",
        price_per_minute="1",
        face_value="100000",
    )
    r = nas_a.authenticate(card.code, card.pin, mac=MAC1)
    assert r.accepted and r.first("Session-Timeout") == 86400


def test_one_device_at_a_time(nas_a, settings, venues, session_factory) -> None:
    card = issue(session_factory, settings, venues["a"], time="2h")
    assert nas_a.authenticate(card.code, card.pin, mac=MAC1).accepted
    first = session(nas_a, card, "8A000011", MAC1)
    nas_a.accounting_start(**first)
    online(session_factory, venues["a"].router.id, "8A000011")

    # A friend tries the same card on another phone.
    assert nas_a.authenticate(card.code, card.pin, mac=MAC2).attributes == IN_USE
    # The first phone itself may log in again (e.g. after roaming between APs).
    assert nas_a.authenticate(card.code, card.pin, mac=MAC1).accepted

    nas_a.accounting_stop(session_time=300, input_octets=1, output_octets=1, **first)
    online(session_factory, venues["a"].router.id, "8A000011", stopped=True)
    r = nas_a.authenticate(card.code, card.pin, mac=MAC2)
    assert r.accepted, r.reply_message
    assert r.first("Session-Timeout") == 7200 - 300


def test_a_two_device_tariff_admits_two(nas_b, settings, venues, session_factory):
    card = issue(session_factory, settings, venues["b"], time="2h", max_devices=2)
    router = venues["b"].router.id
    for n, mac in enumerate((MAC1, MAC2)):
        assert nas_b.authenticate(card.code, card.pin, mac=mac).accepted
        nas_b.accounting_start(**session(nas_b, card, f"8A00002{n}", mac))
    for n in range(2):
        online(session_factory, router, f"8A00002{n}")
    assert nas_b.authenticate(card.code, card.pin, mac=MAC3).attributes == IN_USE


def test_a_revoked_card_is_refused(nas_a, settings, venues, session_factory) -> None:
    card = issue(session_factory, settings, venues["a"], time="1h")
    assert nas_a.authenticate(card.code, card.pin, mac=MAC1).accepted
    with transaction(session_factory) as s:
        revoke_voucher(s, s.merge(venues["a"].owner), card.code, utcnow())
    r = nas_a.authenticate(card.code, card.pin, mac=MAC1)
    assert r.attributes == {"Reply-Message": ["This voucher has been revoked."]}


def test_validity_from_creation(nas_a, settings, venues, session_factory) -> None:
    now = utcnow()
    stale = issue(
        session_factory,
        settings,
        venues["a"],
        time="10h",
        validity="1h",
        validity_from="creation",
        made_at=now - dt.timedelta(hours=2),
    )
    r = nas_a.authenticate(stale.code, stale.pin, mac=MAC1)
    assert r.attributes == {"Reply-Message": ["This voucher has expired."]}

    # Made 30 minutes ago and never used: 30 minutes left, not the hour.
    fresh = issue(
        session_factory,
        settings,
        venues["a"],
        time="10h",
        validity="1h",
        validity_from="creation",
        made_at=now - dt.timedelta(minutes=30),
    )
    r = nas_a.authenticate(fresh.code, fresh.pin, mac=MAC1)
    assert r.accepted, r.reply_message
    assert 1790 <= r.first("Session-Timeout") <= 1800
