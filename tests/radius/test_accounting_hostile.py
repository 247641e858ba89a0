"""Accounting records that cannot be stored as sent (too long, not numbers, counters
past 64 bits, bytes that are not UTF-8) from a registered router, through the real
FreeRADIUS spool: each is clamped and stored, or kept in accounting_dead_letters,
and the records after it in the same spool shard are stored at once."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
from sqlalchemy import text

from simulator import wire
from tests.radius.conftest import wait_until
from tests.radius.test_accounting import session_row

MAC = b"AA:BB:CC:00:41:01"
U32_MAX = 2**32 - 1


def send_raw(settings, venue, packet: bytes, timeout: float = 2.0) -> bytes:
    """One packet from the router's address to the accounting port; the answer."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((venue.ip, 0))
        sock.settimeout(timeout)
        sock.sendto(packet, (settings.radius_host, settings.radius_acct_port))
        return sock.recv(4096)


def account(settings, venue, attrs) -> None:
    reply = send_raw(
        settings, venue, wire.accounting_request(7, venue.secret.encode(), attrs)
    )
    assert wire.reply_code(reply) == wire.ACCOUNTING_RESPONSE


def dead_letters(session_factory, router_id: int) -> list[dict]:
    with session_factory() as s:
        rows = s.execute(
            text(
                "SELECT * FROM accounting_dead_letters WHERE router_id = :r ORDER BY id"
            ),
            {"r": router_id},
        )
        return [dict(r._mapping) for r in rows]


# Each ends in "4": the same spool shard as the normal Start sent after it.
HOSTILE = {
    "session id of 70 characters": dict(sid=b"9" * 69 + b"4"),
    "session id rlm_sql escapes": dict(sid=b"'\"\\;=%$*`(){}" * 19 + b"4"),
    "session id of 253 bytes": dict(sid=b"x" * 252 + b"4"),
    "username of 253 bytes": dict(user=b"u" * 253),
    "username not UTF-8": dict(user=b"\xff\xfe\xc3(guest\x80"),
    "username with a UTF-16 surrogate": dict(user=b"guest\xed\xa0\x80"),
    "every text at 253 bytes rlm_sql escapes": dict(
        sid=b"'" * 252 + b"4", user=b";" * 253, calling_station_id=b"%" * 253
    ),
    "username with a NUL byte": dict(user=b"gue\x00st"),
    "mac too long": dict(calling_station_id=b"A" * 200),
    "gigawords at their maximum": dict(
        acct_input_octets=U32_MAX,
        acct_input_gigawords=U32_MAX,
        acct_output_octets=U32_MAX,
        acct_output_gigawords=U32_MAX,
    ),
    "counters of the wrong length": dict(
        acct_session_time=b"\x01\x02", acct_input_octets=b"\x01" * 9
    ),
    "framed ip of the wrong length": dict(framed_ip_address=b"\x0a\x05"),
    "terminate cause unknown": dict(acct_terminate_cause=b"\xff\xff\xff\xff"),
}


def kept(session_factory, router_id: int) -> int:
    """Sessions stored plus records dead-lettered, for one router."""
    with session_factory() as s:
        return s.scalar(
            text(
                "SELECT (SELECT count(*) FROM radius_sessions WHERE router_id = :r)"
                " + (SELECT count(*) FROM accounting_dead_letters"
                " WHERE router_id = :r)"
            ),
            {"r": router_id},
        )


def hostile_then_normal(settings, venue, session_factory, attrs, normal: str):
    """Send the records ``attrs`` then a normal Start to the same spool shard;
    wait for the normal one to be stored."""
    for a in attrs:
        account(settings, venue, a)
    account(
        settings,
        venue,
        wire.accounting_attributes(wire.START, normal.encode(), b"guest-normal"),
    )
    router = venue.router.id
    return wait_until(lambda: session_row(session_factory, router, normal), timeout=5)


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_a_hostile_record_does_not_hold_up_its_shard(
    case, radius, settings, venues, session_factory
) -> None:
    venue, router = venues["b"], venues["b"].router.id
    fields = dict(HOSTILE[case])
    n = list(HOSTILE).index(case)
    sid = fields.pop("sid", f"8410{n:02d}a4".encode())
    user = fields.pop("user", b"guest-hostile")
    fields.setdefault("calling_station_id", MAC)
    before = kept(session_factory, router)
    hostile = [
        wire.accounting_attributes(status, sid, user, **fields)
        for status in (wire.START, wire.STOP)
    ]
    hostile_then_normal(settings, venue, session_factory, hostile, f"8420{n:02d}04")
    # The hostile Start and Stop: one session stored (made to fit) or kept.
    assert kept(session_factory, router) == before + 2

    with session_factory() as s:
        rows = s.execute(
            text(
                "SELECT acct_session_id, username, mac, input_octets, output_octets,"
                " terminate_cause FROM radius_sessions WHERE router_id = :r"
            ),
            {"r": router},
        ).all()
    for row in rows:
        assert len(row.acct_session_id) <= 64 and len(row.username) <= 64
        assert row.mac is None or len(row.mac) <= 17
        assert 0 <= row.input_octets <= 2**62 and 0 <= row.output_octets <= 2**62


def test_gigawords_at_their_maximum_are_capped(
    radius, settings, venues, session_factory
) -> None:
    venue = venues["b"]
    most = dict(acct_input_octets=U32_MAX, acct_input_gigawords=U32_MAX)
    attrs = [
        wire.accounting_attributes(
            wire.INTERIM, b"84300014", b"guest-gw", **most, acct_session_time=60
        )
    ]
    hostile_then_normal(settings, venue, session_factory, attrs, "84300024")
    row = session_row(session_factory, venue.router.id, "84300014")
    assert (row.input_octets, row.output_octets, row.session_time) == (2**62, 0, 60)


def test_a_record_that_cannot_be_stored_is_a_dead_letter(
    radius, settings, venues, session_factory, cli_env
) -> None:
    """Whatever the reason the database refuses a record (here a constraint the
    test adds), the reader keeps it in accounting_dead_letters and moves on."""
    venue, router = venues["b"], venues["b"].router.id
    with session_factory.begin() as s:
        s.execute(
            text(
                "ALTER TABLE radius_sessions ADD CONSTRAINT ck_test_poison"
                " CHECK (username <> 'poison') NOT VALID"
            )
        )
    try:
        attrs = [wire.accounting_attributes(wire.START, b"84400014", b"poison")]
        hostile_then_normal(settings, venue, session_factory, attrs, "84400024")
    finally:
        with session_factory.begin() as s:
            s.execute(
                text("ALTER TABLE radius_sessions DROP CONSTRAINT ck_test_poison")
            )
    assert session_row(session_factory, router, "84400014") is None
    (letter,) = [
        d
        for d in dead_letters(session_factory, router)
        if d["fields"]["session_id"] == "84400014"
    ]
    assert letter["router"] == str(router)
    assert letter["fields"]["username"] == "poison"
    assert letter["fields"]["status"] == "Start"
    assert "ck_test_poison" in letter["reason"]

    # The operator sees it.
    out = subprocess.run(
        [sys.executable, "-m", "hotspot.cli", "accounting", "dead-letters", "--json"],
        env=cli_env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    listed = [d for d in json.loads(out.stdout) if d["id"] == letter["id"]]
    assert listed and "ck_test_poison" in listed[0]["reason"]
    assert listed[0]["fields"]["session_id"] == "84400014"
    out = subprocess.run(
        [sys.executable, "-m", "hotspot.cli", "accounting", "dead-letters"],
        env=cli_env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "session '84400014'" in out.stdout and "ck_test_poison" in out.stdout


@pytest.fixture
def cli_env(settings) -> dict[str, str]:
    return dict(
        os.environ,
        HOTSPOT_DATABASE_URL=settings.database_url,
        HOTSPOT_PIN_KEY=settings.pin_key,
        HOTSPOT_SECRET_KEY=settings.secret_key,
    )
