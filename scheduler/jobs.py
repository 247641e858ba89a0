"""The job registry: each job is a core function run in its own transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hotspot.clock import Clock
from hotspot.db import database_unreachable, describe_db_error, transaction
from hotspot.services.access import purge_login_tickets
from hotspot.services.vouchers import mark_expired_vouchers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[Session, dt.datetime], Any]
    seconds: int


JOBS: tuple[Job, ...] = (
    Job("purge-login-tickets", purge_login_tickets, seconds=60),
    Job("mark-expired-vouchers", mark_expired_vouchers, seconds=300),
)


def run_job(job: Job, factory: sessionmaker[Session], clock: Clock) -> Any:
    """Run one job; errors are logged, never raised into the scheduler."""
    try:
        with transaction(factory) as session:
            result = job.func(session, clock.now())
        log.info("job %s done: %s", job.name, result)
        return result
    except Exception as exc:
        if database_unreachable(exc):
            log.warning("job %s skipped: %s", job.name, describe_db_error(exc))
            return None
        log.exception("job %s failed", job.name)
        return None
