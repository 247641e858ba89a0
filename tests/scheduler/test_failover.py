"""Two schedulers: only the leader runs jobs; kill the leader (SIGKILL, no clean
release) and the other takes over within a minute."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time


def _start(settings) -> tuple[subprocess.Popen[str], list[str]]:
    env = dict(os.environ, HOTSPOT_DATABASE_URL=settings.database_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    return proc, lines


def _leads(lines: list[str]) -> bool:
    return any("leader: running" in line for line in lines)


def _wait(probe, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return True
        time.sleep(0.2)
    return False


def test_the_other_scheduler_takes_over_when_the_leader_is_killed(settings):
    first, first_lines = _start(settings)
    second = None
    try:
        assert _wait(lambda: _leads(first_lines), 30), first_lines
        second, second_lines = _start(settings)
        assert _wait(
            lambda: any("another scheduler is the leader" in ln for ln in second_lines),
            30,
        ), second_lines
        assert not _leads(second_lines)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = time.monotonic()
        assert _wait(lambda: _leads(second_lines), 60), second_lines
        took = time.monotonic() - killed_at
        assert took < 60, took
        # It runs the jobs now.
        assert _wait(
            lambda: any("send-router-actions done" in ln for ln in second_lines), 30
        ), second_lines
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(20)
            if proc is not None:
                proc.stdout.close()
