"""Owners and their routers."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AlreadyExists, InvalidInput, NotFound
from ..models import ApiToken, Owner, Router

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

#: The shortest RADIUS shared secret accepted: the secret is all that protects the
#: PAP password and the reply authenticators, and short ones fall to offline guessing.
MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 128


def add_owner(session: Session, name: str, display_name: str = "") -> Owner:
    """Register a venue company."""
    if not _NAME_RE.match(name):
        raise InvalidInput("owner name: letters, digits, '.', '_' or '-', up to 64")
    if session.scalar(select(Owner.id).where(Owner.name == name)):
        raise AlreadyExists(f"owner {name!r} exists")
    owner = Owner(name=name, display_name=display_name or name)
    session.add(owner)
    session.flush()
    return owner


def get_owner(session: Session, name: str) -> Owner:
    owner = session.scalar(select(Owner).where(Owner.name == name))
    if owner is None:
        raise NotFound(f"no owner {name!r}")
    return owner


def add_router(
    session: Session,
    owner: Owner,
    nas_identifier: str,
    ip_address: str,
    secret: str,
    require_message_authenticator: bool = False,
    title: str = "",
) -> Router:
    """Register a router as a RADIUS client; FreeRADIUS picks it up at once."""
    if not _NAME_RE.match(nas_identifier):
        raise InvalidInput("NAS identifier: letters, digits, '.', '_' or '-'")
    try:
        ip = str(ipaddress.ip_address(ip_address))
    except ValueError as exc:
        raise InvalidInput(f"not an IP address: {ip_address!r}") from exc
    check_router_secret(secret)
    if session.scalar(select(Router.id).where(Router.nas_identifier == nas_identifier)):
        raise AlreadyExists(f"router {nas_identifier!r} exists")
    if session.scalar(select(Router.id).where(Router.ip_address == ip)):
        raise AlreadyExists(f"a router with address {ip} exists")
    router = Router(
        owner=owner,
        nas_identifier=nas_identifier,
        ip_address=ip,
        radius_secret=secret,
        require_message_authenticator=require_message_authenticator,
        title=title or nas_identifier,
    )
    session.add(router)
    session.flush()
    return router


def generate_router_secret() -> str:
    """A fresh random RADIUS secret (32 URL-safe characters) to put on the router."""
    return secrets.token_urlsafe(24)


def check_router_secret(secret: str) -> None:
    """Raise :class:`InvalidInput` unless ``secret`` is fit to be a RADIUS secret."""
    if len(secret) < MIN_SECRET_LENGTH:
        raise InvalidInput(
            f"RADIUS secret too short ({len(secret)} characters): use at least "
            f"{MIN_SECRET_LENGTH}, e.g. a generated one"
        )
    if len(secret) > MAX_SECRET_LENGTH or not secret.isprintable() or " " in secret:
        raise InvalidInput(
            f"RADIUS secret: {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} printable "
            "characters, no spaces"
        )


def get_router(session: Session, nas_identifier: str) -> Router:
    router = session.scalar(
        select(Router).where(Router.nas_identifier == nas_identifier)
    )
    if router is None:
        raise NotFound(f"no router {nas_identifier!r}")
    return router


def create_api_token(
    session: Session, owner: Owner, name: str, now: dt.datetime
) -> tuple[ApiToken, str]:
    """A new API token for ``owner``; the clear token is returned once, never stored."""
    if not name or len(name) > 64:
        raise InvalidInput("token name: 1 to 64 characters")
    token = "hs_" + secrets.token_urlsafe(32)
    row = ApiToken(
        owner_id=owner.id, name=name, token_hash=_token_hash(token), created_at=now
    )
    session.add(row)
    session.flush()
    return row, token


def owner_for_token(session: Session, token: str, now: dt.datetime) -> Owner | None:
    """The owner an API token belongs to, or None (unknown or revoked)."""
    if not token.startswith("hs_") or len(token) > 100:
        return None
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None:
        return None
    row.last_used_at = now
    return session.get(Owner, row.owner_id)


def revoke_api_token(
    session: Session, owner: Owner, name: str, now: dt.datetime
) -> int:
    rows = session.scalars(
        select(ApiToken).where(
            ApiToken.owner_id == owner.id,
            ApiToken.name == name,
            ApiToken.revoked_at.is_(None),
        )
    ).all()
    for row in rows:
        row.revoked_at = now
    session.flush()
    return len(rows)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
