"""Retention: rows past their keeping period leave, in bounded batches.

Each kind of record has a period (an operator setting, ``HOTSPOT_RETENTION_*_DAYS``;
0 keeps it for ever). RADIUS sessions and identifications are legal records (who
was online, identified how): one year by default — the Uzbek period is not
verified; the Russian analogue keeps such logs for 6 months. Only closed sessions
are ever purged.

Deleting never blocks RADIUS: each batch is its own short transaction that takes
only rows nobody holds (``FOR UPDATE SKIP LOCKED``: hotspot_accounting locks the
session row it updates) under a lock timeout, and a run stops after a bounded number
of batches, to go on at the next run. Every purge that deleted anything is logged
and recorded in ``purge_log``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from ..db import affected
from ..models import PurgeLog
from ..settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retention:
    """One kind of record: its table, the time that ages it, its period setting."""

    table: str
    column: str
    setting: str
    #: Extra condition: what may never be purged (open sessions).
    where: str = "TRUE"
    legal: bool = False


RETENTIONS: tuple[Retention, ...] = (
    Retention("otp_challenges", "created_at", "retention_otp_days"),
    Retention("auth_failures", "created_at", "retention_auth_failure_days"),
    Retention("sms_messages", "created_at", "retention_sms_days"),
    Retention(
        "identifications", "expires_at", "retention_identification_days", legal=True
    ),
    Retention(
        "radius_sessions",
        "stopped_at",
        "retention_session_days",
        where="stopped_at IS NOT NULL",
        legal=True,
    ),
)


def _delete_batch(
    session: Session, r: Retention, cutoff: dt.datetime, size: int
) -> int:
    # Table and column names come from RETENTIONS above, never from input.
    statement = text(
        f"DELETE FROM {r.table} WHERE id IN ("  # noqa: S608
        f" SELECT id FROM {r.table} WHERE {r.column} < :cutoff AND {r.where}"
        f" ORDER BY {r.column} LIMIT :size FOR UPDATE SKIP LOCKED)"
    )
    session.execute(text("SET LOCAL lock_timeout = '2s'"))
    session.execute(text("SET LOCAL statement_timeout = '30s'"))
    return affected(session.execute(statement, {"cutoff": cutoff, "size": size}))


def purge_expired(
    factory: sessionmaker[Session],
    now: dt.datetime,
    settings: Settings,
    batch_size: int = 5000,
    max_batches: int = 20,
) -> dict[str, int]:
    """Delete what is past its period; returns rows deleted per table."""
    deleted: dict[str, int] = {}
    for r in RETENTIONS:
        days = int(getattr(settings, r.setting))
        if days <= 0:
            continue  # kept for ever
        cutoff = now - dt.timedelta(days=days)
        total = 0
        for _ in range(max_batches):
            with factory() as session, session.begin():
                count = _delete_batch(session, r, cutoff, batch_size)
            total += count
            if count < batch_size:
                break
        if total:
            with factory() as session, session.begin():
                session.add(
                    PurgeLog(
                        table_name=r.table, cutoff=cutoff, deleted=total, purged_at=now
                    )
                )
            log.info(
                "retention: deleted %d %s older than %s (%d days%s)",
                total,
                r.table,
                cutoff.isoformat(timespec="seconds"),
                days,
                ", a legal record" if r.legal else "",
            )
        deleted[r.table] = total
    return deleted
