"""The scheduler process rides out a database outage: it keeps running, says so in
its log and leads (and runs its jobs) again once PostgreSQL is back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from tests.conftest import StoppableDatabase


class Output:
    """The lines a child process writes, read in the background."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert proc.stdout is not None
        self._reader = threading.Thread(
            target=lambda: self.lines.extend(proc.stdout), daemon=True
        )
        self._reader.start()

    def count(self, needle: str) -> int:
        return sum(needle in line for line in list(self.lines))

    def wait_for(self, needle: str, times: int = 1, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.count(needle) < times:
            assert time.monotonic() < deadline, (needle, self.lines)
            time.sleep(0.2)


def test_scheduler_keeps_running_through_an_outage(
    stoppable_db: StoppableDatabase,
) -> None:
    env = dict(
        os.environ, HOTSPOT_DATABASE_URL=stoppable_db.component_urls["scheduler"]
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out = Output(proc)
    try:
        out.wait_for("purge-login-tickets done")
        stoppable_db.cluster.stop()
        try:
            # The lock's connection is checked every 5 s: the loss is noticed, the
            # process stays up and retries.
            out.wait_for("lost the leader lock", timeout=15)
            out.wait_for("database unreachable", timeout=10)
            time.sleep(2)
            assert proc.poll() is None, out.lines
        finally:
            stoppable_db.cluster.start()
        out.wait_for("leader: running", times=2, timeout=40)
        out.wait_for("purge-login-tickets done", times=2, timeout=20)
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(15)
        assert proc.stdout is not None
        proc.stdout.close()
    assert status == 0, out.lines
