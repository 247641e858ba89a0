"""Accounting from the router through FreeRADIUS's spool into PostgreSQL: sessions a
venue owner sees, usage that ends a voucher, and nothing lost while the database is
down. The spool reader polls every second, so the tests poll the database."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from hotspot.messages import MESSAGES
from hotspot.models import RadiusSession
from simulator.radius import RadiusClient
from tests.radius.conftest import voucher_row, wait_until

MAC = "AA:BB:CC:00:40:01"
GiB = 1 << 30
ANSWERED = "Accounting-Response"


def session_row(session_factory, router_id: int, sid: str) -> RadiusSession | None:
    with session_factory() as s:
        return s.scalar(
            select(RadiusSession).where(
                RadiusSession.router_id == router_id,
                RadiusSession.acct_session_id == sid,
            )
        )


def stored(session_factory, router_id: int, sid: str, stopped: bool = False):
    def probe() -> RadiusSession | None:
        row = session_row(session_factory, router_id, sid)
        return row if row and (row.stopped_at or not stopped) else None

    probe.__doc__ = f"session {sid} stored{' and stopped' if stopped else ''}"
    return wait_until(probe, timeout=8)


def test_a_session_is_recorded(nas_a, venues, session_factory, make_voucher) -> None:
    v = make_voucher("a")
    assert nas_a.authenticate(v.code, v.pin, mac=MAC).accepted
    common = dict(username=v.code, session_id="83000001", mac=MAC, ip="10.5.50.17")
    sent_at = dt.datetime.now(dt.UTC)
    assert nas_a.accounting_start(**common).code_name == ANSWERED
    assert (
        nas_a.accounting_interim(
            session_time=60, input_octets=5 * GiB + 7, output_octets=123_456, **common
        ).code_name
        == ANSWERED
    )
    assert (
        nas_a.accounting_stop(
            session_time=125,
            input_octets=6 * GiB,
            output_octets=9 * GiB + 1,
            terminate_cause="Lost-Carrier",
            **common,
        ).code_name
        == ANSWERED
    )

    row = stored(session_factory, venues["a"].router.id, "83000001", stopped=True)
    assert (row.username, row.mac, str(row.framed_ip)) == (v.code, MAC, "10.5.50.17")
    assert (row.session_time, row.input_octets, row.output_octets) == (
        125,
        6 * GiB,
        9 * GiB + 1,
    )
    assert row.terminate_cause == "Lost-Carrier"
    assert row.voucher_id == v.voucher.id
    assert abs((row.started_at - sent_at).total_seconds()) < 3
    voucher = voucher_row(session_factory, v.voucher.id)
    assert (voucher.used_seconds, voucher.used_bytes) == (125, 15 * GiB + 1)
    assert voucher.status == "active"
    assert voucher.activated_at == row.started_at


def test_a_replayed_packet_changes_nothing(
    nas_a, venues, session_factory, make_voucher
) -> None:
    v = make_voucher("a", data="1GB")
    common = dict(username=v.code, session_id="83000002", mac=MAC, ip="10.5.50.18")
    interim = dict(session_time=300, input_octets=1_000, output_octets=2_000, **common)
    nas_a.accounting_start(**common)
    nas_a.accounting_interim(**interim)
    nas_a.accounting_stop(
        session_time=301, input_octets=1_500, output_octets=2_500, **common
    )
    router = venues["a"].router.id
    before = stored(session_factory, router, "83000002", stopped=True)
    used = voucher_row(session_factory, v.voucher.id)

    # The same packets again (a router retransmitting after a lost answer).
    nas_a.accounting_interim(**interim)
    nas_a.accounting_stop(
        session_time=301, input_octets=1_500, output_octets=2_500, **common
    )
    # The spool is read in order: once a later packet is stored, the replays were too.
    nas_a.accounting_start(**{**common, "session_id": "83000003"})
    stored(session_factory, router, "83000003")

    # (Only "last heard" may move: these copies say they were sent later.)
    after = session_row(session_factory, router, "83000002")
    assert (
        after.session_time,
        after.input_octets,
        after.output_octets,
        after.started_at,
        after.stopped_at,
        after.terminate_cause,
    ) == (
        before.session_time,
        before.input_octets,
        before.output_octets,
        before.started_at,
        before.stopped_at,
        before.terminate_cause,
    )
    again = voucher_row(session_factory, v.voucher.id)
    assert (again.used_seconds, again.used_bytes) == (
        used.used_seconds,
        used.used_bytes,
    )
    assert (used.used_seconds, used.used_bytes) == (301, 4_000)


def _exhaust(nas: RadiusClient, code: str, sid: str, **usage: int) -> None:
    common = dict(username=code, session_id=sid, mac=MAC, ip="10.5.50.19")
    nas.accounting_start(**common)
    nas.accounting_interim(**usage, **common)


def test_data_used_up_ends_the_voucher(nas_a, session_factory, make_voucher) -> None:
    v = make_voucher("a", data="1MB")
    r = nas_a.authenticate(v.code, v.pin, mac=MAC)
    assert r.accepted and r.first("Mikrotik-Total-Limit") == 1_000_000
    # The router overshoots a little before it cuts the guest off.
    _exhaust(
        nas_a,
        v.code,
        "83000004",
        session_time=40,
        input_octets=500_000,
        output_octets=1_500_000,
    )
    wait_until(lambda: voucher_row(session_factory, v.voucher.id).status == "exhausted")
    assert voucher_row(session_factory, v.voucher.id).used_bytes == 2_000_000

    r = nas_a.authenticate(v.code, v.pin, mac=MAC)
    assert r.attributes == {"Reply-Message": ["No data is left on this voucher."]}


def test_time_used_up_ends_the_voucher(nas_a, session_factory, make_voucher) -> None:
    v = make_voucher("a", time="1m")
    r = nas_a.authenticate(v.code, v.pin, mac=MAC)
    assert r.accepted and r.first("Session-Timeout") == 60
    _exhaust(
        nas_a, v.code, "83000005", session_time=60, input_octets=10, output_octets=10
    )
    wait_until(lambda: voucher_row(session_factory, v.voucher.id).status == "exhausted")

    r = nas_a.authenticate(v.code, v.pin, mac=MAC)
    assert r.attributes == {"Reply-Message": ["No time is left on this voucher."]}


def test_partly_used_time_shortens_the_next_session(
    nas_a, session_factory, make_voucher
) -> None:
    v = make_voucher("a", time="10m")
    _exhaust(
        nas_a, v.code, "83000006", session_time=240, input_octets=1, output_octets=1
    )
    wait_until(lambda: voucher_row(session_factory, v.voucher.id).used_seconds == 240)
    r = nas_a.authenticate(v.code, v.pin, mac=MAC)
    assert r.accepted and r.first("Session-Timeout") == 360


# Keep this test last in the module: it stops PostgreSQL (and starts it again).
def test_database_outage_fails_fast_and_loses_no_accounting(
    nas_a, venues, pg_cluster, session_factory, make_voucher
) -> None:
    v = make_voucher("a", data="1GB")
    router = venues["a"].router.id
    assert nas_a.authenticate(v.code, v.pin, mac=MAC).accepted
    unavailable = {"Reply-Message": [MESSAGES["service_unavailable"]]}
    sessions = {f"8300010{i}": (60 * (i + 1), 1_000 * (i + 1)) for i in range(4)}
    sent_at: dict[str, dt.datetime] = {}

    def send(sids: list[str]) -> None:
        for sid in sids:
            seconds, octets = sessions[sid]
            sent_at[sid] = dt.datetime.now(dt.UTC)
            common = dict(username=v.code, session_id=sid, mac=MAC, ip="10.5.50.20")
            assert nas_a.accounting_start(**common).code_name == ANSWERED
            assert (
                nas_a.accounting_stop(
                    session_time=seconds,
                    input_octets=octets,
                    output_octets=octets,
                    **common,
                ).code_name
                == ANSWERED
            )

    def refused_quickly() -> None:
        t = time.monotonic()
        r = nas_a.authenticate(v.code, v.pin, mac=MAC)
        assert time.monotonic() - t < 3
        assert r.attributes == unavailable
        assert r.message_authenticator

    pg_cluster.stop()
    try:
        refused_quickly()
        send(["83000100", "83000101"])
        # Past the router's client lifetime (2 s here): FreeRADIUS cannot look the
        # router up, and still knows it.
        time.sleep(2.2)
        refused_quickly()
        send(["83000102", "83000103"])
    finally:
        pg_cluster.start()

    def all_stored() -> bool:
        rows = [session_row(session_factory, router, sid) for sid in sessions]
        return all(r is not None and r.stopped_at is not None for r in rows)

    all_stored.__doc__ = "every spooled session stored"
    wait_until(all_stored, timeout=15, interval=0.3)
    for sid, (seconds, octets) in sessions.items():
        row = session_row(session_factory, router, sid)
        assert (row.session_time, row.input_octets, row.output_octets) == (
            seconds,
            octets,
            octets,
        )
        # The time the router sent it, not when it was read back from the spool.
        assert abs((row.stopped_at - sent_at[sid]).total_seconds()) < 2
    voucher = voucher_row(session_factory, v.voucher.id)
    assert voucher.used_seconds == sum(s for s, _ in sessions.values())
    assert voucher.used_bytes == sum(2 * o for _, o in sessions.values())

    # FreeRADIUS reconnects by itself.
    wait_until(
        lambda: nas_a.authenticate(v.code, v.pin, mac=MAC).accepted,
        timeout=10,
        interval=0.5,
    )
