"""People who log in to the web: the operator (admin) and each owner's staff
(cabinet) — owner, manager, cashier — and their login attempts."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedAt


class Role(enum.StrEnum):
    OPERATOR = "operator"
    OWNER = "owner"
    MANAGER = "manager"
    CASHIER = "cashier"


class Account(CreatedAt, Base):
    """A login. The operator has no owner; every other role belongs to one owner."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(
            "role IN ('operator', 'owner', 'manager', 'cashier')", name="role"
        ),
        CheckConstraint("(role = 'operator') = (owner_id IS NULL)", name="owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("owners.id", ondelete="CASCADE"), index=True
    )
    #: Lower case; unique across the installation.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    #: argon2id (argon2-cffi's encoded form, parameters included).
    password_hash: Mapped[str] = mapped_column(String(200))
    #: Base32 TOTP secret; the second factor is on once ``totp_enabled``.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    #: The last TOTP time step accepted (a code is good once).
    totp_last_step: Mapped[int | None]
    #: Raised on a password change: every web session made before ends.
    session_epoch: Mapped[int] = mapped_column(default=0)
    last_login_at: Mapped[dt.datetime | None]
    disabled_at: Mapped[dt.datetime | None]


class LoginAttempt(Base):
    """One try at the login form, kept a day to rate-limit per account and address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(default=False)
