"""Start FreeRADIUS with the project's raddb/ overlay and our rlm_python3 module."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
from collections import deque
from pathlib import Path
from urllib.parse import unquote, urlsplit

from hotspot.policy import LOCKOUT, fresh_window
from hotspot.settings import Settings

from .affinity import pinned, placement
from .process import component_environ, stop_process

REPO_ROOT = Path(__file__).resolve().parents[1]
RADDB_DIR = REPO_ROOT / "raddb"


class FreeRadiusError(RuntimeError):
    pass


def radius_threads(settings: Settings) -> int:
    """Worker threads: as set, else two per CPU core (a thread waits on PostgreSQL
    for part of each Access-Request; more of them only queue for the cores)."""
    if settings.radius_threads > 0:
        return settings.radius_threads
    return 2 * (os.cpu_count() or 1)


def freeradius_binary() -> str:
    for name in ("freeradius", "radiusd"):
        path = shutil.which(name) or (
            f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None
        )
        if path:
            return path
    raise FreeRadiusError("FreeRADIUS not found (apt install freeradius)")


def radius_environment(
    settings: Settings,
    run_dir: Path,
    *,
    reject_delay: int = 1,
    client_lifetime: int = 300,
    spool_retry: int = 10,
) -> dict[str, str]:
    """The HOTSPOT_* variables raddb/ expands with $ENV{...}."""
    # rlm_sql connects as the RADIUS server's own role, if it has one.
    url = urlsplit(settings.database_url_for("radius").replace("+psycopg2", ""))
    site_packages = sysconfig.get_paths()["purelib"]
    env = component_environ(os.environ, settings, "radius")
    env.update(
        HOTSPOT_RADDB_DIR=str(RADDB_DIR),
        HOTSPOT_RADIUS_RUN_DIR=str(run_dir),
        HOTSPOT_RADIUS_HOST=settings.radius_host,
        HOTSPOT_RADIUS_AUTH_PORT=str(settings.radius_auth_port),
        HOTSPOT_RADIUS_ACCT_PORT=str(settings.radius_acct_port),
        HOTSPOT_RADIUS_THREADS=str(radius_threads(settings)),
        HOTSPOT_RADIUS_REJECT_DELAY=str(reject_delay),
        HOTSPOT_RADIUS_CLIENT_LIFETIME=str(client_lifetime),
        HOTSPOT_RADIUS_SPOOL_RETRY=str(spool_retry),
        HOTSPOT_DB_HOST=url.hostname or "127.0.0.1",
        HOTSPOT_DB_PORT=str(url.port or 5432),
        HOTSPOT_DB_USER=unquote(url.username or ""),
        HOTSPOT_DB_PASSWORD=unquote(url.password or ""),
        HOTSPOT_DB_NAME=url.path.lstrip("/"),
        HOTSPOT_PYTHON_PATH=f"{REPO_ROOT}:{site_packages}",
        HOTSPOT_DATABASE_URL=settings.database_url_for("radius"),
        HOTSPOT_SECRET_KEY=settings.secret_key,
        HOTSPOT_PIN_KEY=settings.pin_key,
        HOTSPOT_ACCT_INTERIM_INTERVAL=str(settings.acct_interim_interval),
        HOTSPOT_SESSION_FRESH_SECONDS=str(fresh_window(settings.acct_interim_interval)),
        HOTSPOT_LOCKOUT_WINDOW=str(LOCKOUT.window),
        HOTSPOT_LOCKOUT_ROUTER_WINDOW=str(LOCKOUT.router_window),
        HOTSPOT_DEFAULT_IDLE_TIMEOUT=str(settings.default_idle_timeout),
        HOTSPOT_MAX_SESSION_SECONDS=str(settings.max_session_seconds),
    )
    return env


class FreeRadius:
    """A FreeRADIUS process in the foreground (threaded, ``-f -l stdout``)."""

    def __init__(
        self,
        settings: Settings,
        run_dir: Path | str,
        *,
        debug: bool = False,
        log_to: Path | None = None,
        echo: bool = False,
        **env_options: int,
    ) -> None:
        self.settings = settings
        self.run_dir = Path(run_dir).absolute()
        self.debug = debug
        self.echo = echo
        self.env = radius_environment(settings, self.run_dir, **env_options)
        self.log_path = log_to or self.run_dir / "radius.log"
        self.proc: subprocess.Popen[str] | None = None
        self.lines: deque[str] = deque(maxlen=20000)
        self._ready = threading.Event()
        self._lock = threading.Lock()

    @property
    def spool_dir(self) -> Path:
        return self.run_dir / "radacct" / "spool"

    def command(self) -> list[str]:
        args = [freeradius_binary(), "-d", str(RADDB_DIR)]
        args += ["-X"] if self.debug else ["-f", "-l", "stdout"]
        return pinned(args, placement(self.settings)[0])

    def check(self) -> None:
        """``freeradius -C``: the configuration parses and the modules load."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [freeradius_binary(), "-C", "-d", str(RADDB_DIR)],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise FreeRadiusError(proc.stdout[-3000:] + proc.stderr[-3000:])

    def start(self, timeout: float = 30) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for shard in range(4):  # raddb/mods-enabled/detail
            (self.spool_dir / str(shard)).mkdir(parents=True, exist_ok=True, mode=0o700)
        self._ready.clear()  # started again after it exited
        self.proc = subprocess.Popen(
            self.command(),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise FreeRadiusError(
                    "FreeRADIUS did not start:\n" + "\n".join(list(self.lines)[-60:])
                )

    def _pump(self) -> None:
        assert self.proc and self.proc.stdout
        with open(self.log_path, "a") as log:
            for line in self.proc.stdout:
                with self._lock:
                    self.lines.append(line.rstrip("\n"))
                log.write(line)
                log.flush()
                if self.echo:
                    sys.stdout.write("[radius] " + line)
                if "Ready to process requests" in line:
                    self._ready.set()

    def poll(self) -> int | None:
        """Its exit status once it has exited (None while it runs)."""
        return None if self.proc is None else self.proc.poll()

    def output(self) -> str:
        with self._lock:
            return "\n".join(self.lines)

    def wait_for_log(self, needle: str, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.output():
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.proc is None:
            return
        stop_process(self.proc)
        self._pump_thread.join(5)
        if self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> FreeRadius:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
