"""A guest types a voucher on the portal: the same policy as RADIUS, then a one-time
login ticket bound to the device and the router. Time is injected."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotspot.crypto import ticket_password
from hotspot.models import LoginTicket
from hotspot.policy import Accept, Reject
from hotspot.services.access import (
    PortalLogin,
    issue_ticket,
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

    assert purge_login_tickets(db_session, NOW) == 2
    # The one expiring exactly now could still be in flight: kept until it is past.
    assert left() == {edge.id, fresh.id}
    assert purge_login_tickets(db_session, NOW + dt.timedelta(seconds=1)) == 1
    assert left() == {fresh.id}
    assert purge_login_tickets(db_session, NOW + ttl + dt.timedelta(seconds=1)) == 1
    assert left() == set()
