"""The flow log end to end: softflowd replays a capture as IPFIX (and NetFlow v9)
into a real nfacctd, which writes into PostgreSQL; the reports name the right
phone for each flow, mark the unmatched ones, link a session stored late, and are
audited; the scheduler drops the day partitions past retention."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from devstack.pcap import UDP, Packet, write_pcap
from hotspot.clock import FrozenClock
from hotspot.db import make_engine, make_sessionmaker, transaction
from hotspot.models import AuditEntry, Identification, PurgeLog, RadiusSession
from hotspot.models.identification import new_login
from hotspot.services import flows
from scheduler.jobs import JOBS, run_job

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
T0 = NOW - dt.timedelta(hours=2)
MIN = dt.timedelta(minutes=1)
PHONE_A, PHONE_B, PHONE_LATE = "998901110001", "998901110002", "998901110003"
DST = "93.184.216.34"
FILLER = "198.51.100.80"
SEC = dt.timedelta(seconds=1)
#: Flowsets before the data in softflowd's first NetFlow v9 packet: 4 templates,
#: 1 options template, 1 options record, each in a flowset of its own.
V9_RECORDS_BEFORE_DATA = 6


def _session(router, sid, user, ip, start, stop=None) -> RadiusSession:
    return RadiusSession(
        router_id=router.id,
        acct_session_id=sid,
        username=user,
        mac="AA:BB:CC:00:00:" + sid[-2:],
        framed_ip=ip,
        started_at=start,
        updated_at=stop or start,
        stopped_at=stop,
    )


def _count(factory, lo, hi) -> int:
    with factory() as s:
        return s.execute(
            text(
                "SELECT count(*) FROM flows WHERE timestamp_start >= :lo"
                " AND timestamp_start < :hi"
            ),
            {"lo": flows._utc(lo), "hi": flows._utc(hi)},
        ).scalar_one()


def _replay(
    tmp_path: Path, port: int, version: int, base: dt.datetime, filler: int = 0
) -> list[Packet]:
    """Flows of three clients with sessions and one without, from ``base`` on,
    and ``filler`` more of an unmatched client to another destination."""
    packets = [
        Packet(base + 1 * MIN, "10.5.50.10", DST, 40001, 443),
        Packet(base + 2 * MIN, "10.5.50.10", "1.1.1.1", 5353, 53, UDP),
        Packet(base + 3 * MIN, "10.5.50.11", DST, 40002, 443),
        Packet(base + 4 * MIN, "10.5.50.99", DST, 40003, 443),  # no session
        Packet(base + 5 * MIN, "10.5.50.13", DST, 40004, 443),  # session stored late
        # 10.5.50.10 again after A's session ended: B holds the address now.
        Packet(base + 30 * MIN, "10.5.50.10", DST, 40005, 443),
    ]
    packets += [
        Packet(base + 6 * MIN + n * SEC, "10.5.50.98", FILLER, 41000 + n, 80)
        for n in range(filler)
    ]
    pcap = tmp_path / f"v{version}.pcap"
    write_pcap(pcap, packets)
    subprocess.run(  # noqa: S603
        [
            "softflowd",
            "-d",
            "-r",
            str(pcap),
            "-n",
            f"127.0.0.1:{port}",
            "-v",
            str(version),
            "-A",
            "milli",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return packets


def _wait_rows(factory, base, expected: int, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    n = 0
    while time.monotonic() < deadline:
        n = _count(factory, base, base + 40 * MIN)
        if n >= expected:
            break
        time.sleep(0.3)
    return n


def _seed_sessions(factory, owner, router, base) -> None:
    # A's session carries the login name of A's identification, as RADIUS has
    # it since 0017; B's and the late one the phone itself, as before it.
    login_a = new_login()
    with transaction(factory) as s:
        s.add_all(
            [
                _session(
                    router,
                    f"a-{base:%H%M}-01",
                    login_a,
                    "10.5.50.10",
                    base,
                    base + 10 * MIN,
                ),
                _session(router, f"b-{base:%H%M}-02", PHONE_B, "10.5.50.11", base),
                _session(
                    router, f"b-{base:%H%M}-03", PHONE_B, "10.5.50.10", base + 20 * MIN
                ),
                Identification(
                    owner_id=owner.id,
                    router_id=router.id,
                    method="sms",
                    subject=PHONE_A,
                    reference=PHONE_A,
                    login=login_a,
                    mac="AA:BB:CC:00:00:01",
                    created_at=base - MIN,
                    expires_at=base + 60 * MIN,
                ),
            ]
        )


def _check_reports(factory, base) -> None:
    period = flows.Period(base, base + 40 * MIN)
    with transaction(factory) as s:
        by_dst = flows.report(s, "tester", "case 1", period, dst=DST)
    who = {r["sport"]: (r["client"], r["matched"], r["username"]) for r in by_dst}
    assert who == {
        40001: ("10.5.50.10", True, PHONE_A),
        40002: ("10.5.50.11", True, PHONE_B),
        40003: ("10.5.50.99", False, None),
        40004: ("10.5.50.13", False, None),
        # A's session had ended: the address is B's now.
        40005: ("10.5.50.10", True, PHONE_B),
    }

    # The Start of 10.5.50.13 arrives late: the next query links its flow.
    with transaction(factory) as s:
        router_id = s.execute(
            text("SELECT id FROM routers WHERE ip_address = '127.0.0.1'")
        ).scalar_one()
        s.add(
            RadiusSession(
                router_id=router_id,
                acct_session_id=f"l-{base:%H%M}",
                username=PHONE_LATE,
                framed_ip="10.5.50.13",
                started_at=base + 4 * MIN,
                updated_at=base + 4 * MIN,
            )
        )
    with transaction(factory) as s:
        rows = flows.report(s, "tester", "case 1", period, subject=PHONE_LATE)
    assert [(r["client"], r["dst"]) for r in rows] == [("10.5.50.13", DST)]

    with transaction(factory) as s:
        rows = flows.report(s, "tester", "case 2", period, subject=PHONE_A)
    assert {(r["dst"], r["dport"]) for r in rows} == {(DST, 443), ("1.1.1.1", 53)}
    assert all(r["reference"] == PHONE_A and r["method"] == "sms" for r in rows)
    with factory() as s:
        reasons = s.scalars(select(AuditEntry.reason).order_by(AuditEntry.id)).all()
    assert reasons[-3:] == ["case 1", "case 1", "case 2"]


@pytest.mark.parametrize("version", [10])
def test_ipfix_flows_name_the_right_phone(
    nfacctd, flow_factory, flow_settings, venue, tmp_path, version
):
    owner, router = venue
    base = T0 + dt.timedelta(minutes=50 * (version - 8))
    _seed_sessions(flow_factory, owner, router, base)
    packets = _replay(tmp_path, nfacctd.settings.flow_port, version, base)
    assert _wait_rows(flow_factory, base, len(packets)) == len(packets), nfacctd.log()
    # Real packet times, not the arrival time (nfacctd_time_new: false).
    with flow_factory() as s:
        starts = (
            s.execute(
                text(
                    "SELECT timestamp_start FROM flows WHERE timestamp_start >= :lo"
                    " ORDER BY 1"
                ),
                {"lo": flows._utc(base)},
            )
            .scalars()
            .all()
        )
    assert starts[: len(packets)] == sorted(
        flows._utc(p.at.replace(microsecond=0)) for p in packets
    )
    _check_reports(flow_factory, base)


def test_netflow_v9_from_softflowd(
    nfacctd, flow_factory, flow_settings, venue, tmp_path
):
    """softflowd 1.1.0 writes only its data records into the v9 header's count
    (RFC 3954: all records, templates included); nfacctd reads no more flowsets
    than that count. A first packet carrying more flows than the 6 template and
    options flowsets before them is read whole."""
    owner, router = venue
    base = T0 - 60 * MIN
    _seed_sessions(flow_factory, owner, router, base)
    packets = _replay(tmp_path, nfacctd.settings.flow_port, 9, base, filler=2)
    assert len(packets) > V9_RECORDS_BEFORE_DATA
    assert _wait_rows(flow_factory, base, len(packets)) == len(packets), nfacctd.log()
    _check_reports(flow_factory, base)


@pytest.mark.xfail(
    strict=True,
    reason="softflowd 1.1.0 puts only its data records in the NetFlow v9 header's "
    "count; nfacctd reads no more flowsets than count, so a packet with the 6 "
    "template/options flowsets and 6 or fewer flows loses its flows: README",
)
def test_netflow_v9_few_flows_beside_templates(
    nfacctd, flow_factory, flow_settings, venue, tmp_path
):
    base = T0 - 120 * MIN
    packets = _replay(tmp_path, nfacctd.settings.flow_port, 9, base)
    assert len(packets) <= V9_RECORDS_BEFORE_DATA
    assert _wait_rows(flow_factory, base, len(packets), timeout=8) == len(packets)


def _v9_packet(
    source_id: int, at: dt.datetime, client: str, sport: int, count: int
) -> bytes:
    """A NetFlow v9 export packet (RFC 3954) as a router writes it: a template
    flowset, then a data flowset with one flow of ``client`` that started at
    ``at``; ``count`` goes into the header as given."""
    import socket
    import struct

    template_id = 300
    fields = [
        (8, 4),
        (12, 4),
        (7, 2),
        (11, 2),
        (4, 1),
        (1, 4),
        (2, 4),
        (22, 4),
        (21, 4),
    ]
    template = struct.pack("!HH", template_id, len(fields)) + b"".join(
        struct.pack("!HH", kind, length) for kind, length in fields
    )
    uptime = 50_000_000  # ms since the exporter's boot
    export = at + 5 * SEC
    record = (
        socket.inet_aton(client)
        + socket.inet_aton(DST)
        + struct.pack("!HHBII", sport, 443, 6, 1500, 3)
        + struct.pack("!II", uptime - 5_000, uptime - 4_000)
    )
    record += b"\0" * (-len(record) % 4)
    body = struct.pack("!HH", 0, 4 + len(template)) + template
    body += struct.pack("!HH", template_id, 4 + len(record)) + record
    header = struct.pack(
        "!HHIIII", 9, count, uptime, int(export.timestamp()), 1, source_id
    )
    return header + body


def test_netflow_v9_by_the_rfc_count_is_stored_whole(nfacctd, flow_factory, venue):
    """One template and a single flow in a packet, as a quiet router sends it. With
    the header's count as RFC 3954 says (every record, the template included) the
    flow is stored and named; counting only the data record, as softflowd does,
    nfacctd reads no further than the template flowset."""
    import socket

    owner, router = venue
    base = T0 - 180 * MIN
    with transaction(flow_factory) as s:
        flows.ensure_partitions(s, base, 0)
        s.add(_session(router, f"r-{base:%H%M}-21", "998901110021", "10.5.51.21", base))
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        target = ("127.0.0.1", nfacctd.settings.flow_port)
        sender.sendto(_v9_packet(71, base + MIN, "10.5.51.21", 42001, count=1), target)
        sender.sendto(
            _v9_packet(72, base + 2 * MIN, "10.5.51.21", 42002, count=2), target
        )
    finally:
        sender.close()
    assert _wait_rows(flow_factory, base, 1) == 1, nfacctd.log()
    time.sleep(2 * nfacctd.settings.flow_refresh + 0.5)  # the short-counted one too
    period = flows.Period(base, base + 10 * MIN)
    with transaction(flow_factory) as s:
        rows = flows.report(s, "tester", "case 4", period, subject="998901110021")
    assert [(r["sport"], r["dst"], r["matched"]) for r in rows] == [(42002, DST, True)]
    assert rows[0]["start"] == flows._utc(base + 2 * MIN), rows


def test_stopping_the_collector_writes_the_flows_it_holds(
    flow_settings, flow_factory, venue, tmp_path
):
    """nfacctd writes its cache every refresh interval (60 s here). A stop in
    between writes what it holds, and the stop is quick."""
    import socket

    from devstack.nfacctd import Nfacctd
    from devstack.postgres import free_port

    base = T0 - 240 * MIN
    with transaction(flow_factory) as s:
        flows.ensure_partitions(s, base, 0)
    port = free_port(kind=socket.SOCK_DGRAM)
    collector = Nfacctd(flow_settings.with_(flow_port=port, flow_refresh=60), tmp_path)
    collector.start()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            packet = _v9_packet(81, base + MIN, "10.5.51.31", 43001, count=2)
            sender.sendto(packet, ("127.0.0.1", port))
        time.sleep(1.5)  # received; the next write is a minute away
        assert _count(flow_factory, base, base + 40 * MIN) == 0, collector.log()
    finally:
        started = time.monotonic()
        collector.stop()
        took = time.monotonic() - started
    assert _count(flow_factory, base, base + 40 * MIN) == 1, collector.log()
    assert took < 5, took


def test_partitions_past_retention_are_dropped(flow_factory, flow_settings):
    now = dt.datetime(2031, 3, 10, 12, tzinfo=dt.UTC)
    old = now - dt.timedelta(days=40)
    with transaction(flow_factory) as s:
        flows.ensure_partitions(s, old, 0)
        s.execute(
            text(
                "INSERT INTO flows (peer_ip_src, ip_src, ip_dst,"
                " timestamp_start, timestamp_end) VALUES ('127.0.0.1',"
                " '10.0.0.1', '10.0.0.2', :t, :t)"
            ),
            {"t": flows._utc(old)},
        )
    settings = flow_settings.with_(retention_flow_days=30, flow_days_ahead=2)
    job = next(j for j in JOBS if j.name == "flow-partitions")
    # As the scheduler runs it: its own role, which owns no table.
    engine = make_engine(flow_settings.database_url_for("scheduler"))
    try:
        assert run_job(job, make_sessionmaker(engine), FrozenClock(now), settings)
    finally:
        engine.dispose()
    with flow_factory() as s:
        days = flows.day_partitions(s, "flows")
        kept = s.execute(
            text("SELECT count(*) FROM flows WHERE timestamp_start < :t"),
            {"t": flows._utc(old + 2 * flows.DAY)},
        ).scalar_one()
        log = s.scalars(
            select(PurgeLog)
            .where(PurgeLog.table_name == "flows")
            .order_by(PurgeLog.id.desc())
        ).first()
    assert old.date() not in days and (old - flows.DAY).date() not in days
    assert kept == 0
    for n in range(-1, 3):
        assert (now + n * flows.DAY).date() in days
    assert log is not None and log.cutoff == now - dt.timedelta(days=30)


def test_a_report_needs_a_reason(flow_factory):
    from hotspot.errors import InvalidInput

    with pytest.raises(InvalidInput), transaction(flow_factory) as s:
        flows.report(s, "tester", " ", flows.Period(T0, NOW), dst=DST)


def test_cli_report_and_evidence(flow_factory, flow_settings, venue, tmp_path):
    import getpass
    import hashlib

    from click.testing import CliRunner

    from hotspot.cli import main

    owner, router = venue
    base = T0 - 5 * 60 * MIN
    phone = "998901110009"
    with transaction(flow_factory) as s:
        flows.ensure_partitions(s, base, 0)
        s.add(_session(router, "cli-09", phone, "10.5.51.9", base, base + 9 * MIN))
        s.execute(
            text(
                "INSERT INTO flows (peer_ip_src, ip_src, ip_dst, port_src, port_dst,"
                " ip_proto, timestamp_start, timestamp_end, packets, bytes) VALUES"
                " ('127.0.0.1', '10.5.51.9', '203.0.113.7', 50000, 443, 6, :t, :t,"
                " 3, 180)"
            ),
            {"t": flows._utc(base + MIN)},
        )
    env = {"HOTSPOT_DATABASE_URL": flow_settings.database_url}
    runner = CliRunner()
    at = (base + MIN).isoformat()
    no_reason = runner.invoke(
        main, ["flows", "report", "--dst", "203.0.113.7", "--at", at], env=env
    )
    assert no_reason.exit_code != 0 and "--reason" in no_reason.output
    result = runner.invoke(
        main,
        [
            "flows",
            "report",
            "--dst",
            "203.0.113.7",
            "--at",
            at,
            "--reason",
            "request 7",
            "--json",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["username"], r["matched"]) for r in rows] == [(phone, True)]
    result = runner.invoke(
        main,
        [
            "flows",
            "report",
            "--phone",
            "+" + phone,
            "--from",
            base.isoformat(),
            "--to",
            (base + 60 * MIN).isoformat(),
            "--reason",
            "request 8",
            "--csv",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("start,end,router,client,dst")
    assert "203.0.113.7" in result.output.splitlines()[1]
    out = tmp_path / "evidence.json"
    result = runner.invoke(
        main,
        [
            "flows",
            "evidence",
            "--phone",
            phone,
            "--from",
            base.isoformat(),
            "--to",
            (base + 60 * MIN).isoformat(),
            "--reason",
            "request 9",
            "--out",
            str(out),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    body = json.loads(out.read_bytes())
    assert [s["acct_session_id"] for s in body["sessions"]] == ["cli-09"]
    assert [f["dst"] for f in body["flows"]] == ["203.0.113.7"]
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert (tmp_path / "evidence.json.sha256").read_text().split()[0] == digest
    with flow_factory() as s:
        entries = s.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(3)
        ).all()
    assert [(e.actor, e.action, e.reason) for e in reversed(entries)] == [
        (getpass.getuser(), "flows.report", "request 7"),
        (getpass.getuser(), "flows.report", "request 8"),
        (getpass.getuser(), "flows.evidence", "request 9"),
    ]
    assert entries[0].detail["sha256"] == digest


def test_dns_names_beside_addresses(flow_factory, venue):
    """A name the router's DNS resolved for the client shows beside the address,
    and a search by that name finds the flow."""
    owner, router = venue
    base = T0 - 8 * 60 * MIN
    with transaction(flow_factory) as s:
        flows.ensure_partitions(s, base, 0)
        s.add(_session(router, "dns-07", "998901110007", "10.5.52.7", base))
        s.execute(
            text(
                "INSERT INTO dns_names (seen_at, router_ip, client_ip, name, address)"
                " VALUES (:t, '127.0.0.1', '10.5.52.7', 'news.example', '203.0.113.9')"
            ),
            {"t": flows._utc(base + MIN)},
        )
        s.execute(
            text(
                "INSERT INTO flows (peer_ip_src, ip_src, ip_dst, port_src, port_dst,"
                " ip_proto, timestamp_start, timestamp_end) VALUES ('127.0.0.1',"
                " '10.5.52.7', '203.0.113.9', 50001, 443, 6, :t, :t)"
            ),
            {"t": flows._utc(base + 2 * MIN)},
        )
    period = flows.Period(base, base + 10 * MIN)
    with transaction(flow_factory) as s:
        by_name = flows.report(s, "tester", "case 3", period, dst="news.example.")
        by_phone = flows.report(s, "tester", "case 3", period, subject="998901110007")
    assert [(r["dst"], r["dst_name"], r["username"]) for r in by_name] == [
        ("203.0.113.9", "news.example", "998901110007")
    ]
    assert [r["dst_name"] for r in by_phone] == ["news.example"]


def test_the_collectors_role_may_only_add_rows(flow_factory, flow_settings, venue):
    """nfacctd and the DNS-log receiver connect as hotspot_flows (0022): rows go
    into the day partitions through the parents, nothing else is theirs."""
    from sqlalchemy.exc import ProgrammingError

    at = flows._utc(T0)
    # The retention test drops every partition before its 2031 clock's cutoff,
    # today's too; the day of T0 is made here (the collector writes through the
    # parent either way).
    with transaction(flow_factory) as s:
        flows.ensure_partitions(s, at, 0)
    engine = make_engine(flow_settings.database_url_for("flows"))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO flows (peer_ip_src, ip_src, ip_dst, timestamp_start,"
                    " timestamp_end) VALUES ('192.0.2.1', '10.9.0.1', '10.9.0.2',"
                    " :t, :t)"
                ),
                {"t": at},
            )
            conn.execute(
                text(
                    "INSERT INTO dns_names (seen_at, router_ip, name)"
                    " VALUES (:t, '192.0.2.1', 'role.example')"
                ),
                {"t": at},
            )
            assert conn.scalar(text("SELECT count(ip_address) FROM routers")) >= 1
        for statement in (
            "SELECT count(*) FROM flows",
            "SELECT count(*) FROM dns_names",
            f"SELECT count(*) FROM flows_{at:%Y%m%d}",
            "SELECT count(*) FROM radius_sessions",
            "SELECT nas_identifier FROM routers",
            "DELETE FROM flows",
            "UPDATE routers SET ip_address = '192.0.2.9'",
        ):
            with pytest.raises(ProgrammingError, match="permission denied"):
                with engine.begin() as conn:
                    conn.execute(text(statement))
    finally:
        engine.dispose()
    with flow_factory() as s:
        rows = s.execute(
            text("SELECT count(*) FROM flows WHERE ip_src = '10.9.0.1'")
        ).scalar_one()
    assert rows == 1
