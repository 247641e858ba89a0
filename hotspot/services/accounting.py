"""Accounting the spool reader could not store: what the operator looks at."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..models import AccountingDeadLetter


def dead_letters_query() -> Select[Any]:
    """Every dead-lettered accounting record, the newest first."""
    return select(AccountingDeadLetter).order_by(AccountingDeadLetter.id.desc())


def dead_letter_dict(r: AccountingDeadLetter) -> dict[str, Any]:
    return {
        "id": r.id,
        "created_at": r.created_at.isoformat(),
        "router_id": r.router_id,
        "router": r.router,
        "reason": r.reason,
        "fields": r.fields,
    }


def list_dead_letters(session: Session, limit: int = 100) -> list[dict[str, Any]]:
    """The newest dead-lettered accounting records first, as plain dicts."""
    rows = session.scalars(dead_letters_query().limit(limit))
    return [dead_letter_dict(r) for r in rows]


@dataclass(frozen=True)
class DeadLetters:
    """How many records are dead-lettered, and the newest one's time and reason."""

    count: int
    newest_at: dt.datetime | None = None
    newest_reason: str = ""


def dead_letter_summary(session: Session) -> DeadLetters:
    count = int(session.scalar(select(func.count(AccountingDeadLetter.id))) or 0)
    newest = session.scalar(dead_letters_query().limit(1))
    if newest is None:
        return DeadLetters(count)
    return DeadLetters(count, newest.created_at, newest.reason)
