"""What the retention job deleted: a durable record of every purge."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class PurgeLog(Base):
    """Rows of ``table_name`` older than ``cutoff`` were deleted (``deleted``)."""

    __tablename__ = "purge_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64))
    cutoff: Mapped[dt.datetime]
    deleted: Mapped[int] = mapped_column(BigInteger)
    purged_at: Mapped[dt.datetime]
