"""The DNS-log receiver (python -m dnslog) as `make run` starts it: RouterOS DNS
lines by real UDP syslog into dns_names, only from registered routers, bad lines
counted and skipped; a flow report then names the destination."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from devstack.postgres import free_port
from hotspot.db import transaction
from hotspot.dnslog import Answer, Query, parse
from hotspot.models import RadiusSession
from hotspot.services import flows

REPO = Path(__file__).resolve().parents[2]
HEADER = b"<30>Dec  1 12:00:00 MikroTik "


def test_parse_routeros_lines():
    assert parse(HEADER + b"dns query from 10.5.50.7: #4711 Video.Example. A") == (
        Query(4711, "10.5.50.7", "video.example")
    )
    assert parse(b"<30>dns done query: #4711 video.example 203.0.113.44") == (
        Answer(4711, "video.example", "203.0.113.44")
    )
    assert parse(b"<30>dns done query: #9 dns name exists, but no record") is None
    for bad in (b"\xff\xfe garbage", b"<30>system,info user admin logged in", b""):
        with pytest.raises(ValueError):
            parse(bad)


def _send(lines: list[bytes], port: int, source: str = "127.0.0.1") -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        for line in lines:
            sock.sendto(line, ("127.0.0.1", port))


def _start(settings, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port(kind=socket.SOCK_DGRAM)
    env = {
        **os.environ,
        "HOTSPOT_DATABASE_URL": settings.database_url_for("flows"),
        "HOTSPOT_DNSLOG_PORT": str(port),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "dnslog"], env=env, cwd=REPO, stderr=out
        )
    deadline = time.monotonic() + 15
    while "listening" not in log.read_text() and time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        time.sleep(0.1)
    return proc, port


def test_dns_log_by_syslog_names_the_flows(
    flow_factory, flow_settings, venue, tmp_path
):
    owner, router = venue
    log = tmp_path / "dnslog.log"
    proc, port = _start(flow_settings, log)
    try:
        # Garbage first: the receiver counts it and goes on.
        _send([b"\xff\xfe\x00", b"<30>dns query from nowhere: #1 x. A", b"hi"], port)
        _send(
            [
                HEADER + b"dns query from 10.5.53.7: #4711 video.example. A",
                HEADER + b"dns done query: #4711 video.example 203.0.113.44",
                HEADER + b"dns done query: #4711 video.example 203.0.113.45",
                b"<30>dns query from 10.5.53.8: #12 quiet.example. AAAA",
            ],
            port,
        )
        # Not a registered router: not believed.
        _send(
            [
                HEADER + b"dns query from 10.5.53.7: #5 spoof.example. A",
                HEADER + b"dns done query: #5 spoof.example 203.0.113.99",
            ],
            port,
            source="127.0.0.2",
        )
        time.sleep(1.5)
        assert proc.poll() is None, log.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0, log.read_text()
    with flow_factory() as s:
        rows = s.execute(
            text(
                "SELECT host(router_ip), host(client_ip), name, host(address)"
                " FROM dns_names WHERE name LIKE '%.example' AND name <> 'role.example'"
                " AND name <> 'news.example' ORDER BY name, address"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("127.0.0.1", "10.5.53.8", "quiet.example", None),
        ("127.0.0.1", "10.5.53.7", "video.example", "203.0.113.44"),
        ("127.0.0.1", "10.5.53.7", "video.example", "203.0.113.45"),
    ]
    assert "bad=3, unknown_sender=2" in log.read_text()

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # Within the hour after the lookup, and outside test_flows' time windows.
    later = now + dt.timedelta(minutes=30)
    with transaction(flow_factory) as s:
        s.add(
            RadiusSession(
                router_id=router.id,
                acct_session_id="dnslog-1",
                username="998901110077",
                framed_ip="10.5.53.7",
                started_at=now - dt.timedelta(minutes=5),
                updated_at=now,
            )
        )
        s.execute(
            text(
                "INSERT INTO flows (peer_ip_src, ip_src, ip_dst, port_src, port_dst,"
                " ip_proto, timestamp_start, timestamp_end) VALUES ('127.0.0.1',"
                " '10.5.53.7', '203.0.113.45', 50002, 443, 6, :t, :t)"
            ),
            {"t": flows._utc(later)},
        )
    period = flows.Period(
        later - dt.timedelta(minutes=1), later + dt.timedelta(minutes=1)
    )
    with transaction(flow_factory) as s:
        found = flows.report(s, "tester", "case 5", period, dst="video.example")
    assert [(r["dst"], r["dst_name"], r["username"]) for r in found] == [
        ("203.0.113.45", "video.example", "998901110077")
    ]


def test_a_database_outage_does_not_stop_the_receiver():
    """Rows that cannot be written are counted and dropped; the receiver goes on."""
    from hotspot.db import make_engine
    from hotspot.dnslog import Receiver

    dead = make_engine(f"postgresql+psycopg2://nobody:x@127.0.0.1:{free_port()}/x")
    receiver = Receiver(dead, "127.0.0.1", 0, routers=lambda _: {"127.0.0.1"})
    try:
        receiver._reload_routers()
        receiver.handle(
            HEADER + b"dns query from 10.0.0.5: #7 a.example. A", "127.0.0.1"
        )
        receiver.handle(HEADER + b"dns done query: #7 a.example 192.0.2.5", "127.0.0.1")
        receiver.handle(b"\x00\x01", "127.0.0.1")
        receiver.flush()
    finally:
        receiver.sock.close()
        dead.dispose()
    assert receiver.counters.failed_writes == 1 and receiver.counters.bad == 1
    assert receiver.counters.stored == 0
