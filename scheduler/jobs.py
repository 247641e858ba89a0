"""The job registry. A job gets a :class:`JobContext` — a session factory, the time
and the settings — so it chooses its transactions: most run in one
(:func:`in_one_transaction`), while a job that deletes in batches or talks to
routers over the network keeps each transaction short and does its I/O outside."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hotspot.clock import Clock
from hotspot.db import database_unreachable, describe_db_error, transaction
from hotspot.routers.outbox import send_due
from hotspot.routers.queues import sync_all
from hotspot.services.access import purge_login_tickets
from hotspot.services.accounts import purge_login_attempts
from hotspot.services.flows import drop_expired_partitions, ensure_partitions
from hotspot.services.guest import purge_guest_vouchers, reset_guest_usage
from hotspot.services.identification import purge_document_attempts
from hotspot.services.retention import purge_expired
from hotspot.services.sessions import close_stale_sessions, cut_sessions
from hotspot.services.stats import refresh_rollups
from hotspot.services.vouchers import mark_expired_vouchers
from hotspot.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    factory: sessionmaker[Session]
    now: dt.datetime
    settings: Settings


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[JobContext], Any]
    seconds: int


def in_one_transaction(
    func: Callable[[Session, dt.datetime], Any],
) -> Callable[[JobContext], Any]:
    """A core function ``(session, now)`` run as a job in one transaction."""

    def job(ctx: JobContext) -> Any:
        with transaction(ctx.factory) as session:
            return func(session, ctx.now)

    job.__name__ = func.__name__
    return job


def purge_expired_records(ctx: JobContext) -> dict[str, int]:
    return purge_expired(ctx.factory, ctx.now, ctx.settings)


def flow_partitions(ctx: JobContext) -> dict[str, object]:
    """Day partitions of the flow log made ahead; those past retention dropped."""
    with transaction(ctx.factory) as session:
        created = ensure_partitions(session, ctx.now, ctx.settings.flow_days_ahead)
    with transaction(ctx.factory) as session:
        dropped = drop_expired_partitions(
            session, ctx.now, ctx.settings.retention_flow_days
        )
    return {"created": created, "dropped": dropped}


def send_router_actions(ctx: JobContext) -> dict[str, int]:
    """Disconnects and CoAs of the outbox; the network I/O runs outside any
    transaction (hotspot.routers.outbox)."""
    return send_due(ctx.factory, ctx.now).as_dict()


def cut_ended_sessions(ctx: JobContext) -> dict[str, int]:
    """Disconnects for sessions that may no longer be online (identification over,
    card used up, too many devices); the send job delivers them."""
    with transaction(ctx.factory) as session:
        return cut_sessions(session, ctx.now, ctx.settings.acct_interim_interval)


def close_stale(ctx: JobContext) -> int:
    """Sessions silent for 3 interim intervals are closed (Lost-Carrier)."""
    with transaction(ctx.factory) as session:
        return close_stale_sessions(
            session, ctx.now, ctx.settings.acct_interim_interval
        )


def sync_router_queues(ctx: JobContext) -> dict[str, int]:
    """Simple queues through the RouterOS API (hotspot.routers.queues)."""
    return sync_all(ctx.factory)


JOBS: tuple[Job, ...] = (
    Job("sync-queues", sync_router_queues, seconds=300),
    Job("cut-sessions", cut_ended_sessions, seconds=15),
    Job("close-stale-sessions", close_stale, seconds=60),
    Job("send-router-actions", send_router_actions, seconds=5),
    Job("purge-login-tickets", in_one_transaction(purge_login_tickets), seconds=60),
    Job(
        "mark-expired-vouchers", in_one_transaction(mark_expired_vouchers), seconds=300
    ),
    Job("purge-expired-records", purge_expired_records, seconds=3600),
    Job(
        "purge-document-attempts",
        in_one_transaction(purge_document_attempts),
        seconds=600,
    ),
    Job("flow-partitions", flow_partitions, seconds=3600),
    # Guests get their allowance back within a minute of their period's end.
    Job("reset-guest-usage", in_one_transaction(reset_guest_usage), seconds=60),
    Job("purge-guest-vouchers", in_one_transaction(purge_guest_vouchers), seconds=3600),
    Job("refresh-session-rollups", in_one_transaction(refresh_rollups), seconds=300),
    Job("purge-login-attempts", in_one_transaction(purge_login_attempts), seconds=3600),
)


def run_job(
    job: Job,
    factory: sessionmaker[Session],
    clock: Clock,
    settings: Settings | None = None,
) -> Any:
    """Run one job; errors are logged, never raised into the scheduler."""
    try:
        result = job.func(JobContext(factory, clock.now(), settings or Settings()))
        log.info("job %s done: %s", job.name, result)
        return result
    except Exception as exc:
        if database_unreachable(exc):
            log.warning("job %s skipped: %s", job.name, describe_db_error(exc))
            return None
        log.exception("job %s failed", job.name)
        return None
