"""Accounting sessions, as reported by routers (Start / Interim-Update / Stop)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


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
