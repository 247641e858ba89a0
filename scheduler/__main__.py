"""``python -m scheduler``: run the jobs while holding the leader lock.

A database outage does not stop the process: while PostgreSQL is unreachable it
retries with backoff; when the lock's connection dies it stops the jobs and goes
back to waiting to lead (another scheduler may have taken over meanwhile).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from hotspot.clock import Clock, SystemClock
from hotspot.db import Backoff, make_engine, make_sessionmaker
from hotspot.settings import Settings

from .jobs import JOBS, run_job
from .leader import LeaderLock

log = logging.getLogger("scheduler")


def run(
    settings: Settings,
    stop: threading.Event,
    poll: float = 5.0,
    max_backoff: float = 30.0,
) -> int:
    """Lead whenever possible until ``stop`` is set; returns the exit status (0)."""
    engine = make_engine(settings.database_url_for("scheduler"))
    factory = make_sessionmaker(engine)
    lock = LeaderLock(engine)
    try:
        while not stop.is_set():
            if wait_to_lead(lock, stop, poll, Backoff(1.0, max_backoff)):
                lead(lock, factory, SystemClock(), stop, poll, settings)
        return 0
    finally:
        lock.release()
        engine.dispose()


def wait_to_lead(
    lock: LeaderLock, stop: threading.Event, poll: float, backoff: Backoff
) -> bool:
    """Block until we hold the lock (True) or ``stop`` is set (False)."""
    while not stop.is_set():
        if lock.try_acquire():
            return True
        if lock.error:
            delay = backoff.next()
            log.warning(
                "database unreachable (%s); retrying in %.0fs", lock.error, delay
            )
        else:
            backoff.reset()
            delay = poll
            log.info("another scheduler is the leader; waiting")
        stop.wait(delay)
    return False


def lead(
    lock: LeaderLock,
    factory: sessionmaker[Session],
    clock: Clock,
    stop: threading.Event,
    poll: float,
    settings: Settings,
) -> None:
    """Run the jobs until ``stop`` is set or the lock is lost."""
    log.info("leader: running %d job(s)", len(JOBS))
    scheduler = BackgroundScheduler(timezone="UTC")
    for job in JOBS:
        scheduler.add_job(
            run_job,
            "interval",
            seconds=job.seconds,
            args=(job, factory, clock, settings),
            id=job.name,
            max_instances=1,
            coalesce=True,
            next_run_time=clock.now(),
        )
    scheduler.start()
    try:
        while not stop.wait(poll):
            if not lock.alive():
                log.warning(
                    "lost the leader lock (database connection gone); jobs paused, "
                    "waiting to lead again"
                )
                return
    finally:
        scheduler.shutdown(wait=True)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sys.exit(run(Settings.from_env(), stop))


if __name__ == "__main__":
    main()
