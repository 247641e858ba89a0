"""``python -m bench.flows``: the flow log's ingest rate and report query times.

(1) Ingest end to end: a capture of N one-packet flows (softflowd -r, IPFIX) into a
    real nfacctd writing into PostgreSQL; the clock runs from the first exported
    packet until every flow is a row.
(2) Reports on ROWS flow rows (generate_series into day partitions, 2,000 clients
    with a session a day, 50,000 destinations): one phone and one day, one
    destination and one hour, each linked to its sessions and identities.

Other processes share the CPUs: the figures are noisy; run it on a quiet machine
for numbers to compare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from alembic import command
from sqlalchemy import text

from devstack.nfacctd import Nfacctd
from devstack.pcap import Packet, write_pcap
from devstack.postgres import PostgresCluster, free_port
from hotspot.cli import alembic_config
from hotspot.db import make_engine, make_sessionmaker, transaction
from hotspot.services import flows
from hotspot.settings import Settings

DAY0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
CLIENTS, DESTINATIONS = 2000, 50_000


def _packets(n: int, start: dt.datetime) -> list[Packet]:
    step = dt.timedelta(microseconds=50)
    return [
        Packet(
            start + i * step,
            f"10.{20 + i // 65536 % 200}.{i // 256 % 256}.{i % 256}",
            f"93.{i % 200}.{i // 200 % 256}.1",
            1024 + i % 60000,
            443,
        )
        for i in range(n)
    ]


def ingest(settings: Settings, work: Path, n: int, rate: float) -> dict[str, float]:
    factory = make_sessionmaker(make_engine(settings.database_url))
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    with transaction(factory) as s:
        flows.ensure_partitions(s, start, 1)
        s.execute(text("TRUNCATE flows"))
    chunk = 5000
    pcaps = []
    packets = _packets(n, start)
    for i in range(0, n, chunk):
        pcaps.append(work / f"ingest-{i // chunk}.pcap")
        write_pcap(pcaps[-1], packets[i : i + chunk])
    collector = Nfacctd(settings, work / "nfacctd")
    collector.start()
    time.sleep(1)  # the PostgreSQL plugin connects after the core listens
    try:
        t0 = time.monotonic()
        for i, pcap in enumerate(pcaps):
            # softflowd -r sends a capture as fast as it can: pace the chunks
            # at the offered rate, as routers spread their exports.
            time.sleep(max(0.0, t0 + i * chunk / rate - time.monotonic()))
            subprocess.run(  # noqa: S603
                [
                    "softflowd",
                    "-d",
                    "-r",
                    str(pcap),
                    "-n",
                    f"127.0.0.1:{settings.flow_port}",
                    "-v",
                    "10",
                    "-A",
                    "milli",
                ],
                check=True,
                capture_output=True,
            )
        exported = time.monotonic() - t0
        rows, last, still = 0, -1, time.monotonic()
        while time.monotonic() - still < 3 * settings.flow_refresh + 5:
            with factory() as s:
                rows = s.execute(text("SELECT count(*) FROM flows")).scalar_one()
            if rows >= n:
                break
            if rows != last:
                last, still = rows, time.monotonic()
            time.sleep(0.2)
        elapsed = time.monotonic() - t0
    finally:
        collector.stop()
    return {
        "flows": n,
        "rows": rows,
        "export_s": exported,
        "total_s": elapsed,
        "rate": rows / elapsed,
    }


def seed(settings: Settings, rows: int, days: int) -> float:
    """ROWS flows over DAYS days, 2,000 clients with a session and a phone a day."""
    factory = make_sessionmaker(make_engine(settings.database_url))
    t0 = time.monotonic()
    with transaction(factory) as s:
        for d in range(days):
            flows.ensure_partitions(s, DAY0 + d * flows.DAY, 0)
        s.execute(text("TRUNCATE flows"))
        owner = s.execute(
            text(
                "INSERT INTO owners (name, display_name, policy, created_at) VALUES"
                " ('bench-flows', 'bench', '{}', now()) RETURNING id"
            )
        ).scalar_one()
        router = s.execute(
            text(
                "INSERT INTO routers (owner_id, nas_identifier, ip_address,"
                " radius_secret, require_message_authenticator, enabled, title,"
                " created_at) VALUES"
                " (:o, 'bench-flows', '10.255.0.1', 'x', false, true, '', now())"
                " RETURNING id"
            ),
            {"o": owner},
        ).scalar_one()
        s.execute(
            text(
                "INSERT INTO radius_sessions (router_id, acct_session_id, username,"
                " framed_ip, started_at, updated_at, stopped_at, session_time,"
                " input_octets, output_octets)"
                " SELECT :r, 'b' || d || '-' || c, (998900000000 + c)::text,"
                " ('10.5.0.0'::inet + c), :d0 + d * interval '1 day',"
                " :d0 + (d + 1) * interval '1 day' - interval '1 second',"
                " :d0 + (d + 1) * interval '1 day' - interval '1 second', 0, 0, 0"
                " FROM generate_series(0, :days - 1) d, generate_series(0, :c - 1) c"
            ),
            {"r": router, "d0": DAY0, "days": days, "c": CLIENTS},
        )
    with transaction(factory) as s:
        s.execute(
            text(
                "INSERT INTO flows (peer_ip_src, ip_src, ip_dst, port_src, port_dst,"
                " ip_proto, timestamp_start, timestamp_end, packets, bytes)"
                " SELECT '10.255.0.1', '10.5.0.0'::inet + (g % :c),"
                " '93.0.0.0'::inet + (g * 7919 % :dst), 1024 + g % 60000, 443, 6,"
                " CAST(:d0 AS timestamp)"
                " + (g * (:days * 86400.0 / :n)) * interval '1 s',"
                " CAST(:d0 AS timestamp)"
                " + (g * (:days * 86400.0 / :n) + 2) * interval '1 s',"
                " 10, 5000 FROM generate_series(CAST(0 AS bigint), :n - 1) g"
            ),
            {
                "c": CLIENTS,
                "dst": DESTINATIONS,
                "d0": flows._utc(DAY0),
                "days": days,
                "n": rows,
            },
        )
        s.execute(text("ANALYZE flows"))
        s.execute(text("ANALYZE radius_sessions"))
    return time.monotonic() - t0


def _dst_in_hour(rows: int, days: int, i: int) -> str:
    """A destination the seed gave a flow in the measured hour."""
    import ipaddress

    g = int((2 * 86400 + 13 * 3600 + 60 * i) * rows / (days * 86400))
    return str(ipaddress.ip_address("93.0.0.0") + g * 7919 % DESTINATIONS)


def queries(
    settings: Settings, rows: int, days: int, repeat: int = 5
) -> dict[str, list[float]]:
    factory = make_sessionmaker(make_engine(settings.database_url))
    day = flows.Period(DAY0 + 3 * flows.DAY, DAY0 + 4 * flows.DAY)
    hour = flows.Period(
        DAY0 + dt.timedelta(days=2, hours=13), DAY0 + dt.timedelta(days=2, hours=14)
    )
    times: dict[str, list[float]] = {"phone_day": [], "dst_hour": []}
    counts = {}
    for i in range(repeat):
        phone = str(998900000000 + 17 * i + 5)
        dst = _dst_in_hour(rows, days, i)
        with transaction(factory) as s:
            t0 = time.monotonic()
            counts["phone_day"] = len(flows.flows_of_subjects(s, [phone], day))
            times["phone_day"].append(time.monotonic() - t0)
            t0 = time.monotonic()
            counts["dst_hour"] = len(flows.flows_to(s, dst, hour))
            times["dst_hour"].append(time.monotonic() - t0)
    print("rows returned (last run):", counts)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flows", type=int, default=500_000, help="ingest flows")
    parser.add_argument("--rate", type=float, default=25_000, help="offered flows/s")
    parser.add_argument("--rows", type=int, default=10_000_000, help="report rows")
    parser.add_argument("--days", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-flows-"))
    work.chmod(0o755)
    cluster = PostgresCluster(work / "pgdata", free_port())
    cluster.init()
    cluster.start()
    try:
        # As the local stack: the owner migrates (granting the roles made first),
        # and nfacctd writes as the collector's own role (0022).
        url = cluster.ensure_owned_database("flows")
        roles = cluster.component_urls("flows")
        command.upgrade(alembic_config(url), "head")
        settings = Settings(
            database_url=url,
            flows_database_url=roles["flows"],
            flow_port=free_port(kind=2),
            flow_refresh=1,
        )
        r = ingest(settings, work, args.flows, args.rate)
        print(
            f"ingest: {r['rows']:,} of {r['flows']:,} flows stored in "
            f"{r['total_s']:.1f} s (softflowd exported in {r['export_s']:.1f} s):"
            f" {r['rate']:,.0f} flows/s"
        )
        print(
            f"seed: {args.rows:,} rows in {seed(settings, args.rows, args.days):.0f} s"
        )
        for name, values in queries(settings, args.rows, args.days).items():
            print(
                f"{name}: median {statistics.median(values) * 1000:.0f} ms,"
                f" max {max(values) * 1000:.0f} ms over {len(values)} runs"
            )
    finally:
        cluster.stop(mode="immediate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
