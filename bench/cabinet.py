"""Benchmark of the cabinet's heavy pages on a big installation.

``python -m bench.cabinet`` builds, in a private PostgreSQL in a temporary folder,
an installation of ``--owners`` owners, ``--routers`` routers and ``--sessions``
RADIUS sessions over the last year (plus ``--open`` sessions open now at one
owner's routers), runs the scheduler's rollup job once over all of it, then times:

- "sessions by hour, this month" and "by day, this year" for one owner
  (hotspot.services.stats.series, what the dashboard calls);
- the dashboard page itself (by day) and the live-sessions pages (the first, the
  last, and one reached by a cursor) of the owner with the open sessions, through
  the portal (Flask test client, logged in); ``--live-only`` times only these;
- one rollup refresh of the last 26 hours (the job the scheduler runs every 5
  minutes).

Each figure is the median of ``--repeat`` runs after one warm-up; the target is
300 ms (issue 12). Prints a Markdown table; writes nothing to the repository.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import secrets
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

TARGET_MS = 300.0

SEED_SQL = [
    """INSERT INTO owners (name, display_name, policy, created_at)
       SELECT 'bench-' || i, 'Bench ' || i, '{}', now()
       FROM generate_series(1, :owners) i""",
    """INSERT INTO routers (owner_id, nas_identifier, ip_address, radius_secret,
           require_message_authenticator, enabled, title, portal_addresses,
           hotspot_hosts, created_at)
       SELECT o.id, 'bench-r' || i, '10.0.0.0'::inet + i, 'bench-secret-16chars',
              true, true, '', '{}', '{}', now()
       FROM generate_series(1, :routers) i
       JOIN owners o ON o.name = 'bench-' || (1 + i % :owners)""",
    # router number n -> id, so the session batches join on an integer
    """CREATE TEMP TABLE bench_router ON COMMIT DROP AS
       SELECT substr(nas_identifier, 8)::int AS n, id FROM routers
       WHERE nas_identifier LIKE 'bench-r%'""",
    "ALTER TABLE bench_router ADD PRIMARY KEY (n)",
    "ANALYZE bench_router",
]

# One batch of closed sessions, i in [:first, :last]; batches keep each statement
# (and its memory) small and let the seed report progress.
SESSIONS_SQL = """INSERT INTO radius_sessions (router_id, acct_session_id, username,
           mac, started_at, updated_at, stopped_at, session_time, input_octets,
           output_octets)
       SELECT r.id, 's' || i, '99890' || lpad((i % 300000)::text, 7, '0'),
              '02:00:00:00:00:01', t, t + interval '30 minutes',
              t + interval '30 minutes', 1800, (i % 1000) * 10000,
              (i % 1000) * 40000
       FROM (SELECT i, now() - (i % 525600) * interval '1 minute' AS t,
                    1 + i % :routers AS n
             FROM generate_series(:first, :last) i) s
       JOIN bench_router r USING (n)"""

OPEN_SQL = """INSERT INTO radius_sessions (router_id, acct_session_id, username, mac,
           started_at, updated_at, session_time, input_octets, output_octets)
       SELECT r.id, 'open' || i, '99891' || lpad(i::text, 7, '0'),
              '02:00:00:00:00:02', now() - (i % 600) * interval '1 minute',
              now(), 60, 1000, 4000
       FROM generate_series(1, :open) i
       -- routers n with n % owners = 0 are bench-1's (see the routers above)
       JOIN bench_router r ON r.n = (1 + i % 5) * :owners"""

# What radius_sessions carries besides its primary key (which other tables'
# foreign keys need): dropped before the load, rebuilt once after it, which is
# far cheaper than keeping them up to date row by row.
DEFERRED_SQL = """SELECT 'constraint', conname,
              pg_get_constraintdef(oid) FROM pg_constraint
       WHERE conrelid = 'radius_sessions'::regclass AND contype IN ('u', 'f')
       UNION ALL
       SELECT 'index', indexname, indexdef FROM pg_indexes
       WHERE tablename = 'radius_sessions' AND indexname NOT IN (
           SELECT conname FROM pg_constraint
           WHERE conrelid = 'radius_sessions'::regclass)"""

# The private cluster's settings for the load: no WAL for the table truncated in
# the loading transaction (wal_level minimal), rare checkpoints, big sorts for
# the index builds. None of them changes how a query is planned or read.
LOAD_OPTIONS = (
    "-c wal_level=minimal -c max_wal_senders=0 -c max_wal_size=8GB "
    "-c checkpoint_timeout=30min -c maintenance_work_mem=512MB "
    "-c synchronous_commit=off"
)
BATCH = 1_000_000


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median milliseconds of ``repeat`` runs of ``fn`` after one warm-up."""
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def seed(url: str, args: argparse.Namespace) -> float:
    from hotspot.db import make_engine

    engine = make_engine(url)
    started = time.perf_counter()
    params = {
        "owners": args.owners,
        "routers": args.routers,
        "sessions": args.sessions,
        "open": args.open,
    }
    with engine.begin() as conn:
        deferred = conn.execute(text(DEFERRED_SQL)).all()
        for kind, name, _ in deferred:
            drop = (
                "DROP INDEX"
                if kind == "index"
                else "ALTER TABLE radius_sessions DROP CONSTRAINT"
            )
            conn.execute(text(f'{drop} "{name}"'))
        conn.execute(text("TRUNCATE radius_sessions CASCADE"))
        for sql in SEED_SQL:
            conn.execute(text(sql), params)
        for first in range(1, args.sessions + 1, BATCH):
            last = min(first + BATCH - 1, args.sessions)
            conn.execute(text(SESSIONS_SQL), params | {"first": first, "last": last})
            print(f"  {last:,} sessions in {time.perf_counter() - started:.0f} s")
        conn.execute(text(OPEN_SQL), params)
        for kind, name, definition in deferred:
            if kind == "index":
                conn.execute(text(definition))
            else:
                add = f'ALTER TABLE radius_sessions ADD CONSTRAINT "{name}"'
                conn.execute(text(f"{add} {definition}"))
        print(f"  indexes rebuilt in {time.perf_counter() - started:.0f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def measure(
    url: str, settings: Any, args: argparse.Namespace
) -> list[tuple[str, float]]:
    from hotspot.clock import utcnow
    from hotspot.db import make_engine, make_sessionmaker, transaction
    from hotspot.models import Owner
    from hotspot.services.accounts import add_account
    from hotspot.services.stats import Period, refresh_rollups, series

    factory = make_sessionmaker(make_engine(url))
    if args.live_only:
        with transaction(factory) as s:
            owner = s.query(Owner).filter_by(name="bench-1").one()
            add_account(s, "bench@example.com", "owner", "bench password 1", owner)
        return pages(settings.with_(database_url=url, portal_database_url=url), args)
    started = time.perf_counter()
    with transaction(factory) as s:
        refresh_rollups(s, utcnow())
    full = (time.perf_counter() - started) * 1000
    tz = "Asia/Tashkent"
    today = utcnow().date()
    month = dt.datetime(today.year, today.month, 1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    with factory() as s:
        owner = s.query(Owner).filter_by(name="bench-1").one()
        by_hour = Period("hour", month, next_month)
        by_day = Period(
            "day", dt.datetime(today.year, 1, 1), dt.datetime(today.year + 1, 1, 1)
        )
        figures = [
            ("full rollup of every session (once)", full),
            (
                "by hour, this month (one owner)",
                timed(lambda: series(s, owner.id, by_hour, tz), args.repeat),
            ),
            (
                "by day, this year (one owner)",
                timed(lambda: series(s, owner.id, by_day, tz), args.repeat),
            ),
        ]
    with transaction(factory) as s:
        add_account(s, "bench@example.com", "owner", "bench password 1", s.merge(owner))
    figures += pages(settings.with_(database_url=url, portal_database_url=url), args)
    with factory() as s:
        figures.append(
            (
                "refresh of the last 26 hours (the job)",
                timed(lambda: (refresh_rollups(s, utcnow()), s.rollback()), 3),
            )
        )
    return figures


def pages(settings: Any, args: argparse.Namespace) -> list[tuple[str, float]]:
    from portal import create_app

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, settings=settings)
    client = app.test_client()
    done = client.post(
        "/cabinet/login",
        data={"email": "bench@example.com", "password": "bench password 1"},
    )
    assert done.status_code == 302, done.status_code

    def get(path: str) -> Callable[[], None]:
        def fetch() -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return fetch

    last = client.get("/cabinet/sessions?last=1").text
    found = re.search(r'<a href="([^"]+)" rel="prev">', last)
    deep = found.group(1).replace("&amp;", "&") if found else "/cabinet/sessions"
    dashboard = [
        (
            "dashboard page, by day (one month)",
            timed(get("/cabinet/?unit=day"), args.repeat),
        ),
        (
            "dashboard page, by month (one year)",
            timed(get("/cabinet/?unit=month"), args.repeat),
        ),
    ]
    live = [
        (
            f"live sessions page ({args.open:,} open)",
            timed(get("/cabinet/sessions"), args.repeat),
        ),
        (
            "live sessions page, last page (keyset)",
            timed(get("/cabinet/sessions?last=1"), args.repeat),
        ),
        (
            "live sessions page, the one before the last (a cursor)",
            timed(get(deep), args.repeat),
        ),
    ]
    return live if args.live_only else dashboard + live


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--owners", type=int, default=1000)
    parser.add_argument("--routers", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=10_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--live-only",
        action="store_true",
        help="Time the live-sessions pages only (no rollups, no dashboard).",
    )
    parser.add_argument("--keep", action="store_true", help="Keep the database.")
    args = parser.parse_args(argv)

    from alembic import command

    from devstack.postgres import PostgresCluster, free_port
    from hotspot.cli import alembic_config
    from hotspot.crypto import new_fernet_key
    from hotspot.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-cabinet-"))
    work.chmod(0o755)
    cluster = PostgresCluster(work / "pgdata", free_port())
    cluster.init()
    cluster.start(LOAD_OPTIONS)
    try:
        url = cluster.ensure_owned_database("bench")
        command.upgrade(alembic_config(url), "head")
        seconds = seed(url, args)
        print(
            f"seeded {args.sessions:,} + {args.open:,} sessions, {args.owners:,} "
            f"owners, {args.routers:,} routers in {seconds:.0f} s"
        )
        settings = Settings(
            database_url=url, secret_key=secrets.token_hex(16), pin_key=new_fernet_key()
        )
        figures = measure(url, settings, args)
    finally:
        cluster.stop(mode="immediate")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\n| what | median ms | <= 300 ms |\n|---|---:|---|")
    for name, ms in figures:
        ok = (
            ""
            if name.startswith(("full", "refresh"))
            else ("yes" if ms <= TARGET_MS else "NO")
        )
        print(f"| {name} | {ms:.1f} | {ok} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
