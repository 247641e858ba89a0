"""Per-user speed overrides: an owner's Mikrotik-Rate-Limit for one phone or one
card, ahead of the card's own speed or the guest tariff's (hotspot_auth_state)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedAt


class SpeedOverride(CreatedAt, Base):
    __tablename__ = "speed_overrides"
    __table_args__ = (
        CheckConstraint(
            "(phone IS NULL) <> (voucher_id IS NULL)", name="ck_speed_overrides_one"
        ),
        UniqueConstraint("owner_id", "phone", name="uq_speed_overrides_phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"))
    #: The phone as identifications store it (the guest's subject).
    phone: Mapped[str | None] = mapped_column(String(32))
    voucher_id: Mapped[int | None] = mapped_column(
        ForeignKey("vouchers.id", ondelete="CASCADE"), unique=True
    )
    rate_limit: Mapped[str] = mapped_column(String(128))
