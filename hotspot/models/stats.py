"""Rollups of the RADIUS sessions for the cabinet's charts, kept by the scheduler
(hotspot.services.stats.refresh_rollups) so a page view never scans sessions.

Derived data, without foreign keys: checking two of them on every row made the
first rollup of a big installation several times slower (bench/cabinet.py), and a
deleted router's history may stay in its owner's statistics."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class SessionRollup(Base):
    """Sessions started on one router in one UTC hour, with their totals (a
    session's traffic and time count in the hour it started)."""

    __tablename__ = "session_rollups"
    __table_args__ = (Index("ix_session_rollups_owner_hour", "owner_id", "hour"),)

    router_id: Mapped[int] = mapped_column(primary_key=True)
    hour: Mapped[dt.datetime] = mapped_column(primary_key=True)
    owner_id: Mapped[int]
    sessions: Mapped[int] = mapped_column(BigInteger)
    #: Distinct user names (phones, cards) in the hour.
    guests: Mapped[int] = mapped_column(BigInteger)
    input_octets: Mapped[int] = mapped_column(BigInteger)
    output_octets: Mapped[int] = mapped_column(BigInteger)
    session_time: Mapped[int] = mapped_column(BigInteger)


class GuestDay(Base):
    """A user name seen on a router on a day (the owner's local date): unique guests
    by day, week, month or year are counted from these."""

    __tablename__ = "guest_days"
    __table_args__ = (Index("ix_guest_days_owner_day", "owner_id", "day"),)

    router_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[int]


class GuestDayCount(Base):
    """Unique guests of an owner on a local day, per router and (``router_id`` 0)
    at all its routers: "by day" charts read these instead of counting names."""

    __tablename__ = "guest_day_counts"

    owner_id: Mapped[int] = mapped_column(primary_key=True)
    router_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    guests: Mapped[int] = mapped_column(BigInteger)
