"""Tariffs: the limits a voucher or a guest login gets."""

from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedAt


class TariffKind(enum.StrEnum):
    #: Free of charge (guest access, promotions).
    FREE = "free"
    #: A fixed package sold at ``price``.
    PREPAID = "prepaid"
    #: Charged per MB and/or per minute against a card's balance (face value).
    METERED = "metered"


class GuestMode(enum.StrEnum):
    #: The tariff's time/data once per reset period ("half an hour once a day").
    REGULAR = "regular"
    #: Every login gets a session of the tariff's time, during the whole validity
    #: ("watch an ad every N minutes").
    NO_PAUSE = "no_pause"


class ValidityFrom(enum.StrEnum):
    FIRST_USE = "first_use"
    CREATION = "creation"


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
    #: How long a voucher stays usable, seconds, from first use or from creation.
    validity_seconds: Mapped[int | None]
    validity_from: Mapped[str] = mapped_column(
        String(16), default=ValidityFrom.FIRST_USE.value
    )
    kind: Mapped[str] = mapped_column(String(16), default=TariffKind.PREPAID.value)
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    #: Metered tariffs: charged against the card's balance.
    price_per_mb: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    price_per_minute: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    currency: Mapped[str] = mapped_column(String(3), default="UZS")
    #: Devices that may be online at once with one voucher.
    max_devices: Mapped[int] = mapped_column(default=1)
    #: Archived tariffs sell no new vouchers; sold ones keep their snapshot.
    archived: Mapped[bool] = mapped_column(default=False)
    #: A guest tariff: the portal's "Free" button gives personal guest vouchers of
    #: it (hotspot.services.guest); the scheduler resets and deletes them.
    guest: Mapped[bool] = mapped_column(default=False, server_default="false")
    #: GuestMode (guest tariffs only).
    guest_mode: Mapped[str | None] = mapped_column(String(16))
    #: Seconds after a guest's first login of a period until the allowance returns.
    reset_period: Mapped[int | None]
    #: The guest's status page must keep pinging the portal: a session silent for
    #: longer than ``keepalive_grace`` seconds is cut (a card left behind).
    keepalive: Mapped[bool] = mapped_column(default=False, server_default="false")
    keepalive_grace: Mapped[int | None]
