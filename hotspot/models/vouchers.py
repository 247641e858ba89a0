"""Vouchers / prepaid cards: a card number and a secret PIN, with a snapshot of the
tariff's limits."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, CreatedAt
from .tariffs import Tariff


class VoucherStatus(enum.StrEnum):
    NEW = "new"
    ACTIVE = "active"
    EXHAUSTED = "exhausted"
    EXPIRED = "expired"
    REVOKED = "revoked"


class VoucherBatch(CreatedAt, Base):
    """One generation run: the unit operators print, sell and export."""

    __tablename__ = "voucher_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("owners.id", ondelete="CASCADE"), index=True
    )
    tariff_id: Mapped[int | None] = mapped_column(
        ForeignKey("tariffs.id", ondelete="RESTRICT")
    )
    count: Mapped[int]
    prefix: Mapped[str] = mapped_column(String(8), default="")
    #: Face value of each card (metered tariffs: the balance).
    face_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    note: Mapped[str] = mapped_column(String(200), default="")


class AuthFailure(Base):
    """A guess (hotspot.policy.GUESSES: a wrong PIN or an unknown card number, at
    RADIUS or on the portal): counted to lock out guessing."""

    __tablename__ = "auth_failures"
    __table_args__ = (
        Index("ix_auth_failures_username", "username", "created_at"),
        Index("ix_auth_failures_mac", "mac", "created_at"),
        Index("ix_auth_failures_router", "router_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    router_id: Mapped[int | None] = mapped_column(
        ForeignKey("routers.id", ondelete="CASCADE")
    )
    username: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(17), default="")
    created_at: Mapped[dt.datetime]
    #: Where it was made: hotspot.policy.SOURCE_RADIUS or SOURCE_PORTAL.
    source: Mapped[str] = mapped_column(String(8), server_default="radius")


class Voucher(CreatedAt, Base):
    __tablename__ = "vouchers"
    __table_args__ = (
        Index(
            "uq_vouchers_guest_identity",
            "tariff_id",
            "guest_identity",
            unique=True,
            postgresql_where=text("guest_identity IS NOT NULL"),
        ),
        Index(
            "ix_vouchers_guest_reset_at",
            "guest_reset_at",
            postgresql_where=text("guest_reset_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("owners.id", ondelete="CASCADE"), index=True
    )
    tariff_id: Mapped[int | None] = mapped_column(
        ForeignKey("tariffs.id", ondelete="RESTRICT")
    )
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("voucher_batches.id", ondelete="SET NULL"), index=True
    )
    #: The card number: unique across the installation, not sequential.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: Fernet token of the PIN (CHAP needs the clear PIN at RADIUS).
    pin_encrypted: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=VoucherStatus.NEW.value)
    # Snapshot of the tariff's limits at generation: changing a tariff does not
    # change vouchers already made.
    time_limit: Mapped[int | None]
    data_limit: Mapped[int | None] = mapped_column(BigInteger)
    rate_limit: Mapped[str | None] = mapped_column(String(128))
    idle_timeout: Mapped[int | None]
    validity_seconds: Mapped[int | None]
    max_devices: Mapped[int] = mapped_column(default=1)
    #: Metered cards: balance (face value) and prices, snapshot of the tariff.
    face_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    price_per_mb: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    price_per_minute: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    revoked_at: Mapped[dt.datetime | None]
    #: Absolute end of validity (set on first use, or at creation for unsold cards).
    expires_at: Mapped[dt.datetime | None]
    #: A card never used expires at this time (unsold stock); a card in use
    #: follows its validity instead.
    sell_by: Mapped[dt.datetime | None]
    activated_at: Mapped[dt.datetime | None]
    used_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    used_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Hints for hotspot_auth_state, kept by the database (migrations/sql/0006):
    #: the last wrong PIN for this card, the end of its newest portal ticket, and
    #: its last accounting. A lookup they rule out is skipped on the hot path.
    last_auth_failure_at: Mapped[dt.datetime | None]
    ticket_until: Mapped[dt.datetime | None]
    last_acct_at: Mapped[dt.datetime | None]

    #: A personal guest voucher: whom its allowance belongs to ("sms:998901234567",
    #: "hotel:hotel-12", "mac:AA:BB:..."); one per guest tariff and identity.
    guest_identity: Mapped[str | None] = mapped_column(String(120))
    #: When the guest's usage resets (the end of the period that began with the
    #: first login since the last reset); None: no period running.
    guest_reset_at: Mapped[dt.datetime | None]

    tariff: Mapped[Tariff | None] = relationship()
