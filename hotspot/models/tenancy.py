"""Tenancy: the operator hosts owners (venue companies), each with routers (NAS)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.dialects.postgresql import ARRAY, CIDR, INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, CreatedAt


class Owner(CreatedAt, Base):
    """A venue company (cafe, hotel, station) that connects its routers."""

    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    #: Per-owner guest policy overrides (hotspot.venues.OwnerPolicy fields).
    policy: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    #: Limits for phone/document logins (rate, data...), None: defaults.
    guest_tariff_id: Mapped[int | None] = mapped_column(
        ForeignKey("tariffs.id", ondelete="SET NULL", use_alter=True)
    )

    routers: Mapped[list[Router]] = relationship(back_populates="owner")


class Router(CreatedAt, Base):
    """A MikroTik router: a RADIUS client (NAS) belonging to one owner."""

    __tablename__ = "routers"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"))
    nas_identifier: Mapped[str] = mapped_column(String(64), unique=True)
    ip_address: Mapped[str] = mapped_column(INET, unique=True)
    #: Stored in clear: FreeRADIUS needs it to sign replies (like its own nas table).
    radius_secret: Mapped[str] = mapped_column(String(128))
    #: RouterOS >= 7.15 requires Message-Authenticator (Blast-RADIUS).
    require_message_authenticator: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    #: The last wrong PIN at this router (kept by a trigger): hotspot_auth_state
    #: counts the lock-outs only when it is recent.
    last_auth_failure_at: Mapped[dt.datetime | None]
    #: The router's last Access-Request, noted by hotspot_auth_state at most once
    #: a minute (its status: accounting alone says nothing of logins).
    last_request_at: Mapped[dt.datetime | None]
    #: Public addresses (or networks) the router's guests reach the portal from, when
    #: they are not its RADIUS address (the portal trusts the router's login page
    #: only from an address the router is known by).
    portal_addresses: Mapped[list[str]] = mapped_column(
        ARRAY(CIDR), default=list, server_default="{}"
    )
    #: Hosts ``link-login-only`` may point at (the router's own hotspot); empty:
    #: MikroTik's default hotspot address (hotspot.routers.login.DEFAULT_HOTSPOT_HOSTS).
    hotspot_hosts: Mapped[list[str]] = mapped_column(
        ARRAY(String(255)), default=list, server_default="{}"
    )
    #: MikroTik IP Cloud name (``<serial>.sn.mynetname.net``): a router with a
    #: dynamic public address is also known by what this name resolves to.
    cloud_name: Mapped[str | None] = mapped_column(String(255))
    #: A request from no address the router is known by is believed when the
    #: router's own RouterOS API lists its MAC (and IP) as a hotspot host
    #: (hotspot.services.trust.HotspotHosts).
    api_vouches: Mapped[bool] = mapped_column(default=False, server_default="false")
    #: Incoming RADIUS (Disconnect/CoA, RFC 5176): ``/radius incoming`` port, and
    #: whether the router accepts them (off: the RouterOS API is used instead).
    coa_port: Mapped[int] = mapped_column(default=3799, server_default="3799")
    coa_enabled: Mapped[bool] = mapped_column(default=True, server_default="true")
    #: RouterOS API (8728), None: not configured. The password is stored in clear:
    #: logging in needs it.
    api_port: Mapped[int | None]
    api_username: Mapped[str | None] = mapped_column(String(64))
    api_password: Mapped[str | None] = mapped_column(String(128))
    #: The hotspot's total bandwidth (the parent queue's max-limit, ``rx/tx``).
    bandwidth: Mapped[str | None] = mapped_column(String(64))
    #: The guests' network (the parent queue's target), e.g. 10.5.50.0/24.
    hotspot_network: Mapped[str | None] = mapped_column(CIDR)

    owner: Mapped[Owner] = relationship(back_populates="routers")


class ApiToken(CreatedAt, Base):
    """An owner's API key for /api/v1. Only its SHA-256 is stored (the token is
    random, 256 bits: a slow hash adds nothing)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("owners.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
