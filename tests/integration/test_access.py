"""A guest types a voucher on the portal: the same policy as RADIUS, then a one-time
login ticket bound to the device and the router. Time is injected."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hotspot.crypto import ticket_password
from hotspot.models import AuthFailure, LoginTicket
from hotspot.policy import (
    LOCKOUT,
    MAX_DEVICES,
    SOURCE_PORTAL,
    SOURCE_RADIUS,
    Accept,
    Reject,
)
from hotspot.services.access import (
    PortalLogin,
    issue_ticket,
    load_state,
    purge_login_tickets,
    voucher_login,
)
from hotspot.settings import Settings
from tests import factories

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
MAC = "AA:BB:CC:DD:EE:01"


@pytest.fixture
def venue(db_session: Session):
    owner = factories.owner(db_session)
    return owner, factories.router(db_session, owner)


def tickets(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(LoginTicket)) or 0


@pytest.mark.parametrize(
    "typed",
    [lambda c: c, lambda c: f" {c[:5]} {c[5:]} ", lambda c: f"{c[:5]}-{c[5:]}"],
    ids=["as-printed", "with-spaces", "with-dash"],
)
def test_right_pin_gives_a_ticket_bound_to_mac_and_router(
    db_session, settings: Settings, venue, typed
) -> None:
    owner, router = venue
    issued = factories.voucher(
        db_session, owner, settings.pin_key, time="2h", rate="1M/2M"
    )
    login = voucher_login(
        db_session, settings, router, typed(issued.code), f" {issued.pin} ", MAC, NOW
    )
    assert isinstance(login, PortalLogin)
    t = login.ticket
    assert login.username == issued.code
    assert login.password == ticket_password(settings.secret_key, t.nonce)
    assert login.password != issued.pin
    assert (t.router_id, t.mac, t.username, t.voucher_id, t.method, t.used_at) == (
        router.id,
        MAC,
        issued.code,
        issued.voucher.id,
        "voucher",
        None,
    )
    assert t.expires_at == NOW + dt.timedelta(seconds=settings.ticket_ttl)
    assert isinstance(login.decision, Accept)
    assert login.decision.session_timeout == 7200
    assert ("Mikrotik-Rate-Limit", ":=", "1M/2M") in login.decision.reply


def test_each_login_gets_its_own_ticket(db_session, settings, venue) -> None:
    # The guest presses "connect" twice: a pending ticket does not lock them out.
    owner, router = venue
    issued = factories.voucher(db_session, owner, settings.pin_key)
    first = voucher_login(
        db_session, settings, router, issued.code, issued.pin, MAC, NOW
    )
    second = voucher_login(
        db_session, settings, router, issued.code, issued.pin, MAC, NOW
    )
    assert isinstance(first, PortalLogin) and isinstance(second, PortalLogin)
    assert first.ticket.id != second.ticket.id
    assert first.password != second.password


@pytest.mark.parametrize("pin", ["000000", "", "12345678901234567890"])
def test_wrong_pin(db_session, settings, venue, pin) -> None:
    owner, router = venue
    issued = factories.voucher(db_session, owner, settings.pin_key)
    if pin == issued.pin:
        pin = "999999" if pin != "999999" else "111111"
    before = tickets(db_session)
    assert voucher_login(
        db_session, settings, router, issued.code, pin, MAC, NOW
    ) == Reject("wrong_pin")
    assert tickets(db_session) == before


def test_voucher_of_another_owner(db_session, settings, venue) -> None:
    owner, _ = venue
    issued = factories.voucher(db_session, owner, settings.pin_key)
    other_router = factories.router(db_session, factories.owner(db_session))
    before = tickets(db_session)
    result = voucher_login(
        db_session, settings, other_router, issued.code, issued.pin, MAC, NOW
    )
    assert result == Reject("wrong_venue")
    assert result.message == "This voucher is not valid at this venue."
    assert tickets(db_session) == before


@pytest.mark.parametrize("code", ["0000000000", "", "x" * 40])
def test_unknown_code(db_session, settings, venue, code) -> None:
    _, router = venue
    assert voucher_login(
        db_session, settings, router, code, "123456", MAC, NOW
    ) == Reject("unknown_user")


def test_the_portal_uses_the_injected_time(db_session, settings, venue) -> None:
    owner, router = venue
    issued = factories.voucher(db_session, owner, settings.pin_key)
    issued.voucher.expires_at = NOW + dt.timedelta(hours=1)
    db_session.flush()
    ok = voucher_login(db_session, settings, router, issued.code, issued.pin, MAC, NOW)
    assert isinstance(ok, PortalLogin)
    assert ok.decision.session_timeout == 3600
    late = NOW + dt.timedelta(hours=1, seconds=1)
    assert voucher_login(
        db_session, settings, router, issued.code, issued.pin, MAC, late
    ) == Reject("voucher_expired")


def test_an_exhausted_voucher_says_why(db_session, settings, venue) -> None:
    owner, router = venue
    issued = factories.voucher(db_session, owner, settings.pin_key, data="1MB")
    issued.voucher.used_bytes = 1_000_000
    issued.voucher.status = "exhausted"
    db_session.flush()
    result = voucher_login(
        db_session, settings, router, issued.code, issued.pin, MAC, NOW
    )
    assert result == Reject("data_used")
    assert result.message == "No data is left on this voucher."


def test_purge_deletes_only_expired_tickets(db_session, settings, venue) -> None:
    _, router = venue
    ttl = dt.timedelta(seconds=settings.ticket_ttl)
    old, _ = issue_ticket(
        db_session, settings, router, "u1", MAC, "voucher", NOW - ttl * 3
    )
    used, _ = issue_ticket(
        db_session, settings, router, "u2", MAC, "voucher", NOW - ttl * 2
    )
    used.used_at = NOW - ttl * 2
    edge, _ = issue_ticket(
        db_session, settings, router, "u3", MAC, "voucher", NOW - ttl
    )
    fresh, _ = issue_ticket(db_session, settings, router, "u4", MAC, "voucher", NOW)
    db_session.flush()
    ids = {t.id for t in (old, used, edge, fresh)}

    def left() -> set[int]:
        db_session.expire_all()
        return set(
            db_session.scalars(select(LoginTicket.id).where(LoginTicket.id.in_(ids)))
        )

    # Other tests' committed tickets may share the database: count what is due.
    due = db_session.scalar(select(func.count()).where(LoginTicket.expires_at < NOW))
    assert due >= 2 and purge_login_tickets(db_session, NOW) == due
    # The one expiring exactly now could still be in flight: kept until it is past.
    assert left() == {edge.id, fresh.id}
    assert purge_login_tickets(db_session, NOW + dt.timedelta(seconds=1)) == 1
    assert left() == {fresh.id}
    assert purge_login_tickets(db_session, NOW + ttl + dt.timedelta(seconds=1)) == 1
    assert left() == set()


# -- devices at once, as RADIUS counts them ------------------------------------------


def _online(session: Session, router, code: str, mac: str, when: dt.datetime) -> None:
    """An Accounting-Start, stored as the spool reader stores it."""
    session.execute(
        text(
            "SELECT hotspot_accounting(:r, 'Start', :id, :u, :m, '10.5.50.9',"
            " '0', '0', '0', '0', '0', '', :now, '0')"
        ),
        {
            "r": str(router.id),
            "id": factories.unique("acct"),
            "u": code,
            "m": mac,
            "now": str(int(when.timestamp())),
        },
    )


@pytest.mark.parametrize("limit", [1, 8, 9, MAX_DEVICES])
def test_a_card_admits_its_device_limit_and_refuses_one_more(
    db_session, settings, venue, limit: int
) -> None:
    owner, router = venue
    issued = factories.voucher(db_session, owner, settings.pin_key, max_devices=limit)
    macs = [f"02:DE:00:00:00:{n:02X}" for n in range(limit + 1)]
    for n, mac in enumerate(macs[:-1]):
        # The Nth device is admitted while N-1 others are online...
        login = voucher_login(
            db_session, settings, router, issued.code, issued.pin, mac, NOW
        )
        assert isinstance(login, PortalLogin), (n, login)
        _online(db_session, router, issued.code, mac, NOW - dt.timedelta(seconds=30))
    # ... one more is not.
    assert voucher_login(
        db_session, settings, router, issued.code, issued.pin, macs[-1], NOW
    ) == Reject("device_limit")


# -- guessing on the portal ----------------------------------------------------------


def _random_mac() -> str:
    return "02:" + ":".join(f"{b:02X}" for b in os.urandom(5))


def test_a_flood_of_made_up_numbers_on_the_portal_locks_no_guest_out(
    db_session, settings, venue
) -> None:
    owner, router = venue
    issued = factories.voucher(db_session, owner, settings.pin_key)
    for n in range(70):
        result = voucher_login(
            db_session, settings, router, f"9{n:09d}", "123456", _random_mac(), NOW
        )
        assert isinstance(result, Reject)
    # Made-up numbers and a real card's wrong PIN now get the same answer...
    for code, pin in ((f"8{0:09d}", "123456"), (issued.code, "00000000")):
        assert voucher_login(
            db_session, settings, router, code, pin, _random_mac(), NOW
        ) == Reject("guess_locked")
    # ... while a guest with a valid card on its own device logs in.
    login = voucher_login(
        db_session, settings, router, issued.code, issued.pin, _random_mac(), NOW
    )
    assert isinstance(login, PortalLogin)
    # A device that keeps guessing is locked out, even with the valid card.
    guesser = _random_mac()
    for n in range(LOCKOUT.max_mac):
        voucher_login(db_session, settings, router, f"7{n:09d}", "1", guesser, NOW)
    assert voucher_login(
        db_session, settings, router, issued.code, issued.pin, guesser, NOW
    ) == Reject("pin_locked")

    # Every guess was recorded as the portal's; RADIUS logins there are unaffected.
    sources = db_session.scalars(
        select(AuthFailure.source).where(AuthFailure.router_id == router.id)
    ).all()
    assert len(sources) == 70 + 2 + LOCKOUT.max_mac
    assert set(sources) == {SOURCE_PORTAL}
    at_radius = load_state(
        db_session, router.id, "9000000000", _random_mac(), NOW, source=SOURCE_RADIUS
    )
    assert at_radius.failures.router == 0
