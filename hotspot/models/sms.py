"""SMS delivery history: every SMS is a row before it is sent."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
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


class SmsPrice(CreatedAt, Base):
    """What one SMS through a gateway costs from ``valid_from`` on (set by the
    operator); a message costs the price in force when a gateway accepted it."""

    __tablename__ = "sms_prices"
    __table_args__ = (
        Index("ix_sms_prices_provider_from", "provider", "valid_from"),
        CheckConstraint("price >= 0", name="ck_sms_prices_price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The gateway's name (HOTSPOT_SMS_PROVIDERS), as SmsMessage.provider holds it.
    provider: Mapped[str] = mapped_column(String(32))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    valid_from: Mapped[dt.datetime]
    #: Who set it (the operator's e-mail).
    set_by: Mapped[str] = mapped_column(String(254), default="")
