"""Accounting the spool reader could not store: what the operator looks at."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AccountingDeadLetter


def list_dead_letters(session: Session, limit: int = 100) -> list[dict[str, Any]]:
    """The newest dead-lettered accounting records first, as plain dicts."""
    rows = session.scalars(
        select(AccountingDeadLetter)
        .order_by(AccountingDeadLetter.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": r.id,
            "created_at": r.created_at.isoformat(),
            "router_id": r.router_id,
            "router": r.router,
            "reason": r.reason,
            "fields": r.fields,
        }
        for r in rows
    ]
