"""The audit log: every change an account (or the CLI) makes, and every search of
the flow log, is a row, readable by the owner for their venues (never the flow log's
searches: they concern no venue) and by the operator for all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..clock import utcnow
from ..errors import InvalidInput
from ..models import AuditEntry


def record(
    session: Session,
    actor: str,
    action: str,
    detail: dict[str, Any] | None,
    reason: str | None = None,
    address: str | None = None,
    *,
    owner_id: int | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Write one audit row in the caller's transaction (it stands or falls with the
    change it describes). ``owner_id``: whose venues it concerns, if any."""
    entry = AuditEntry(
        at=at or utcnow(),
        actor=actor[:254],
        action=action[:64],
        detail=dict(detail or {}),
        reason=reason,
        address=address[:64] if address else None,
        owner_id=owner_id,
    )
    session.add(entry)
    session.flush()
    return entry


def record_search(
    session: Session,
    actor: str,
    action: str,
    detail: dict[str, Any],
    reason: str,
    address: str | None = None,
) -> AuditEntry:
    """An audited look at personal data (the flow log): a reason is required, such
    as an authority's request number."""
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required (--reason)", "reason_required")
    return record(session, actor, action, detail, reason.strip(), address)


def audit_query(owner_id: int | None) -> Select[Any]:
    """An owner's audit rows, newest first (None: every row, for the operator)."""
    query: Select[Any] = select(AuditEntry).order_by(
        AuditEntry.at.desc(), AuditEntry.id.desc()
    )
    if owner_id is not None:
        query = query.where(AuditEntry.owner_id == owner_id)
    return query


def count_rows(session: Session, query: Select[Any]) -> int:
    """How many rows ``query`` gives (for a pager)."""
    return int(
        session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery())
        )
        or 0
    )
