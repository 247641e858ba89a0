"""The audit log: who changed what, when, from where."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AuditEntry(Base):
    """One change (or one audited look) made by an account, the CLI or a job."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_owner_at", "owner_id", "at"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    #: Who: an account's e-mail, ``cli`` or a job's name.
    actor: Mapped[str] = mapped_column(String(254))
    #: What, as a dotted name: ``blacklist.add``, ``voucher.revoke``...
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)
    #: The client address the change came from (None: CLI, jobs).
    address: Mapped[str | None] = mapped_column(String(64))
    #: Whose venues the change concerns (None: the installation's).
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("owners.id", ondelete="SET NULL")
    )
