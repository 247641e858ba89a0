"""Set-up and measurements of ``python -m bench`` (see bench/README.md)."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .loadgen import AuthUser, CpuWatch, Workload, machine_busy

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_PATH = BENCH_DIR / "RESULTS.md"
PROPOSED_RESULTS_PATH = BENCH_DIR / "RESULTS-proposed.md"
BASELINE_USER = "bench-user"
BASELINE_PIN = "483920"  # bench/baseline_raddb/users
ACCT_STEP = 60  # seconds of Acct-Session-Time each Interim-Update adds

#: Proposed changes to raddb/ or the SQL functions (bench/proposals), measured with
#: --variant on the bench's private copies, never applied to the repository.
VARIANTS = {
    "auth-plpgsql": "hotspot_auth_state in PL/pgSQL (plan cached per connection)",
    "spool-shards": "accounting spool in 4 shards, drained by 4 detail listeners",
} | {
    f"threads-{n}": f"thread pool of {n} workers (and at most {n} SQL connections)"
    for n in (2, 3, 4, 6, 8, 16)
}

RADDB_VARIANTS = {"spool-shards"} | {v for v in VARIANTS if v.startswith("threads-")}

TARGETS = {
    "a": "stock FreeRADIUS, `files` user, at its fastest here (ceiling)",
    "s": "stock FreeRADIUS, `files` user, with raddb/'s thread pool and logging",
    "b": "hotspot voucher path (rlm_sql + rlm_python3)",
    "w": "hotspot voucher path, busy venue (a wrong PIN at the router < 15 min ago)",
    "c": "stock rlm_sql accounting (radacct)",
    "d": "hotspot accounting (detail spool)",
}
#: The order of the paths (and of --only's letters).
ALL_TARGETS = "asbwcd"
AUTH_TARGETS = "asbw"
#: Thread pools tried for the ceiling (a): None is Debian's stock pool (5..32).
STOCK_POOLS: tuple[int | None, ...] = (None, 4, 8, 16, 32)


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


@dataclass
class Options:
    rounds: int = 3
    duration: float = 5.0
    warmup: float = 1.0
    inflight: list[int] = field(default_factory=lambda: [1, 16, 64])
    acct_inflight: list[int] = field(default_factory=lambda: [16])
    #: Short, because (d) then waits for its spool to drain (several times longer).
    acct_duration: float = 2.0
    acct_warmup: float = 0.5
    vouchers: int = 100_000
    sessions: int = 1_000_000
    open_sessions: int = 10_000
    codes: int = 10_000
    pins: int = 500
    drain_timeout: float = 240.0
    quick: bool = False
    #: Before each run wait up to quiet_wait s while more than quiet_cores are busy
    #: (other people's processes), and no more than quiet_budget s in all.
    quiet_wait: float = 15.0
    quiet_cores: float = 0.25
    quiet_budget: float = 60.0
    #: The hotspot's name the routers send (a Cyrillic one takes the UTF-8 check's
    #: path for non-ASCII values).
    called_station_id: str = "hotspot1"


QUICK = dict(
    rounds=1,
    duration=2.0,
    warmup=0.5,
    acct_duration=1.5,
    vouchers=20_000,
    sessions=100_000,
    open_sessions=2_000,
    codes=2_000,
    pins=100,
    drain_timeout=60,
    quiet_budget=30.0,
    quick=True,
)


def parse_args(argv: list[str] | None) -> tuple[Options, argparse.Namespace]:
    """Long because it is one flat list of options."""
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="RADIUS benchmark: stock FreeRADIUS vs the hotspot paths "
        "(bench/README.md).",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="one short round on a smaller data set (a smoke test; "
        "writes no results file unless --output is given)",
    )
    p.add_argument("--rounds", type=int, help="rounds of every measurement (3)")
    p.add_argument("--duration", type=float, help="seconds measured per auth run (5)")
    p.add_argument("--warmup", type=float, help="warm-up seconds per auth run (1)")
    p.add_argument(
        "--acct-duration", type=float, help="seconds measured per accounting run (2)"
    )
    p.add_argument("--acct-warmup", type=float, help="warm-up per accounting run (0.5)")
    p.add_argument("--inflight", help="Access-Requests in flight (1,16,64)")
    p.add_argument("--acct-inflight", help="Interim-Updates in flight (16)")
    p.add_argument("--vouchers", type=int, help="vouchers seeded (100000)")
    p.add_argument(
        "--sessions", type=int, help="rows in radius_sessions and in radacct (1000000)"
    )
    p.add_argument(
        "--codes",
        type=int,
        help="distinct vouchers the Access-Request load cycles over (10000)",
    )
    p.add_argument(
        "--only", default=ALL_TARGETS, help=f"paths to measure ({ALL_TARGETS})"
    )
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        choices=sorted(VARIANTS),
        help="apply a proposed change (bench/proposals) to the bench's "
        "copies for (b)/(d); repeatable; results go to "
        "bench/RESULTS-proposed.md",
    )
    p.add_argument(
        "--probe",
        action="store_true",
        help="time the Python call inside FreeRADIUS (bench/probe_rlm.py)",
    )
    p.add_argument(
        "--radius-cpus",
        default="auto",
        help="CPUs of our FreeRADIUS, as HOTSPOT_RADIUS_CPUS: auto (the local "
        "stack's default: half of the cores), all (unpinned) or a list (auto)",
    )
    p.add_argument(
        "--db-cpus",
        default="all",
        help="CPUs of our PostgreSQL, as HOTSPOT_DB_CPUS: all (the local stack's "
        "default: unpinned), auto (the other half) or a list (all)",
    )
    p.add_argument(
        "--unpinned",
        action="store_true",
        help="both of them unpinned (--radius-cpus all --db-cpus all)",
    )
    p.add_argument(
        "--output",
        type=Path,
        help="results file (default: bench/RESULTS.md for a full run, "
        "bench/RESULTS-proposed.md with --variant)",
    )
    p.add_argument("--no-write", action="store_true", help="print the results only")
    p.add_argument("--json", type=Path, help="also write every run's raw figures here")
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the work directory (database, logs) afterwards",
    )
    p.add_argument(
        "--quiet-wait",
        type=float,
        help="seconds to wait before a run while other processes load the "
        "machine (15; 0 to never wait)",
    )
    p.add_argument(
        "--quiet-budget", type=float, help="seconds of such waiting in all (60)"
    )
    p.add_argument(
        "--called-station-id",
        help="the hotspot's name in every request (hotspot1; e.g. хотспот1 for "
        "the UTF-8 check's path of non-ASCII values)",
    )
    args = p.parse_args(argv)
    o = Options(**QUICK) if args.quick else Options()  # type: ignore[arg-type]
    for name in (
        "rounds",
        "duration",
        "warmup",
        "acct_duration",
        "acct_warmup",
        "vouchers",
        "sessions",
        "codes",
        "quiet_wait",
        "quiet_budget",
        "called_station_id",
    ):
        if getattr(args, name) is not None:
            setattr(o, name, getattr(args, name))
    if args.inflight:
        o.inflight = [int(x) for x in args.inflight.split(",")]
    if args.acct_inflight:
        o.acct_inflight = [int(x) for x in args.acct_inflight.split(",")]
    args.only = "".join(t for t in ALL_TARGETS if t in args.only)
    o.open_sessions = min(o.open_sessions, o.sessions // 2)
    o.codes = min(o.codes, o.vouchers - o.open_sessions)
    if not 1 <= o.rounds <= 20:
        p.error("--rounds: 1 to 20")
    if not (0.5 <= o.duration <= 120 and 0.5 <= o.acct_duration <= 60):
        p.error("--duration 0.5-120 s, --acct-duration 0.5-60 s")
    if not all(1 <= n <= 512 for n in o.inflight + o.acct_inflight):
        p.error("in flight: 1 to 512")
    if o.open_sessions < max(o.acct_inflight):
        p.error("need at least one open session per Interim-Update in flight")
    if o.vouchers < 100 or o.codes < 1:
        p.error("--vouchers: at least 100")
    return o, args


def run_load(w: Workload) -> dict[str, Any]:
    """The load generator in its own process (its own core time, no GIL shared)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"],
        input=json.dumps(asdict(w)),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=w.warmup + w.duration + w.timeout + 120,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen failed: {proc.stderr[-3000:]}")
    r = json.loads(proc.stdout)
    cpu = r.get("cpu", {})
    if "machine" in cpu:
        ours = sum(v for k, v in cpu.items() if k != "machine") + r["client_cpu"]
        cpu["other"] = max(0.0, cpu["machine"] - ours)  # other people, kernel threads
    return r


def count_drops(log_path: Path, offset: int) -> int:
    """Requests FreeRADIUS refused since ``offset`` of its log ("Dropping request
    (65537 is too many)": more than max_requests tracked)."""
    with open(log_path, "rb") as fh:
        fh.seek(offset)
        return fh.read().count(b"Dropping request")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def parse_probe(log_path: Path, offset: int) -> dict[str, float]:
    """The bench-probe lines (bench/probe_rlm.py) logged since ``offset``."""
    with open(log_path, "rb") as fh:
        fh.seek(offset)
        text = fh.read().decode(errors="replace")
    rows = [
        {k: float(v) for k, v in re.findall(r"([a-z/-]+)=([0-9.]+)", line)}
        for line in text.splitlines()
        if "bench-probe: authorize" in line
    ]
    rows = [r for r in rows if {"mean", "cpu", "python-busy"} <= r.keys()]
    if not rows:
        return {}
    return {
        "python_us": median([r["mean"] for r in rows]),
        "python_cpu_us": median([r["cpu"] for r in rows]),
        "python_busy": median([r["python-busy"] for r in rows]),
    }


class Bench:
    """One private PostgreSQL cluster, three FreeRADIUS processes, the runs."""

    def __init__(self, o: Options, args: argparse.Namespace) -> None:
        self.o = o
        self.only: str = args.only
        self.variants: list[str] = args.variant
        self.probe: bool = args.probe
        self.work = Path(tempfile.mkdtemp(prefix="hotspot-bench-"))
        self.work.chmod(0o755)  # the postgres user must reach its data directory
        self.secret = "bench-" + os.urandom(9).hex()
        self.results: list[dict[str, Any]] = []
        self.waits: list[float] = []
        self.servers: dict[str, Any] = {}
        self.cluster: Any = None
        self.stock_cluster: Any = None
        self.cpu_settings = (
            ("all", "all") if args.unpinned else (args.radius_cpus, args.db_cpus)
        )
        self.radius_cpus: list[int] | None = None
        self.db_cpus: list[int] | None = None
        self.applied: dict[str, Any] = {}  # what the variants changed, for the report
        self.seed_seconds = 0.0
        #: The ceiling's thread pools tried, best rate each, and the one kept.
        self.calibration: dict[str, float] = {}
        self.stock_pool = ""

    # -- set-up ----------------------------------------------------------------------
    def setup(self) -> None:
        """Long because the set-up is one sequence (clusters, seed, servers) whose steps
        share many locals."""
        from alembic import command

        from devstack.affinity import placement
        from devstack.freeradius import radius_threads
        from devstack.postgres import PostgresCluster, free_port
        from hotspot.crypto import new_fernet_key
        from hotspot.db import alembic_config
        from hotspot.settings import Settings

        from . import seed, servers

        o = self.o
        t0 = time.monotonic()
        # Our servers run where the local stack puts them (devstack.affinity):
        # FreeRADIUS on cores of its own, unless told otherwise.
        # The stock servers and the stock database are never pinned.
        radius_cpus, db_cpus = self.cpu_settings
        self.radius_cpus, self.db_cpus = placement(
            Settings(radius_cpus=radius_cpus, db_cpus=db_cpus)
        )
        self.cluster = PostgresCluster(self.work / "pgdata", free_port())
        self.cluster.init()
        self.cluster.start(cpus=self.db_cpus)
        self.cluster.ensure_database("hotspot_bench")
        self.stock_cluster = self.cluster
        if self.db_cpus and "c" in self.only:
            self.stock_cluster = PostgresCluster(
                self.work / "pgdata-stock", free_port()
            )
            self.stock_cluster.init()
            self.stock_cluster.start()
        self.stock_cluster.ensure_database("radius_bench")
        url = self.cluster.url("hotspot_bench")
        command.upgrade(alembic_config(url), "head")
        self.dsn = url.replace("postgresql+psycopg2://", "postgresql://")
        self.radacct_dsn = self.stock_cluster.url("radius_bench", driver="postgresql")
        self._apply_sql_variants()
        log(
            f"PostgreSQL {self.cluster.bindir.parent.name} on port "
            f"{self.cluster.port}, migrated in {time.monotonic() - t0:.1f} s; "
            "seeding..."
        )

        self.ds = seed.Dataset(
            vouchers=o.vouchers,
            sessions=o.sessions,
            open_sessions=o.open_sessions,
            pins=o.pins,
            auth_codes=o.codes,
        )
        pin_key = new_fernet_key()
        t1 = time.monotonic()
        with ThreadPoolExecutor(2) as pool:  # the two databases load in parallel
            radacct = (
                pool.submit(seed.seed_radacct, self.radacct_dsn, self.ds)
                if "c" in self.only
                else None
            )
            pins = seed.seed_hotspot(self.dsn, self.ds, self.secret, pin_key)
            if radacct is not None:
                radacct.result()
        self.seed_seconds = time.monotonic() - t1
        log(
            f"seeded {o.vouchers:,} vouchers and {o.sessions:,} sessions"
            f"{' (twice: radius_sessions, radacct)' if 'c' in self.only else ''} "
            f"in {self.seed_seconds:.1f} s, VACUUM ANALYZE included"
        )
        self.users = seed.auth_users(self.ds, pins)
        self.sessions = {"d": seed.load_sessions(self.dsn, self.ds)}
        if "c" in self.only:
            self.sessions["c"] = seed.load_sessions(
                self.radacct_dsn, self.ds, radacct=True
            )

        settings = Settings(
            database_url=url,
            secret_key="bench-" + os.urandom(16).hex(),
            pin_key=pin_key,
            radius_auth_port=free_port(kind=2),
            radius_acct_port=free_port(kind=2),
            acct_interim_interval=60,
            radius_cpus=radius_cpus,
            db_cpus=db_cpus,
        )
        self.ports = {"b": settings.radius_auth_port, "d": settings.radius_acct_port}
        ours = servers.hotspot(
            settings, self.work / "radius-hotspot", raddb=self._proposed_raddb()
        )
        self.servers["hotspot"] = ours
        if "a" in self.only:
            # Candidates for the ceiling: stock logging, several thread pools; the
            # fastest is kept as (a) after a calibration (self.calibrate).
            for threads in STOCK_POOLS:
                name = f"baseline-{threads or 'stock'}"
                self.ports[name] = free_port(kind=2)
                self.servers[name] = servers.baseline(
                    servers.BASELINE_RADDB,
                    self.work / f"radius-{name}",
                    self.secret,
                    auth_port=self.ports[name],
                    threads=threads,
                )
        if "s" in self.only:
            self.ports["s"] = free_port(kind=2)
            self.servers["baseline_same"] = servers.baseline(
                servers.BASELINE_RADDB,
                self.work / "radius-baseline-same",
                self.secret,
                auth_port=self.ports["s"],
                threads=radius_threads(settings),
                auth_log=False,  # raddb/radiusd.conf: auth = no
            )
        if "c" in self.only:
            self.ports["c"] = free_port(kind=2)
            self.servers["baseline_sql"] = servers.baseline(
                servers.BASELINE_SQL_RADDB,
                self.work / "radius-baseline-sql",
                self.secret,
                acct_port=self.ports["c"],
                db={
                    "host": "127.0.0.1",
                    "port": str(self.stock_cluster.port),
                    "user": self.stock_cluster.user,
                    "password": self.stock_cluster.password,
                    "name": "radius_bench",
                },
            )
        for s in self.servers.values():
            s.start()
        log(
            "servers ready: "
            + ", ".join(f"{n} (pid {s.pid})" for n, s in self.servers.items())
        )
        self.postmaster = {
            name: int((c.data_dir / "postmaster.pid").read_text().split()[0])
            for name, c in (("ours", self.cluster), ("stock", self.stock_cluster))
        }
        self.calibrate()
        self.smoke()

    def calibrate(self) -> None:
        """Find the stock server's fastest thread pool here (16 in flight, twice
        each, best of the two), keep it as (a) and stop the other candidates."""
        if "a" not in self.only:
            return
        candidates = [n for n in self.servers if n.startswith("baseline-")]
        best: dict[str, float] = {}
        for _ in range(2):
            for name in candidates:
                self.ports["a"] = self.ports[name]
                self.servers["baseline"] = self.servers[name]
                r = self._auth("a", 16, duration=1.0, warmup=0.3)
                best[name] = max(best.get(name, 0.0), r["rate"])
        chosen = max(best, key=lambda n: best[n])
        self.calibration = best
        self.stock_pool = chosen.removeprefix("baseline-")
        self.ports["a"] = self.ports[chosen]
        self.servers["baseline"] = self.servers.pop(chosen)
        for name in candidates:
            if name != chosen:
                self.servers.pop(name).stop()
        log(
            "ceiling (a): stock thread pools at 16 in flight "
            + ", ".join(
                f"{n.removeprefix('baseline-')} {r:,.0f}/s" for n, r in best.items()
            )
            + f"; kept {self.stock_pool}"
        )

    def _apply_sql_variants(self) -> None:
        import psycopg2

        from .proposals import SQL_VARIANTS

        todo = [v for v in self.variants if v in SQL_VARIANTS]
        if not todo:
            return
        conn = psycopg2.connect(self.dsn)
        try:
            with conn, conn.cursor() as cur:
                for v in todo:
                    self.applied[v] = SQL_VARIANTS[v](cur)
                    if not self.applied[v]:
                        log(f"{v}: nothing to change")
        finally:
            conn.close()

    def _proposed_raddb(self) -> Path | None:
        """A copy of raddb/ with the proposed changes or the probe, or None."""
        if not (set(self.variants) & RADDB_VARIANTS or self.probe):
            return None
        from devstack.freeradius import RADDB_DIR

        from .proposals import proposed_raddb, raddb_diff

        target = proposed_raddb(
            RADDB_DIR, self.work / "raddb-proposed", self.variants, probe=self.probe
        )
        self.applied["raddb-diff"] = raddb_diff(RADDB_DIR, target)
        return target

    def smoke(self) -> None:
        """A short run per path: every answer must be the expected one."""
        for t in self.only:
            if t in AUTH_TARGETS:
                r = self._auth(t, 1, duration=0.3, warmup=0.0)
                if r["accepts"] == 0 or r["rejects"] or r["ma_missing"] or r["ma_bad"]:
                    raise RuntimeError(
                        f"({t}) smoke test failed: {r}\n" + self._server(t).tail()
                    )
            else:
                r = self._acct(t, 1, duration=0.3, warmup=0.0)
                if (
                    r["responses"] == 0
                    or not r.get("stored_ok", True)
                    or (t == "d" and not r["drain_complete"])
                ):
                    raise RuntimeError(
                        f"({t}) smoke test failed: {r}\n" + self._server(t).tail()
                    )
        log("smoke test passed: " + ", ".join(f"({t})" for t in self.only))

    def _server(self, t: str) -> Any:
        names = {"a": "baseline", "s": "baseline_same", "c": "baseline_sql"}
        return self.servers[names.get(t, "hotspot")]

    def _watch(self, t: str) -> dict[str, int]:
        watch = {"radiusd": self._server(t).pid}
        if t not in "as":
            watch["postgres"] = self.postmaster["stock" if t == "c" else "ours"]
        return watch

    def wait_quiet(self) -> float:
        """Wait (bounded) while other processes keep the machine busy: the test
        suites of other people on the same cores would distort the figures."""
        t0 = time.monotonic()
        busy = machine_busy(0.3)
        limit = min(self.o.quiet_wait, self.o.quiet_budget - sum(self.waits))
        if busy <= self.o.quiet_cores or limit <= 0:
            return 0.0
        log(
            f"machine busy ({busy:.2f} cores, not ours): waiting up to "
            f"{limit:.0f} s for it to calm down"
        )
        while time.monotonic() - t0 < limit:
            if machine_busy(1.0) <= self.o.quiet_cores:
                break
        waited = time.monotonic() - t0
        self.waits.append(waited)
        return waited

    # -- one measurement ---------------------------------------------------------------
    def _auth(
        self, t: str, n: int, *, duration: float, warmup: float
    ) -> dict[str, Any]:
        if t in "as":
            users = [AuthUser(BASELINE_USER, BASELINE_PIN, u.mac) for u in self.users]
        else:
            users = self.users
        self._busy_venue(t == "w")
        w = Workload(
            kind="auth",
            port=self.ports[t if t != "w" else "b"],
            secret=self.secret,
            inflight=n,
            duration=duration,
            warmup=warmup,
            users=users,
            watch=self._watch(t),
            called_station_id=self.o.called_station_id,
        )
        server = self._server(t)
        offset = server.log_path.stat().st_size
        r = run_load(w)
        r["target"] = t
        r["dropped"] = count_drops(server.log_path, offset)
        if t in "bw" and self.probe:
            r["probe"] = parse_probe(server.log_path, offset)
        return r

    def _busy_venue(self, busy: bool) -> None:
        """(w): one wrong PIN at the bench router a moment ago, as a busy venue
        always has (so its lock-out counts are looked up on every request); (b):
        none within the 15 minutes (the hint lets them be skipped)."""
        import psycopg2

        conn = psycopg2.connect(self.dsn)
        conn.autocommit = True
        with conn, conn.cursor() as cur:
            cur.execute("DELETE FROM auth_failures WHERE username = 'bench-wrong'")
            cur.execute("UPDATE routers SET last_auth_failure_at = NULL")
            if busy:
                cur.execute(
                    "INSERT INTO auth_failures (router_id, username, mac, created_at) "
                    "SELECT id, 'bench-wrong', '02:00:00:00:00:01', now() FROM routers"
                )
        conn.close()

    def _acct(
        self, t: str, n: int, *, duration: float, warmup: float
    ) -> dict[str, Any]:
        """Interim-Updates; for (d), then wait until radius_sessions has them all.

        Long because the load, the wait for the spool and the check that every update
        was stored share one connection and one clock.
        """
        import psycopg2

        if t == "c":
            dsn, sql, first = (
                self.radacct_dsn,
                (
                    "SELECT coalesce(sum(acctsessiontime), 0), count(*) FROM radacct "
                    "WHERE radacctid >= %s"
                ),
                self.ds.radacct_first_open_id,
            )
        else:
            dsn, sql, first = (
                self.dsn,
                (
                    "SELECT coalesce(sum(session_time), 0), count(*) "
                    "FROM radius_sessions WHERE id >= %s"
                ),
                self.ds.first_open_id,
            )
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        cur = conn.cursor()

        def stored() -> tuple[int, int]:
            """Sum of Acct-Session-Time over the load's sessions, and their count:
            every Interim-Update stored adds exactly ACCT_STEP to the sum."""
            cur.execute(sql, (first,))
            total, rows = cur.fetchone()
            return int(total), int(rows)

        sessions = self.sessions[t]
        server = self._server(t)
        offset = server.log_path.stat().st_size
        try:
            before, rows_before = stored()
            guess = 40_000 if t == "d" else 15_000  # answers/s, sizes the pre-build
            w = Workload(
                kind="acct",
                port=self.ports[t],
                secret=self.secret,
                inflight=n,
                duration=duration,
                warmup=warmup,
                sessions=sessions,
                step_time=ACCT_STEP,
                watch=self._watch(t),
                called_station_id=self.o.called_station_id,
                prebuild=int(guess * (duration + warmup) / n) + 64,
            )
            r = run_load(w)
            r["target"] = t
            r["dropped"] = count_drops(server.log_path, offset)
            sent = r.pop("sent_per_session")
            for s, k in zip(sessions, sent, strict=True):
                s.session_time += k * w.step_time
                s.input_octets += k * w.step_input
                s.output_octets += k * w.step_output
            records = r["records"] = sum(sent)
            expected = before + records * ACCT_STEP
            if t == "c":
                total, rows = stored()
                # Synchronous: stored before the answer; and in place (no INSERT).
                r["stored_ok"] = total == expected and rows == rows_before
                if not r["stored_ok"]:
                    log(
                        f"(c) radacct: sum {total} != {expected} or rows {rows} != "
                        f"{rows_before}: the stock queries did not update in place"
                    )
            else:
                r.update(
                    self._drain(stored, before, expected, records, r["t_first_send"])
                )
        finally:
            conn.close()
        return r

    def _drain(
        self, stored: Any, before: int, expected: int, records: int, t_first: float
    ) -> dict[str, Any]:
        """Poll until radius_sessions reflects every Interim-Update sent."""
        t_end = time.time()
        watch = CpuWatch(self._watch("d"))
        watch.start()
        total, _ = stored()
        applied_at_end = (total - before) // ACCT_STEP
        last_progress, last_total = time.monotonic(), total
        deadline = time.monotonic() + self.o.drain_timeout
        while total < expected and time.monotonic() < deadline:
            time.sleep(0.1)
            total, _ = stored()
            if total != last_total:
                last_progress, last_total = time.monotonic(), total
            elif time.monotonic() - last_progress > 20:
                break
        t_done = time.time()
        cpu = watch.stop()
        cpu["other"] = max(0.0, cpu["machine"] - cpu["radiusd"] - cpu["postgres"])
        applied = (total - before) // ACCT_STEP
        if total < expected:
            log(f"(d) spool not drained: {applied} of {records} records stored")
        return {
            "drain_complete": total >= expected,
            "drain_applied": applied,
            "drain_applied_at_end": applied_at_end,
            "drain_seconds": t_done - t_first,
            "drain_rate": applied / (t_done - t_first),
            "drain_backlog_seconds": t_done - t_end,
            "drain_backlog_rate": (
                (applied - applied_at_end) / (t_done - t_end) if t_done > t_end else 0.0
            ),
            "drain_cpu": cpu,
        }

    # -- the rounds ------------------------------------------------------------------
    def run(self) -> None:
        o = self.o
        auth = [t for t in AUTH_TARGETS if t in self.only]
        acct = [t for t in "cd" if t in self.only]
        for rnd in range(1, o.rounds + 1):
            for i, n in enumerate(o.inflight):
                for t in auth if (rnd + i) % 2 else auth[::-1]:
                    waited = self.wait_quiet()
                    r = self._auth(t, n, duration=o.duration, warmup=o.warmup)
                    r.update(round=rnd, waited=waited)
                    self.results.append(r)
                    log(
                        f"round {rnd} ({t}) auth x{n:<3} {r['rate']:8.0f} req/s  "
                        f"p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  "
                        f"acc/rej/to {r['accepts']}/{r['rejects']}/{r['timeouts']}"
                        f"{fmt_dropped(r)}  "
                        f"cpu {fmt_cpu(r['cpu'], r['client_cpu'])}{fmt_probe(r)}"
                    )
            for i, n in enumerate(o.acct_inflight):
                for t in acct if (rnd + i) % 2 else acct[::-1]:
                    waited = self.wait_quiet()
                    r = self._acct(t, n, duration=o.acct_duration, warmup=o.acct_warmup)
                    r.update(round=rnd, waited=waited)
                    self.results.append(r)
                    log(
                        f"round {rnd} ({t}) acct x{n:<3} {r['rate']:8.0f} upd/s  "
                        f"p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  "
                        f"timeouts {r['timeouts']}{fmt_dropped(r)}  "
                        f"cpu {fmt_cpu(r['cpu'], r['client_cpu'])}{fmt_drain(r)}"
                    )
            for name, s in self.servers.items():
                if not s.alive():
                    raise RuntimeError(f"{name} died:\n{s.tail()}")

    def teardown(self, keep: bool) -> None:
        for s in self.servers.values():
            s.stop()
        for cluster in {
            id(c): c for c in (self.cluster, self.stock_cluster) if c
        }.values():
            try:
                cluster.stop(mode="immediate")
            except Exception as exc:  # noqa: BLE001 - still clean up the rest
                log(f"stopping PostgreSQL: {exc}")
        if keep:
            log(f"work directory kept: {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def fmt_cpu(cpu: dict[str, float], client: float) -> str:
    parts = [f"{k} {cpu[k] * 100:.0f}%" for k in ("radiusd", "postgres") if k in cpu]
    parts.append(f"loadgen {client * 100:.0f}%")
    if "other" in cpu:
        parts.append(f"other {cpu['other'] * 100:.0f}%")
    return ", ".join(parts)


def fmt_dropped(r: dict[str, Any]) -> str:
    return f"  DROPPED {r['dropped']} (max_requests)" if r.get("dropped") else ""


def fmt_probe(r: dict[str, Any]) -> str:
    p = r.get("probe")
    if not p:
        return ""
    return (
        f"  python {p['python_us']:.0f} us/call ({p['python_cpu_us']:.0f} us CPU),"
        f" mutex busy {p['python_busy']:.2f}"
    )


def fmt_drain(r: dict[str, Any]) -> str:
    if "drain_rate" not in r:
        return ""
    c = r["drain_cpu"]
    return (
        f"\n    drain: {r['drain_applied']}/{r['records']} records in "
        f"{r['drain_seconds']:.1f} s = {r['drain_rate']:.0f}/s overall, "
        f"{r['drain_backlog_rate']:.0f}/s on the backlog (cpu radiusd "
        f"{c['radiusd'] * 100:.0f}%, postgres {c['postgres'] * 100:.0f}%, "
        f"other {c['other'] * 100:.0f}%)"
    )
