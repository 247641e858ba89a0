"""Guest identification (the Uzbek rule): by phone + SMS code or by documents, good
for at most 24 hours; phone blacklists; documents the venue imports."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, CreatedAt

#: Opaque RADIUS user names of identifications: "i-" and 24 hex digits (96 random
#: bits). Cards' codes are upper case, so the two never meet.
LOGIN_PREFIX = "i-"


def new_login() -> str:
    """A fresh login name: not derived from the phone, not guessable."""
    return LOGIN_PREFIX + secrets.token_hex(12)


class Identification(CreatedAt, Base):
    """Who a device (MAC) at an owner's venue is, until ``expires_at`` (<= 24 h)."""

    __tablename__ = "identifications"
    __table_args__ = (
        Index("ix_identifications_owner_mac", "owner_id", "mac", "expires_at"),
        Index("ix_identifications_owner_subject", "owner_id", "subject"),
        Index("ix_identifications_owner_created", "owner_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"))
    router_id: Mapped[int | None] = mapped_column(
        ForeignKey("routers.id", ondelete="SET NULL")
    )
    #: sms, hotel, ticket
    method: Mapped[str] = mapped_column(String(16))
    #: Who: the phone in E.164 without '+', or a document (``hotel-<id>``...).
    subject: Mapped[str] = mapped_column(String(64))
    #: The RADIUS user name the router is given (:func:`new_login`): the form the
    #: guest's browser posts to the router never carries the phone, and RADIUS
    #: maps the name back to this row (hotspot_auth_state). Unique.
    login: Mapped[str] = mapped_column(String(32), unique=True, default=new_login)
    #: What proves it: the phone, or "room 12 / SURNAME", "ticket HY123 / SURNAME".
    reference: Mapped[str] = mapped_column(String(200))
    mac: Mapped[str] = mapped_column(String(17))
    expires_at: Mapped[dt.datetime]


class OtpChallenge(CreatedAt, Base):
    """A one-time SMS code sent to a phone; only its hash is stored."""

    __tablename__ = "otp_challenges"
    __table_args__ = (
        Index("ix_otp_challenges_phone", "phone", "created_at"),
        Index("ix_otp_challenges_mac", "mac", "created_at"),
        Index("ix_otp_challenges_router", "router_id", "created_at"),
        Index("ix_otp_challenges_client_ip", "client_ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"))
    router_id: Mapped[int] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(20))
    mac: Mapped[str] = mapped_column(String(17))
    #: Address the portal saw the request from (all guests of a venue may share it).
    client_ip: Mapped[str | None] = mapped_column(INET)
    code_hash: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    verified_at: Mapped[dt.datetime | None]
    sms_id: Mapped[int | None] = mapped_column(
        ForeignKey("sms_messages.id", ondelete="SET NULL")
    )


class PhoneBlacklist(CreatedAt, Base):
    """A phone refused SMS and access: by one owner, or everywhere (owner_id NULL)."""

    __tablename__ = "phone_blacklist"
    __table_args__ = (UniqueConstraint("owner_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("owners.id", ondelete="CASCADE")
    )
    phone: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Registration(CreatedAt, Base):
    """A document a venue imported: a hotel registration (room + surname) or a
    travel ticket (number + surname), valid over a period."""

    __tablename__ = "registrations"
    __table_args__ = (
        Index("ix_registrations_lookup", "owner_id", "kind", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"))
    #: hotel or ticket
    kind: Mapped[str] = mapped_column(String(16))
    #: Room number or ticket number, normalised (upper case, no spaces).
    reference: Mapped[str] = mapped_column(String(40))
    #: Upper case, for matching.
    surname: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime]


class DocumentAttempt(Base):
    """A document login that matched no registration: limits guessing per router,
    per portal client address and per reference (room or ticket number)."""

    __tablename__ = "document_attempts"
    __table_args__ = (
        Index("ix_document_attempts_router_id", "router_id", "created_at"),
        Index("ix_document_attempts_client_ip", "client_ip", "created_at"),
        Index("ix_document_attempts_reference", "reference", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    router_id: Mapped[int] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"))
    client_ip: Mapped[str | None] = mapped_column(INET)
    mac: Mapped[str] = mapped_column(String(17))
    #: ``<owner id>:<kind>:<reference>``: the same room at another venue is another.
    reference: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime]
