"""SMS delivery history: every SMS is a row before it is sent."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedAt


class SmsStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    REJECTED = "rejected"


class SmsMessage(CreatedAt, Base):
    __tablename__ = "sms_messages"
    __table_args__ = (
        Index("ix_sms_messages_owner_created", "owner_id", "created_at"),
        Index("ix_sms_messages_router_created", "router_id", "created_at"),
        Index("ix_sms_messages_provider_msg", "provider", "provider_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"))
    router_id: Mapped[int | None] = mapped_column(
        ForeignKey("routers.id", ondelete="SET NULL")
    )
    #: E.164 without '+'. Logs show it masked (hotspot.phones.mask).
    phone: Mapped[str] = mapped_column(String(20))
    #: Template name, e.g. "otp"; the text itself (with a code) is never stored.
    template: Mapped[str] = mapped_column(String(32))
    #: Our idempotent message id, sent to providers that take one.
    client_ref: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default=SmsStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    #: Raw delivery report, as received.
    report: Mapped[str | None] = mapped_column(Text)
