"""The local stack's supervisor, with real short-lived processes: a child that
exits is restarted with backoff and logged; the others keep running."""

from __future__ import annotations

import io
import sys
import threading
import time
from pathlib import Path

from devstack.supervise import Command, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def count_starts(marker: Path) -> list[str]:
    """A child that appends a line to ``marker`` each time it starts, then fails."""
    return [
        sys.executable,
        "-c",
        f"open({str(marker)!r}, 'a').write('x\\n'); import sys; sys.exit(3)",
    ]


def wait_until(probe, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not probe():
        assert time.monotonic() < deadline, probe
        time.sleep(0.05)


def test_a_child_that_exits_is_restarted_and_the_others_keep_running(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "starts"
    out = io.StringIO()
    supervisor = Supervisor(out, first_delay=0.2, max_delay=0.8)
    failing, steady = Command(count_starts(marker)), Command(SLEEPER)
    supervisor.add("failing", failing)
    supervisor.add("steady", steady)
    stop = threading.Event()
    supervisor.start_all()
    runner = threading.Thread(target=supervisor.run, args=(stop, 0.05))
    runner.start()
    try:
        wait_until(lambda: marker.exists() and len(marker.read_text().split()) >= 5)
        assert runner.is_alive()
        assert steady.poll() is None
        steady_pid = steady.proc.pid if steady.proc else None
    finally:
        stop.set()
        runner.join(5)
        supervisor.stop_all()
    log = out.getvalue()
    assert "failing exited with status 3; restarting in 0.2s" in log
    assert "restarting failing (restart 3)" in log
    # Backoff: the delay doubles up to the cap.
    delays = [ln.rsplit(" ", 1)[1] for ln in log.splitlines() if "restarting in" in ln]
    assert delays[:4] == ["0.2s", "0.4s", "0.8s", "0.8s"], log
    assert "steady" not in log
    # Stopping stops everything: the steady child is gone, and was never restarted.
    assert steady.poll() is not None and steady.proc and steady.proc.pid == steady_pid


def test_the_delay_grows_and_starts_over_after_a_stable_run() -> None:
    now = [0.0]
    out = io.StringIO()
    supervisor = Supervisor(
        out, first_delay=1, max_delay=8, stable_after=60, clock=lambda: now[0]
    )
    child = Command([sys.executable, "-c", "pass"])
    supervisor.add("short", child)
    supervisor.start_all()
    delays = []
    for _ in range(5):
        assert child.proc is not None
        child.proc.wait(10)
        supervisor.check()  # notices the exit
        delays.append(supervisor.children[0].restart_at - now[0])
        now[0] = supervisor.children[0].restart_at
        supervisor.check()  # starts it again
    assert delays == [1, 2, 4, 8, 8]
    # It ran for a minute this time: the next delay is short again.
    assert child.proc is not None
    child.proc.wait(10)
    now[0] += 61
    supervisor.check()
    assert supervisor.children[0].restart_at - now[0] == 1
    supervisor.stop_all()


def test_a_child_that_cannot_start_is_retried(tmp_path: Path) -> None:
    out = io.StringIO()
    supervisor = Supervisor(out, first_delay=0.05, max_delay=0.05)
    missing = Command([str(tmp_path / "no-such-program")])
    supervisor.add("missing", missing)
    supervisor.start_all()
    wait_until(lambda: (supervisor.check(), "restart 2" in out.getvalue())[1])
    assert "missing did not start" in out.getvalue()
    supervisor.stop_all()


def test_freeradius_is_started_again_after_it_exits(tmp_path: Path) -> None:
    """The supervisor restarts FreeRADIUS itself, and waits until it is ready again
    (no database needed to start: its pool connects on demand)."""
    import os
    import signal

    from devstack.freeradius import FreeRadius
    from devstack.postgres import free_port
    from hotspot.crypto import new_fernet_key
    from hotspot.settings import Settings

    settings = Settings(
        database_url=f"postgresql+psycopg2://nobody:x@127.0.0.1:{free_port()}/none",
        secret_key=os.urandom(8).hex(),
        pin_key=new_fernet_key(),
        radius_auth_port=free_port(kind=2),
        radius_acct_port=free_port(kind=2),
        radius_cpus="all",
    )
    radius = FreeRadius(settings, tmp_path / "radius")
    out = io.StringIO()
    supervisor = Supervisor(out, first_delay=0.1)
    radius.start()
    supervisor.add("FreeRADIUS", radius, started=True)
    try:
        assert radius.proc is not None
        first = radius.proc.pid
        radius.proc.send_signal(signal.SIGTERM)
        radius.proc.wait(10)
        supervisor.check()
        time.sleep(0.2)
        supervisor.check()  # starts it, and returns once it is ready
        assert radius.proc.pid != first and radius.poll() is None
        assert radius.output().count("Ready to process requests") == 2
    finally:
        supervisor.stop_all()
    assert "FreeRADIUS exited with status 0; restarting in 0.1s" in out.getvalue()
