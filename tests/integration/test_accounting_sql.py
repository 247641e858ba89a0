"""hotspot_accounting, the SQL function the spool reader calls for every accounting
packet: what a venue owner sees in sessions and what a voucher is charged.

Called exactly as rlm_sql calls it: fourteen text arguments, absent attributes as ''.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hotspot.models import RadiusSession, Router
from hotspot.settings import Settings
from tests import factories

T0 = 1_900_000_000  # epoch seconds of the first packet
MAC = "AA:BB:CC:DD:EE:01"
GiB = 1 << 30

ACCOUNTING = text(
    "SELECT hotspot_accounting(:router, :status, :sid, :user, :mac, :ip, :time, "
    ":in_lo, :in_gw, :out_lo, :out_gw, :cause, :now, :delay)"
)


def acct(
    session: Session,
    router: Router | str,
    status: str,
    sid: str,
    user: str,
    *,
    mac: str = MAC,
    ip: str = "10.5.50.23",
    time: int | None = None,
    inp: int | None = None,
    out: int | None = None,
    cause: str = "",
    now: int = T0,
    delay: int = 0,
) -> str | None:
    """One accounting packet, as the spool reader's rlm_sql expansion passes it."""

    def split(n: int | None) -> tuple[str, str]:
        return ("", "") if n is None else (str(n & 0xFFFFFFFF), str(n >> 32))

    in_lo, in_gw = split(inp)
    out_lo, out_gw = split(out)
    result = session.scalar(
        ACCOUNTING,
        {
            "router": router if isinstance(router, str) else str(router.id),
            "status": status,
            "sid": sid,
            "user": user,
            "mac": mac,
            "ip": ip,
            "time": "" if time is None else str(time),
            "in_lo": in_lo,
            "in_gw": in_gw,
            "out_lo": out_lo,
            "out_gw": out_gw,
            "cause": cause,
            "now": str(now),
            "delay": str(delay),
        },
    )
    session.expire_all()
    return result


def sessions(session: Session, router: Router) -> list[RadiusSession]:
    return list(
        session.scalars(
            select(RadiusSession).where(RadiusSession.router_id == router.id)
        )
    )


def at(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


@pytest.fixture
def venue(db_session: Session, settings: Settings):
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    return owner, router


def test_start_interim_stop_make_one_session(db_session, settings, venue) -> None:
    owner, router = venue
    v = factories.voucher(db_session, owner, settings.pin_key).voucher
    assert v.status == "new" and v.activated_at is None

    assert (
        acct(
            db_session,
            router,
            "Start",
            "81000001",
            v.code,
            mac="aa:bb:cc:dd:ee:01",
            now=T0,
            delay=2,
        )
        == "ok"
    )
    [row] = sessions(db_session, router)
    assert row.username == v.code
    assert row.mac == MAC  # stored in MikroTik's upper-case form
    assert str(row.framed_ip) == "10.5.50.23"
    assert row.voucher_id == v.id
    assert row.started_at == at(T0 - 2)  # Acct-Delay-Time: sent 2 s before
    assert row.stopped_at is None
    assert (row.session_time, row.input_octets, row.output_octets) == (0, 0, 0)

    acct(
        db_session,
        router,
        "Interim-Update",
        "81000001",
        v.code,
        time=60,
        inp=1_000,
        out=5_000,
        now=T0 + 60,
    )
    [row] = sessions(db_session, router)
    assert (row.session_time, row.input_octets, row.output_octets) == (60, 1_000, 5_000)
    assert row.updated_at == at(T0 + 60)
    assert row.stopped_at is None

    acct(
        db_session,
        router,
        "Stop",
        "81000001",
        v.code,
        time=125,
        inp=2_000,
        out=9_000,
        cause="Lost-Carrier",
        now=T0 + 125,
    )
    [row] = sessions(db_session, router)
    assert (row.session_time, row.input_octets, row.output_octets) == (
        125,
        2_000,
        9_000,
    )
    assert row.stopped_at == at(T0 + 125)
    assert row.terminate_cause == "Lost-Carrier"

    db_session.refresh(v)
    assert (v.used_seconds, v.used_bytes) == (125, 11_000)
    assert v.status == "active"
    # Validity counts from the first use: when the session started.
    assert v.activated_at == at(T0 - 2)


def test_gigawords_make_64_bit_counters(db_session, settings, venue) -> None:
    owner, router = venue
    v = factories.voucher(db_session, owner, settings.pin_key).voucher
    big_in, big_out = 5 * GiB + 7, 3 * (1 << 32) + 123_456
    acct(db_session, router, "Start", "81000002", v.code)
    acct(
        db_session,
        router,
        "Interim-Update",
        "81000002",
        v.code,
        time=600,
        inp=big_in,
        out=big_out,
        now=T0 + 600,
    )
    [row] = sessions(db_session, router)
    assert (row.input_octets, row.output_octets) == (big_in, big_out)
    db_session.refresh(v)
    assert v.used_bytes == big_in + big_out


def test_a_replayed_packet_changes_nothing(db_session, settings, venue) -> None:
    owner, router = venue
    v = factories.voucher(db_session, owner, settings.pin_key, data="1GB").voucher
    acct(db_session, router, "Start", "81000003", v.code)
    interim = dict(time=300, inp=10_000, out=90_000, now=T0 + 300)
    acct(db_session, router, "Interim-Update", "81000003", v.code, **interim)
    stop = dict(time=400, inp=20_000, out=180_000, cause="User-Request", now=T0 + 400)
    acct(db_session, router, "Stop", "81000003", v.code, **stop)

    def snapshot() -> tuple:
        [row] = sessions(db_session, router)
        db_session.refresh(v)
        return (
            row.session_time,
            row.input_octets,
            row.output_octets,
            row.stopped_at,
            row.terminate_cause,
            row.updated_at,
            v.used_seconds,
            v.used_bytes,
            v.status,
            v.activated_at,
        )

    before = snapshot()
    assert before[6:8] == (400, 200_000)
    # The packets come again (a retransmission, or the spool read twice): read
    # later, with an Acct-Delay-Time grown by the wait, as the spool reader does.
    acct(db_session, router, "Start", "81000003", v.code, now=T0 + 500, delay=500)
    acct(db_session, router, "Interim-Update", "81000003", v.code, **interim)
    acct(db_session, router, "Stop", "81000003", v.code, **stop)
    acct(
        db_session,
        router,
        "Stop",
        "81000003",
        v.code,
        **{**stop, "now": T0 + 900, "delay": 500},
    )
    # A second Stop with another cause does not rewrite how the session ended.
    acct(
        db_session,
        router,
        "Stop",
        "81000003",
        v.code,
        **{**stop, "cause": "Admin-Reset"},
    )
    assert snapshot() == before
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(RadiusSession)
            .where(RadiusSession.router_id == router.id)
        )
        == 1
    )


def test_an_older_interim_arriving_late_neither_lowers_nor_double_charges(
    db_session, settings, venue
) -> None:
    owner, router = venue
    v = factories.voucher(db_session, owner, settings.pin_key).voucher
    acct(db_session, router, "Start", "81000004", v.code)
    acct(
        db_session,
        router,
        "Interim-Update",
        "81000004",
        v.code,
        time=120,
        inp=2_000,
        out=20_000,
        now=T0 + 120,
    )
    # The 60 s update was delayed in the network and arrives after the 120 s one.
    acct(
        db_session,
        router,
        "Interim-Update",
        "81000004",
        v.code,
        time=60,
        inp=1_000,
        out=10_000,
        now=T0 + 60,
    )
    [row] = sessions(db_session, router)
    assert (row.session_time, row.input_octets, row.output_octets) == (
        120,
        2_000,
        20_000,
    )
    assert row.updated_at == at(T0 + 120)
    db_session.refresh(v)
    assert (v.used_seconds, v.used_bytes) == (120, 22_000)

    # The next update charges only the growth since 120 s.
    acct(
        db_session,
        router,
        "Interim-Update",
        "81000004",
        v.code,
        time=180,
        inp=3_000,
        out=30_000,
        now=T0 + 180,
    )
    db_session.refresh(v)
    assert (v.used_seconds, v.used_bytes) == (180, 33_000)


def test_the_voucher_is_charged_across_sessions(db_session, settings, venue) -> None:
    owner, router = venue
    v = factories.voucher(db_session, owner, settings.pin_key).voucher
    for sid, t0 in (("81000005", T0), ("81000006", T0 + 3600)):
        acct(db_session, router, "Start", sid, v.code, now=t0)
        acct(
            db_session,
            router,
            "Stop",
            sid,
            v.code,
            time=100,
            inp=1_000,
            out=4_000,
            now=t0 + 100,
            cause="User-Request",
        )
    assert len(sessions(db_session, router)) == 2
    db_session.refresh(v)
    assert (v.used_seconds, v.used_bytes) == (200, 10_000)
    assert v.activated_at == at(T0)  # the first use, not the last


def test_activated_at_when_the_start_was_lost(db_session, settings, venue) -> None:
    owner, router = venue
    v = factories.voucher(db_session, owner, settings.pin_key).voucher
    # No Start ever arrived: the first packet is an Interim 300 s into the session.
    acct(
        db_session,
        router,
        "Interim-Update",
        "81000007",
        v.code,
        time=300,
        inp=1,
        out=1,
        now=T0 + 300,
    )
    [row] = sessions(db_session, router)
    assert row.started_at == at(T0)
    db_session.refresh(v)
    assert v.activated_at == at(T0)
    assert v.status == "active"


@pytest.mark.parametrize(
    ("limits", "usage"),
    [
        pytest.param(
            {"data": "1MB"}, {"time": 30, "inp": 500_000, "out": 1_500_000}, id="data"
        ),
        pytest.param(
            {"data": "1MB"},
            {"time": 30, "inp": 400_000, "out": 600_000},
            id="data-exactly",
        ),
        pytest.param({"time": "1m"}, {"time": 60, "inp": 10, "out": 10}, id="time"),
        pytest.param(
            {"time": "1m"}, {"time": 75, "inp": 10, "out": 10}, id="time-over"
        ),
    ],
)
def test_voucher_becomes_exhausted_when_a_limit_is_reached(
    db_session, settings, venue, limits, usage
) -> None:
    owner, router = venue
    v = factories.voucher(db_session, owner, settings.pin_key, **limits).voucher
    acct(db_session, router, "Start", "81000008", v.code)
    acct(
        db_session,
        router,
        "Interim-Update",
        "81000008",
        v.code,
        now=T0 + 10,
        time=10,
        inp=1,
        out=1,
    )
    db_session.refresh(v)
    assert v.status == "active"
    acct(db_session, router, "Interim-Update", "81000008", v.code, now=T0 + 90, **usage)
    db_session.refresh(v)
    assert v.status == "exhausted"
    # Charged what was really used, even past the limit.
    assert v.used_bytes == usage["inp"] + usage["out"]
    assert v.used_seconds == usage["time"]


def test_a_revoked_voucher_stays_revoked(db_session, settings, venue) -> None:
    owner, router = venue
    v = factories.voucher(db_session, owner, settings.pin_key, data="1MB").voucher
    v.status = "revoked"
    db_session.flush()
    acct(
        db_session,
        router,
        "Stop",
        "81000009",
        v.code,
        time=60,
        inp=2_000_000,
        out=0,
        cause="Admin-Reset",
    )
    db_session.refresh(v)
    assert v.status == "revoked"
    assert v.used_bytes == 2_000_000


@pytest.mark.parametrize("router_arg", ["999999999", "abc", "", "1; DROP TABLE x"])
def test_unknown_router_is_answered_ok_and_nothing_is_stored(
    db_session, settings, venue, router_arg
) -> None:
    owner, _ = venue
    v = factories.voucher(db_session, owner, settings.pin_key).voucher
    count = db_session.scalar(select(func.count()).select_from(RadiusSession))
    assert acct(db_session, router_arg, "Start", "81000010", v.code) == "ok"
    assert (
        acct(
            db_session, router_arg, "Stop", "81000010", v.code, time=60, inp=10, out=10
        )
        == "ok"
    )
    assert db_session.scalar(select(func.count()).select_from(RadiusSession)) == count
    db_session.refresh(v)
    assert (v.used_seconds, v.used_bytes, v.status) == (0, 0, "new")


@pytest.mark.parametrize("status", ["Accounting-On", "Accounting-Off", "Alive", ""])
def test_router_level_packets_store_no_session(db_session, venue, status) -> None:
    _, router = venue
    assert acct(db_session, router, status, "81000011", "someone") == "ok"
    assert sessions(db_session, router) == []


def test_another_owners_voucher_is_recorded_but_not_charged(
    db_session, settings, venue
) -> None:
    owner, router = venue
    other = factories.owner(db_session)
    v = factories.voucher(db_session, other, settings.pin_key).voucher
    acct(
        db_session,
        router,
        "Stop",
        "81000012",
        v.code,
        time=60,
        inp=10,
        out=10,
        cause="User-Request",
    )
    [row] = sessions(db_session, router)
    assert row.voucher_id is None
    db_session.refresh(v)
    assert (v.used_seconds, v.used_bytes, v.status) == (0, 0, "new")


def test_same_session_id_on_two_routers_are_two_sessions(
    db_session, settings, venue
) -> None:
    owner, router = venue
    router2 = factories.router(db_session, owner)
    v = factories.voucher(db_session, owner, settings.pin_key).voucher
    acct(db_session, router, "Stop", "81000013", v.code, time=60, inp=100, out=100)
    acct(db_session, router2, "Stop", "81000013", v.code, time=30, inp=50, out=50)
    assert len(sessions(db_session, router)) == 1
    assert len(sessions(db_session, router2)) == 1
    db_session.refresh(v)
    assert (v.used_seconds, v.used_bytes) == (90, 300)


@pytest.mark.parametrize("status", ["Accounting-On", "Accounting-Off"])
def test_a_router_restarting_closes_its_sessions_from_before(
    db_session, venue, status
) -> None:
    _, router = venue
    other = factories.router(db_session, router.owner)
    acct(db_session, router, "Start", "81000020", "before", now=T0)
    acct(
        db_session, router, "Interim-Update", "81000020", "before", time=60, now=T0 + 60
    )
    acct(db_session, other, "Start", "81000021", "elsewhere", now=T0)
    # Read first from another spool shard: a session that began after the event.
    acct(db_session, router, "Start", "81000022", "after", now=T0 + 200)
    # Router-level packets carry no session: no id, no user.
    assert acct(db_session, router, status, "", "", mac="", ip="", now=T0 + 100) == "ok"

    rows = {r.username: r for r in sessions(db_session, router)}
    assert rows["before"].terminate_cause == "NAS-Reboot"
    assert rows["before"].stopped_at == rows["before"].updated_at
    assert rows["after"].stopped_at is None
    [elsewhere] = sessions(db_session, other)
    assert elsewhere.stopped_at is None
    # A late interim of the closed session does not open it again.
    acct(
        db_session, router, "Interim-Update", "81000020", "before", time=90, now=T0 + 90
    )
    [before] = [r for r in sessions(db_session, router) if r.username == "before"]
    assert before.stopped_at is not None and before.session_time == 90
