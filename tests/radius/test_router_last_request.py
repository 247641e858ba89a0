"""A router's last RADIUS request: hotspot_auth_state notes it on an
Access-Request through the real FreeRADIUS (as its own role), at most once a
minute, and a portal check of the same state does not count as one."""

from __future__ import annotations

import datetime as dt
import json
import time

from sqlalchemy import text, update

from hotspot.db import transaction
from hotspot.models import Router
from tests.cli.conftest import cli  # noqa: F401 - the shared fixture

MAC = "AA:BB:CC:00:24:01"


def last_request(session_factory, router_id: int) -> dt.datetime | None:
    with session_factory() as s:
        return s.get(Router, router_id).last_request_at


def set_last_request(session_factory, router_id: int, when) -> None:
    with transaction(session_factory) as s:
        s.execute(
            update(Router).where(Router.id == router_id).values(last_request_at=when)
        )


def test_an_access_request_notes_the_router_once_a_minute(
    radius,
    nas_a,
    venues,
    session_factory,
    cli,  # noqa: F811
):
    rid = venues["a"].router.id
    set_last_request(session_factory, rid, None)
    nas_a.authenticate("no-such-card", "123456", mac=MAC)
    first = last_request(session_factory, rid)
    assert first is not None
    # Within the minute: not written again.
    nas_a.authenticate("no-such-card", "123456", mac=MAC)
    assert last_request(session_factory, rid) == first
    # Older than a minute: written again.
    old = first - dt.timedelta(minutes=2)
    set_last_request(session_factory, rid, old)
    nas_a.authenticate("no-such-card", "123456", mac=MAC)
    newest = last_request(session_factory, rid)
    assert newest > old
    shown = json.loads(cli("router", "status", "--json").stdout)
    (row,) = [r for r in shown if r["nas_id"] == venues["a"].router.nas_identifier]
    assert row["last_request"] == newest.isoformat()


def test_the_portal_s_check_is_no_radius_request(venues, session_factory):
    rid = venues["b"].router.id
    set_last_request(session_factory, rid, None)
    with transaction(session_factory) as s:
        s.execute(
            text("SELECT hotspot_auth_state(:r, 'x', '', '', '', 'portal', 600, 60)"),
            {"r": str(rid)},
        )
    assert last_request(session_factory, rid) is None


def test_a_locked_router_row_does_not_hold_the_request_up(
    radius, nas_a, venues, session_factory, make_voucher
):
    card = make_voucher("a", time="1h")
    rid = venues["a"].router.id
    set_last_request(session_factory, rid, None)
    with session_factory() as holder:
        # A cabinet change in flight: the router's row locked.
        holder.execute(
            text("SELECT id FROM routers WHERE id = :r FOR UPDATE"), {"r": rid}
        )
        started = time.monotonic()
        result = nas_a.authenticate(card.code, card.pin, mac=MAC)
        assert time.monotonic() - started < 2 and result.accepted
        holder.rollback()
    assert last_request(session_factory, rid) is None  # skipped, not waited for
