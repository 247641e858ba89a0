"""Owners and their routers."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
import secrets

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import AlreadyExists, DomainError, InvalidInput, NotFound, Text
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
        raise AlreadyExists("owner %(name)r exists", name=name)
    owner = Owner(name=name, display_name=display_name or name)
    session.add(owner)
    session.flush()
    return owner


def get_owner(session: Session, name: str) -> Owner:
    owner = session.scalar(select(Owner).where(Owner.name == name))
    if owner is None:
        raise NotFound("no owner %(name)r", name=name)
    return owner


def add_router(
    session: Session,
    owner: Owner,
    nas_identifier: str,
    ip_address: str,
    secret: str,
    require_message_authenticator: bool = True,
    title: str = "",
) -> Router:
    """Register a router as a RADIUS client; FreeRADIUS picks it up at once.

    ``require_message_authenticator`` (the default): FreeRADIUS drops its
    Access-Requests without a valid Message-Authenticator (RouterOS >= 7.15 sends
    one), so packets forged from its address with a wrong secret are never answered
    nor counted as guesses. Off, nothing tells them from a guest's wrong PIN."""
    if not _NAME_RE.match(nas_identifier):
        raise InvalidInput("NAS identifier: letters, digits, '.', '_' or '-'")
    ip = _ip(ip_address)
    secret = _secret(secret)
    _refuse_taken(session, nas_identifier, ip)
    try:
        with session.begin_nested():  # the caller's transaction survives a clash
            router = Router(
                owner=owner,
                nas_identifier=nas_identifier,
                ip_address=ip,
                radius_secret=secret,
                require_message_authenticator=require_message_authenticator,
                title=title or nas_identifier,
            )
            session.add(router)
    except IntegrityError:
        # Added by someone else since the check (its transaction has committed
        # by now): say which, as the check would have.
        _refuse_taken(session, nas_identifier, ip)
        raise
    return router


def _refuse_taken(session: Session, nas_identifier: str, ip: str) -> None:
    if session.scalar(select(Router.id).where(Router.nas_identifier == nas_identifier)):
        raise AlreadyExists("router %(nas)r exists", nas=nas_identifier)
    if session.scalar(select(Router.id).where(Router.ip_address == ip)):
        raise AlreadyExists("a router with address %(ip)s exists", ip=ip)


class RouterQuota(DomainError):
    key = "router_quota"


def add_owner_router(
    session: Session,
    owner: Owner,
    nas_identifier: str,
    ip_address: str,
    limit: int,
    title: str = "",
) -> Router:
    """A router the owner adds itself: as add_router with a generated secret
    (Message-Authenticator required), while the owner has fewer than ``limit``
    (the operator's max_routers_per_owner). The owner's row is locked, so two
    adds at once cannot both pass the count."""
    session.execute(select(Owner.id).where(Owner.id == owner.id).with_for_update())
    count = session.scalar(
        select(func.count(Router.id)).where(Router.owner_id == owner.id)
    )
    if (count or 0) >= limit:
        raise RouterQuota("at most %(limit)s routers per owner", limit=limit)
    secret = generate_router_secret()
    return add_router(session, owner, nas_identifier, ip_address, secret, title=title)


def generate_router_secret() -> str:
    """A fresh random RADIUS secret (32 URL-safe characters) to put on the router."""
    return secrets.token_urlsafe(24)


def check_router_secret(secret: str) -> None:
    """Raise :class:`InvalidInput` unless ``secret`` is fit to be a RADIUS secret."""
    if len(secret) < MIN_SECRET_LENGTH:
        raise InvalidInput(
            "RADIUS secret too short (%(length)s characters): use at least "
            "%(min)s, e.g. a generated one",
            length=len(secret),
            min=MIN_SECRET_LENGTH,
        )
    if len(secret) > MAX_SECRET_LENGTH or not secret.isprintable() or " " in secret:
        raise InvalidInput(
            "RADIUS secret: %(min)s to %(max)s printable characters, no spaces",
            min=MIN_SECRET_LENGTH,
            max=MAX_SECRET_LENGTH,
        )


def get_router(
    session: Session, nas_identifier: str, owner: Owner | None = None
) -> Router:
    """A router by its NAS identifier; with ``owner``, only one of that owner's
    (another owner's router is "not found", never "not yours")."""
    query = select(Router).where(Router.nas_identifier == nas_identifier)
    if owner is not None:
        query = query.where(Router.owner_id == owner.id)
    router = session.scalar(query)
    if router is None:
        raise NotFound("no router %(nas)r", nas=nas_identifier)
    return router


def list_routers(session: Session, owner: Owner | None = None) -> list[Router]:
    query = select(Router).order_by(Router.nas_identifier)
    if owner is not None:
        query = query.where(Router.owner_id == owner.id)
    return list(session.scalars(query))


def router_dict(router: Router) -> dict[str, object]:
    """What a router's owner may see of it (never the secret)."""
    return {
        "id": router.id,
        "nas_id": router.nas_identifier,
        "ip": str(router.ip_address),
        "owner": router.owner.name,
        "title": router.title,
        "enabled": router.enabled,
        "require_message_authenticator": router.require_message_authenticator,
    }


def set_router_enabled(session: Session, router: Router, enabled: bool) -> Router:
    """Switch a router's hotspot off or on. A disabled router stays a RADIUS
    client: its guests are told "This hotspot is switched off." at RADIUS and on
    the portal, and the accounting of sessions still open is stored."""
    router.enabled = enabled
    session.flush()
    return router


def update_router(
    session: Session,
    router: Router,
    *,
    ip_address: str | None = None,
    secret: str | None = None,
    require_message_authenticator: bool | None = None,
    title: str | None = None,
) -> Router:
    """Change what is given, validated as :func:`add_router` validates it.
    FreeRADIUS's client cache keeps an old definition until it is refreshed at
    the next lookup (see raddb/sites-enabled/clients)."""
    if ip_address is not None:
        ip = _ip(ip_address)
        taken = session.scalar(
            select(Router.id).where(Router.ip_address == ip, Router.id != router.id)
        )
        if taken:
            raise AlreadyExists("a router with address %(ip)s exists", ip=ip)
        router.ip_address = ip
    if secret is not None:
        router.radius_secret = _secret(secret)
    if require_message_authenticator is not None:
        router.require_message_authenticator = require_message_authenticator
    if title is not None:
        if len(title) > 200:
            raise InvalidInput("title: at most 200 characters")
        router.title = title
    session.flush()
    return router


def _ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError as exc:
        raise InvalidInput("not an IP address: %(text)r", text=text) from exc


def _secret(secret: str) -> str:
    check_router_secret(secret)
    return secret


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


_HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _host_name(text: str, what: Text) -> str:
    """An IP address or a DNS name, lower case."""
    value = text.strip().lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(value.strip("[]")))
    except ValueError:
        pass
    labels = value.split(".")
    if len(value) > 253 or not all(_HOST_LABEL_RE.match(label) for label in labels):
        raise InvalidInput(
            "%(what)s: not a host name or an IP address: %(text)r", what=what, text=text
        )
    return value


def _networks(values: list[str]) -> list[str]:
    out = []
    for text in values:
        try:
            out.append(str(ipaddress.ip_network(text.strip(), strict=False)))
        except ValueError as exc:
            raise InvalidInput(
                "portal address: not an address: %(text)r", text=text
            ) from exc
    return out


def set_router_trust(
    session: Session,
    router: Router,
    *,
    portal_addresses: list[str] | None = None,
    hotspot_hosts: list[str] | None = None,
    cloud_name: str | None = None,
    api_vouches: bool | None = None,
) -> Router:
    """Where the portal trusts a router's login page from, and where it may post the
    guest's credentials. Each argument left None keeps its value; an empty list (or
    ``cloud_name=""``) clears it.

    ``portal_addresses``: public addresses or networks (``203.0.113.7``,
    ``203.0.113.0/28``) the router's guests reach the portal from, besides its RADIUS
    address. ``hotspot_hosts``: the hosts ``link-login-only`` may name (the hotspot's
    address or DNS name); empty: MikroTik's default, 10.5.50.1. ``cloud_name``: the
    router's IP Cloud DNS name (``<serial>.sn.mynetname.net``), for a dynamic public
    address. ``api_vouches``: where no address vouches for a request, ask the router
    over its RouterOS API (set with ``router control``) whether the device is one of
    its hotspot hosts."""
    if api_vouches and not (router.api_port and router.api_username):
        raise InvalidInput(
            "api_vouches needs the router's RouterOS API: set it first with"
            " 'hotspot router control --api-port --api-username"
            " --api-password-file'"
        )
    if portal_addresses is not None:
        router.portal_addresses = _networks(portal_addresses)
    if hotspot_hosts is not None:
        hosts = [_host_name(h, Text("hotspot host")) for h in hotspot_hosts]
        router.hotspot_hosts = list(dict.fromkeys(hosts))
    if cloud_name is not None:
        router.cloud_name = (
            _host_name(cloud_name, Text("cloud name")) if cloud_name.strip() else None
        )
    if api_vouches is not None:
        router.api_vouches = api_vouches
    session.flush()
    return router
