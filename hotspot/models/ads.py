"""Advertising: an owner's banners shown before access, and what guests did with
them (insert-only events, aggregated by query: no counter row is locked per view);
the venue's logo, an image checked the same way."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedAt


class AdBanner(CreatedAt, Base):
    """An image (checked and re-encoded on upload), the advertiser's link, the dates
    it runs, its weight among the banners shown, and the routers it runs on."""

    __tablename__ = "ad_banners"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("owners.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    #: The re-encoded image, and its type (image/png, image/jpeg, image/webp, ...).
    image: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    #: Opened after login (the walled garden blocks it before).
    target_url: Mapped[str] = mapped_column(String(500))
    starts_at: Mapped[dt.datetime | None]
    ends_at: Mapped[dt.datetime | None]
    #: Chance of being picked, relative to the other banners running.
    weight: Mapped[int] = mapped_column(default=1)
    #: Routers (ids) it runs on; empty: every router of the owner.
    router_ids: Mapped[list[int]] = mapped_column(
        ARRAY(BigInteger), default=list, server_default="{}"
    )
    enabled: Mapped[bool] = mapped_column(default=True)


class AdEvent(Base):
    """One impression (``view``) or click of a banner, by a device known only by a
    keyed hash of its MAC (``device``): never the MAC itself."""

    __tablename__ = "ad_events"
    __table_args__ = (
        Index("ix_ad_events_banner_at", "banner_id", "at"),
        # The delay check: this device's newest view at this router.
        Index("ix_ad_events_device", "router_id", "device", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    banner_id: Mapped[int] = mapped_column(
        ForeignKey("ad_banners.id", ondelete="CASCADE")
    )
    router_id: Mapped[int | None] = mapped_column(
        ForeignKey("routers.id", ondelete="SET NULL")
    )
    #: view or click
    kind: Mapped[str] = mapped_column(String(8))
    device: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime]


class VenueLogo(Base):
    """An owner's logo on the portal (checked and re-encoded like a banner)."""

    __tablename__ = "venue_logos"

    owner_id: Mapped[int] = mapped_column(
        ForeignKey("owners.id", ondelete="CASCADE"), primary_key=True
    )
    image: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[dt.datetime]
