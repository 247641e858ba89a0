"""Tariffs: the limits a voucher or a guest login gets."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedAt


class Tariff(CreatedAt, Base):
    __tablename__ = "tariffs"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    #: Total connected time, seconds (None: unlimited).
    time_limit: Mapped[int | None]
    #: Total data (upload + download), bytes (None: unlimited).
    data_limit: Mapped[int | None] = mapped_column(BigInteger)
    #: Mikrotik-Rate-Limit string, e.g. "2M/2M".
    rate_limit: Mapped[str | None] = mapped_column(String(128))
    idle_timeout: Mapped[int | None]
    #: How long a voucher stays usable, seconds, counted from its first use.
    validity_seconds: Mapped[int | None]
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3), default="UZS")
    archived: Mapped[bool] = mapped_column(default=False)
