"""FreeRADIUS processes for the benchmark, and the CPU time they use.

All servers run threaded in the foreground (``freeradius -f -l stdout``, never -X)
with their output going straight to a log file: no Python thread reads it, so the
benchmark process itself costs no CPU while it measures.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from devstack.freeradius import FreeRadius, freeradius_binary
from devstack.process import stop_process
from hotspot.settings import Settings

BENCH_DIR = Path(__file__).resolve().parent
BASELINE_RADDB = BENCH_DIR / "baseline_raddb"
BASELINE_SQL_RADDB = BENCH_DIR / "baseline_sql_raddb"


class ServerError(RuntimeError):
    pass


class ServerProcess:
    """A FreeRADIUS in the foreground, logging to ``<run_dir>/radius.log``."""

    def __init__(
        self, name: str, command: list[str], env: dict[str, str], run_dir: Path
    ) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.run_dir = run_dir
        self.log_path = run_dir / "radius.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 30) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.command, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b"Ready to process requests" in self.log_path.read_bytes():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise ServerError(f"{self.name} did not start:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        if self._log is not None:
            self._log.close()
            self._log = None


#: Debian's stock radiusd.conf: thread pool 5..32 (3..10 spare), no auth log.
STOCK_POOL = (5, 32, 3, 10)


def pool(threads: int | None) -> tuple[int, int, int, int]:
    """(start, max, min spare, max spare): Debian's stock pool, or a fixed one."""
    if threads is None:
        return STOCK_POOL
    return (threads, threads, 1, threads)


def baseline(
    raddb: Path,
    run_dir: Path,
    secret: str,
    *,
    auth_port: int = 0,
    acct_port: int = 0,
    db: dict[str, str] | None = None,
    threads: int | None = None,
    auth_log: bool = False,
) -> ServerProcess:
    """A stock FreeRADIUS; ``threads`` None: Debian's stock thread pool."""
    env = dict(os.environ)
    start, top, min_spare, max_spare = pool(threads)
    env.update(
        BENCH_RADDB_DIR=str(raddb),
        BENCH_RUN_DIR=str(run_dir),
        BENCH_SECRET=secret,
        BENCH_AUTH_PORT=str(auth_port),
        BENCH_ACCT_PORT=str(acct_port),
        BENCH_THREADS_START=str(start),
        BENCH_THREADS_MAX=str(top),
        BENCH_THREADS_MIN_SPARE=str(min_spare),
        BENCH_THREADS_MAX_SPARE=str(max_spare),
        BENCH_AUTH_LOG="yes" if auth_log else "no",
    )
    for key, value in (db or {}).items():
        env[f"BENCH_DB_{key.upper()}"] = value
    command = [freeradius_binary(), "-f", "-l", "stdout", "-d", str(raddb)]
    return ServerProcess(raddb.name, command, env, run_dir)


def hotspot(
    settings: Settings, run_dir: Path, raddb: Path | None = None
) -> ServerProcess:
    """Our raddb/ as devstack.freeradius.FreeRadius starts it (reject_delay=0),
    optionally with another raddb directory (for measuring proposed changes)."""
    fr = FreeRadius(settings, run_dir, reject_delay=0)
    fr.spool_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    command = fr.command()
    env = dict(fr.env)
    if raddb is not None:
        command[command.index("-d") + 1] = str(raddb)
        env["HOTSPOT_RADDB_DIR"] = str(raddb)
    return ServerProcess("hotspot", command, env, fr.run_dir)
