"""Router actions: the outbox of what routers must do (Disconnect, CoA), and the
keep-alive pings of guests' status pages."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ActionKind(enum.StrEnum):
    #: Disconnect-Request (or the API's ``/ip/hotspot/active/remove``).
    DISCONNECT = "disconnect"
    #: CoA-Request with a new Mikrotik-Rate-Limit.
    COA = "coa"


class ActionState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    #: Given up after the last attempt.
    FAILED = "failed"


class RouterAction(Base):
    """One thing a router must do to one session, written in the transaction of the
    change that needs it and sent by the scheduler (hotspot.routers.outbox)."""

    __tablename__ = "router_actions"
    __table_args__ = (
        Index(
            "uq_router_actions_pending",
            "router_id",
            "kind",
            "acct_session_id",
            "username",
            unique=True,
            postgresql_where=text("state = 'pending'"),
        ),
        Index(
            "ix_router_actions_due",
            "next_attempt_at",
            postgresql_where=text("state = 'pending'"),
        ),
        Index("ix_router_actions_router", "router_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    router_id: Mapped[int] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    radius_session_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("radius_sessions.id", ondelete="SET NULL")
    )
    # How the router finds the session: all three (docs/mikrotik.md).
    username: Mapped[str] = mapped_column(String(64))
    acct_session_id: Mapped[str] = mapped_column(String(64))
    framed_ip: Mapped[str | None] = mapped_column(INET)
    mac: Mapped[str | None] = mapped_column(String(17))
    #: CoA: the new Mikrotik-Rate-Limit.
    rate_limit: Mapped[str | None] = mapped_column(String(128))
    #: Why (hotspot.routers.outbox.REASONS).
    reason: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(
        String(16), default=ActionState.PENDING.value, server_default="pending"
    )
    #: ack, gone (the router no longer had the session), api, nak, timeout, error.
    result: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime]
    #: A sender working on it until then (a sender that died lets it go).
    claimed_until: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[dt.datetime]
    done_at: Mapped[dt.datetime | None]


class SessionKeepalive(Base):
    """The last ping of a session's status page (tariffs with ``keepalive``)."""

    __tablename__ = "session_keepalives"

    radius_session_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("radius_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    )
    seen_at: Mapped[dt.datetime]
