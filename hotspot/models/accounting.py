"""Accounting sessions, as reported by routers (Start / Interim-Update / Stop)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedAt


class RadiusSession(Base):
    """One access session on one router. Counters are the router's own totals, so
    replays and out-of-order updates are harmless (the largest total wins)."""

    __tablename__ = "radius_sessions"
    __table_args__ = (
        UniqueConstraint("router_id", "acct_session_id", "username"),
        Index("ix_radius_sessions_voucher_open", "voucher_id", "stopped_at"),
        Index("ix_radius_sessions_username", "username"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    router_id: Mapped[int] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"))
    acct_session_id: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(17))
    framed_ip: Mapped[str | None] = mapped_column(INET)
    voucher_id: Mapped[int | None] = mapped_column(
        ForeignKey("vouchers.id", ondelete="SET NULL")
    )
    started_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    stopped_at: Mapped[dt.datetime | None]
    session_time: Mapped[int] = mapped_column(BigInteger, default=0)
    input_octets: Mapped[int] = mapped_column(BigInteger, default=0)
    output_octets: Mapped[int] = mapped_column(BigInteger, default=0)
    terminate_cause: Mapped[str | None] = mapped_column(String(32))


class AccountingDeadLetter(CreatedAt, Base):
    """An accounting record the spool reader could not store, kept for the operator
    instead of holding up the records after it (migrations/sql/0008_functions.sql).
    ``fields`` are the texts FreeRADIUS passed; ``reason`` the database's error."""

    __tablename__ = "accounting_dead_letters"
    __table_args__ = (Index("ix_accounting_dead_letters_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    router_id: Mapped[int | None] = mapped_column(
        ForeignKey("routers.id", ondelete="SET NULL")
    )
    router: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSONB)
    reason: Mapped[str] = mapped_column(Text)
