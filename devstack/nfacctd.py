"""Run pmacct's nfacctd with flows/nfacctd.conf, writing into our PostgreSQL."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from string import Template
from urllib.parse import unquote, urlsplit

from hotspot.settings import Settings

from .process import stop_process

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_TEMPLATE = REPO_ROOT / "flows" / "nfacctd.conf"


class NfacctdError(RuntimeError):
    pass


def nfacctd_binary() -> str:
    path = shutil.which("nfacctd") or "/usr/sbin/nfacctd"
    if not Path(path).exists():
        raise NfacctdError("nfacctd not found (apt install pmacct)")
    return path


def render_config(settings: Settings, run_dir: Path) -> Path:
    """flows/nfacctd.conf with the settings' port and database filled in."""
    # Its own role (0022): INSERT on the flow log only.
    url = urlsplit(settings.database_url_for("flows").replace("+psycopg2", ""))
    run_dir.mkdir(parents=True, exist_ok=True)
    text = Template(CONFIG_TEMPLATE.read_text()).substitute(
        LOGFILE=run_dir / "nfacctd.log",
        PIDFILE=run_dir / "nfacctd.pid",
        HOST=settings.flow_host,
        PORT=settings.flow_port,
        REFRESH=settings.flow_refresh,
        DB_HOST=url.hostname or "127.0.0.1",
        DB_PORT=url.port or 5432,
        DB_NAME=url.path.lstrip("/"),
        DB_USER=unquote(url.username or ""),
        DB_PASSWORD=unquote(url.password or ""),
    )
    path = run_dir / "nfacctd.conf"
    path.write_text(text)
    path.chmod(0o600)  # it holds the database password
    return path


class Nfacctd:
    """nfacctd in the foreground (its plugin is a child process of it)."""

    def __init__(self, settings: Settings, run_dir: Path) -> None:
        self.settings = settings
        self.run_dir = run_dir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.run_dir / "nfacctd.log"

    def start(self, timeout: float = 10) -> None:
        config = render_config(self.settings, self.run_dir)
        self.log_path.unlink(missing_ok=True)
        self.proc = subprocess.Popen(  # noqa: S603
            [nfacctd_binary(), "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise NfacctdError(f"nfacctd exited: {self.log()[-2000:]}")
            if "waiting for NetFlow" in self.log():
                return
            time.sleep(0.1)
        raise NfacctdError(f"nfacctd did not start: {self.log()[-2000:]}")

    def poll(self) -> int | None:
        """Its exit status once it has exited (the stack's supervisor asks)."""
        return None if self.proc is None else self.proc.poll()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        # SIGINT to the core: pmacct's graceful stop (docs/SIGNALS). The core
        # passes it to its plugin, which writes what it holds first. SIGTERM to
        # the group was not: nothing exited until the SIGKILL 10 s later, and
        # that lost the flows of the last refresh interval.
        import os
        import signal

        try:
            os.kill(self.proc.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            stop_process(self.proc)
        self.proc = None
