"""Vouchers / prepaid cards: a card number and a secret PIN with a snapshot of limits."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, CreatedAt
from .tariffs import Tariff


class VoucherStatus(enum.StrEnum):
    NEW = "new"
    ACTIVE = "active"
    EXHAUSTED = "exhausted"
    EXPIRED = "expired"
    REVOKED = "revoked"


class Voucher(CreatedAt, Base):
    __tablename__ = "vouchers"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("owners.id", ondelete="CASCADE"), index=True
    )
    tariff_id: Mapped[int | None] = mapped_column(
        ForeignKey("tariffs.id", ondelete="RESTRICT")
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
    #: Absolute end of validity (set on first use, or at creation for unsold cards).
    expires_at: Mapped[dt.datetime | None]
    activated_at: Mapped[dt.datetime | None]
    used_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    used_bytes: Mapped[int] = mapped_column(BigInteger, default=0)

    tariff: Mapped[Tariff | None] = relationship()
