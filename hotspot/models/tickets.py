"""One-time login tickets: issued by the portal after it has verified a guest."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedAt


class LoginTicket(CreatedAt, Base):
    """Valid for minutes, bound to a device MAC and a router, used once. Its password
    is derived from ``nonce`` with the secret key, so nothing secret is stored."""

    __tablename__ = "login_tickets"
    __table_args__ = (
        Index("ix_login_tickets_lookup", "router_id", "username", "mac"),
        # The ad delay: a device's newest ticket at a router (migration 0019).
        Index("ix_login_tickets_router_mac", "router_id", "mac", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    router_id: Mapped[int] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(17))
    nonce: Mapped[str] = mapped_column(String(64))
    #: How the guest was verified: voucher, sms, document, guest...
    method: Mapped[str] = mapped_column(String(16))
    voucher_id: Mapped[int | None] = mapped_column(
        ForeignKey("vouchers.id", ondelete="CASCADE")
    )
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
