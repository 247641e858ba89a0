"""The audit log: every search of the flow log (and, later, every change an
account makes) is one row, written in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..models import AuditEntry


def record(
    session: Session,
    actor: str,
    action: str,
    detail: dict[str, Any],
    reason: str,
    address: str | None = None,
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Record ``action``; a reason is required (an authority's request number)."""
    if not reason.strip():
        raise InvalidInput("a reason is required (--reason)", "reason_required")
    entry = AuditEntry(
        at=now or dt.datetime.now(dt.UTC),
        actor=actor,
        action=action,
        detail=detail,
        reason=reason.strip(),
        address=address,
    )
    session.add(entry)
    session.flush()
    return entry
