"""Declarative base shared by the core, the portal (Flask-SQLAlchemy) and Alembic."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    # One registry carrying both, so Flask-SQLAlchemy can subclass this base.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: DateTime(timezone=True)},
    )


class CreatedAt:
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
