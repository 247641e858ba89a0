"""``python -m scheduler``: run the jobs while holding the leader lock."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from apscheduler.schedulers.background import BackgroundScheduler

from hotspot.clock import SystemClock
from hotspot.db import make_engine, make_sessionmaker
from hotspot.settings import Settings

from .jobs import JOBS, run_job
from .leader import LeaderLock

log = logging.getLogger("scheduler")


def run(settings: Settings, stop: threading.Event, poll: float = 5.0) -> int:
    engine = make_engine(settings.database_url)
    factory = make_sessionmaker(engine)
    clock = SystemClock()
    lock = LeaderLock(engine)
    while not stop.is_set() and not lock.try_acquire():
        log.info("another scheduler is the leader; waiting")
        stop.wait(poll)
    if stop.is_set():
        return 0
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
                log.error("lost the leader lock (database gone); stopping")
                return 1
        return 0
    finally:
        scheduler.shutdown(wait=True)
        lock.release()
        engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sys.exit(run(Settings.from_env(), stop))


if __name__ == "__main__":
    main()
