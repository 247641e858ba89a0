"""Keep the local stack's processes running: a child that exits is logged and
started again with backoff; only :meth:`Supervisor.stop_all` (Ctrl-C, SIGTERM)
stops them. One part losing the database never brings the others down."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TextIO

from hotspot.db import Backoff

from .process import stop_process


class Service(Protocol):
    def start(self) -> None: ...

    def poll(self) -> int | None:
        """The exit status once it has exited, else None."""

    def stop(self) -> None: ...


class Command:
    """A child process run from an argument list."""

    def __init__(
        self,
        args: list[str],
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.args = args
        self.env = env
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.args, env=self.env, cwd=self.cwd)

    def poll(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)


@dataclass
class _Child:
    name: str
    service: Service
    backoff: Backoff
    started: bool = False
    started_at: float = 0.0
    restart_at: float | None = None
    restarts: int = field(default=0)


class Supervisor:
    """Starts services, restarts those that exit (after 1, 2, 4 … up to
    ``max_delay`` seconds; the delay starts over once a child has stayed up for
    ``stable_after`` seconds) and stops them all on request."""

    def __init__(
        self,
        out: TextIO | None = None,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        stable_after: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.out = out or sys.stderr
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.stable_after = stable_after
        self.clock = clock
        self.children: list[_Child] = []

    def add(self, name: str, service: Service, started: bool = False) -> None:
        """Supervise ``service`` (``started``: it is running already)."""
        backoff = Backoff(self.first_delay, self.max_delay)
        child = _Child(name, service, backoff, started, self.clock())
        self.children.append(child)

    def log(self, message: str) -> None:
        print(
            f"{time.strftime('%H:%M:%S')} [stack] {message}", file=self.out, flush=True
        )

    def start_all(self) -> None:
        for child in self.children:
            if not child.started:
                self._start(child)

    def _start(self, child: _Child) -> None:
        child.restart_at = None
        child.started = True
        child.started_at = self.clock()
        try:
            child.service.start()
        except Exception as exc:  # noqa: BLE001 - any failure to start: try again
            self._schedule(child, f"did not start ({exc})".splitlines()[0])

    def _schedule(self, child: _Child, why: str) -> None:
        if self.clock() - child.started_at >= self.stable_after:
            child.backoff.reset()
        delay = child.backoff.next()
        child.restart_at = self.clock() + delay
        child.restarts += 1
        self.log(f"{child.name} {why}; restarting in {delay:g}s")

    def check(self) -> None:
        """Notice exited children and restart those whose delay has passed."""
        for child in self.children:
            if child.restart_at is None:
                status = child.service.poll()
                if status is not None:
                    child.service.stop()  # reap it, close its pipes
                    self._schedule(child, f"exited with status {status}")
            elif self.clock() >= child.restart_at:
                self.log(f"restarting {child.name} (restart {child.restarts})")
                self._start(child)

    def run(self, stop: threading.Event, interval: float = 0.5) -> None:
        """Check every ``interval`` seconds until ``stop`` is set."""
        while not stop.wait(interval):
            self.check()

    def stop_all(self) -> None:
        for child in reversed(self.children):
            try:
                child.service.stop()
            except Exception as exc:  # noqa: BLE001 - stop the others all the same
                self.log(f"{child.name} did not stop cleanly ({exc})")
