"""``python -m bench.disconnect``: the send job's Disconnect throughput against many
simulated routers, one of them dead.

50 routers (simulators with incoming RADIUS on 127.0.9.x; the last one never
answers), ``--sessions`` sessions each, all in a private PostgreSQL. Every session
gets a queued Disconnect, then :func:`hotspot.routers.outbox.send_due` runs (as the
scheduler's job does) until no live router has one pending. Measured: sessions cut
per second, what the dead router costs. Writes its section of bench/RESULTS.md
(between the ``disconnect`` markers; ``python -m bench`` keeps it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from hotspot.db import make_engine, make_sessionmaker, transaction
from hotspot.models import RadiusSession, RouterAction
from hotspot.routers import outbox

RESULTS = Path(__file__).with_name("RESULTS.md")
BEGIN, END = "<!-- disconnect: begin -->", "<!-- disconnect: end -->"
SECRET = "bench-coa-secret-2026"  # noqa: S105 (a benchmark's)


def _database(work: Path):
    from alembic import command

    from devstack.postgres import PostgresCluster, free_port
    from hotspot.cli import alembic_config

    cluster = PostgresCluster(work / "pgdata", free_port())
    cluster.init()
    cluster.start()
    cluster.ensure_database("hotspot_coa_bench")
    url = cluster.url("hotspot_coa_bench")
    command.upgrade(alembic_config(url), "head")
    return cluster, url


def _routers(count: int, sessions: int, dead: bool):
    """Simulators (with ``dead``, the last one has no listener) and their guests."""
    from devstack.postgres import free_port
    from simulator import Router, RouterConfig
    from simulator.coa import CoaListener

    sims = []
    for i in range(count):
        ip = f"127.0.9.{i + 1}"
        router = Router(RouterConfig(accounting=False, tick=0, bind_address=ip))
        port = free_port(ip, kind=2)
        listener = None
        if i < count - 1 or not dead:
            listener = CoaListener(router, host=ip, port=port, secret=SECRET).start()
        guests = [
            router.open_session(
                f"02:00:09:{i:02X}:{k // 256:02X}:{k % 256:02X}", f"g{k}"
            )
            for k in range(sessions)
        ]
        sims.append((ip, port, router, listener, guests))
    return sims


def _seed(factory, sims, now: dt.datetime) -> None:
    from tests import factories

    with transaction(factory) as s:
        owner = factories.owner(s)
        for ip, port, _router, _listener, guests in sims:
            r = factories.router(s, owner, ip=ip, secret=SECRET)
            r.coa_port = port
            rows = [
                RadiusSession(
                    router_id=r.id,
                    acct_session_id=g.session_id,
                    username=g.username,
                    mac=g.mac,
                    framed_ip=g.ip,
                    started_at=now,
                    updated_at=now,
                )
                for g in guests
            ]
            s.add_all(rows)
            s.flush()
            outbox.queue_for_sessions(s, rows, "owner", now)


def run(args: argparse.Namespace, dead: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="hotspot-coa-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)
        cluster, url = _database(work)
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        sims = _routers(args.routers, args.sessions, dead)
        now = dt.datetime.now(dt.UTC)
        try:
            _seed(factory, sims, now)
            live = (args.routers - dead) * args.sessions
            runs, started = 0, time.monotonic()
            while True:
                runs += 1
                outbox.send_due(
                    factory, now, workers=args.workers, timeout=args.timeout, retries=2
                )
                with factory() as s:
                    done = s.scalar(
                        select(func.count()).where(RouterAction.state == "done")
                    )
                if done >= live or runs > 20:
                    break
                now += dt.timedelta(seconds=outbox.BACKOFF_MAX)
            elapsed = time.monotonic() - started
            cut = sum(1 for *_, guests in sims for g in guests if g.ended)
            dead_pending = sum(1 for g in sims[-1][4] if not g.ended) if dead else 0
        finally:
            for _ip, _port, router, listener, _guests in sims:
                if listener is not None:
                    listener.stop()
                router.stop()
            engine.dispose()
            cluster.stop(mode="immediate")
    return {
        "dead": dead,
        "routers": args.routers,
        "sessions": args.routers * args.sessions,
        "workers": args.workers,
        "timeout": args.timeout,
        "runs": runs,
        "elapsed": elapsed,
        "cut": cut,
        "rate": cut / elapsed,
        "dead_left": dead_pending,
    }


def report(results: list[dict[str, float]]) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    r = results[0]
    rows = [
        f"| {'one dead' if x['dead'] else 'none'} | {x['cut']} | {x['elapsed']:.2f} "
        f"| {x['rate']:.0f} | {x['runs']} | {x['dead_left']} |"
        for x in results
    ]
    return "\n".join(
        [
            BEGIN,
            "## Disconnect throughput (python -m bench.disconnect)",
            "",
            f"Commit {commit}, {platform.machine()}, {os.cpu_count()} CPUs, "
            f"{dt.date.today().isoformat()}. {r['routers']} simulated routers on "
            f"127.0.9.x, {r['sessions'] // r['routers']} sessions each; pyrad "
            "Disconnect-Requests with Message-Authenticator to the simulators' "
            f"incoming RADIUS, {r['workers']} routers at once, {r['timeout']} s per "
            "try, 2 tries; one send run is the scheduler job's call.",
            "",
            "| dead routers | sessions cut | seconds | cut/s | runs | left at dead |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "The dead router costs one timeout per run in one worker "
            f"({2 * r['timeout']:.0f} s here): its other actions are deferred to "
            "a later run, never waited for, and the other routers' workers go on "
            "(the timeout overlaps their work; the run lasts at least that long). "
            "On this machine, shared with other work, the two rows swap places "
            "from run to run by tens of percent. Each router's actions go one after "
            "another (a router is not flooded), up to ``--workers`` routers at "
            "once. The senders, the 50 simulated routers and PostgreSQL share this "
            "machine and the simulators share one Python process (the GIL): the "
            "figure is a floor for the sender, not a router's limit.",
            END,
        ]
    )


def write(section: str, path: Path = RESULTS) -> None:
    text = path.read_text() if path.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


def carry_over(path: Path, text: str) -> str:
    """For ``python -m bench``: keep this section when it rewrites the file."""
    old = path.read_text() if path.exists() else ""
    if BEGIN not in old or END not in old:
        return text
    section = BEGIN + old.split(BEGIN, 1)[1].split(END, 1)[0] + END
    return text.rstrip("\n") + "\n\n" + section + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.disconnect")
    parser.add_argument("--routers", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=40, help="per router")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    section = report([run(args, dead=True), run(args, dead=False)])
    print(section)
    if not args.no_write:
        write(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
