"""Owners and their routers."""

from __future__ import annotations

import ipaddress
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AlreadyExists, InvalidInput, NotFound
from ..models import Owner, Router

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


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
    if not 6 <= len(secret) <= 128 or not secret.isprintable() or " " in secret:
        raise InvalidInput("RADIUS secret: 6 to 128 printable characters, no spaces")
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


def get_router(session: Session, nas_identifier: str) -> Router:
    router = session.scalar(select(Router).where(Router.nas_identifier == nas_identifier))
    if router is None:
        raise NotFound(f"no router {nas_identifier!r}")
    return router
