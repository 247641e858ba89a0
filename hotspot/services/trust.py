"""Which router a portal request comes through.

A router's login page reaches the portal from the guest's browser, so anybody can
post one. The portal trusts it only from an address the router is known by: its
RADIUS address, the public addresses set for it (``portal_addresses``), or what its
MikroTik IP Cloud name (``cloud_name``) resolves to.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Session, joinedload

from ..cache import VENUE, attach, cached_get, detached
from ..models import Router

#: name -> the addresses it resolves to (empty when it does not).
Resolver = Callable[[str], Iterable[str]]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def resolve(name: str) -> list[str]:
    """What a DNS name resolves to, through the system resolver."""
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


class CloudNames:
    """IP Cloud names resolved with a short cache (a dynamic address changes rarely;
    a guest's page must not wait for DNS on each request)."""

    def __init__(
        self,
        resolver: Resolver = resolve,
        ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._resolver = resolver
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, frozenset[IPAddress]]] = {}
        self._lock = threading.Lock()

    def addresses(self, name: str) -> frozenset[IPAddress]:
        now = self._clock()
        with self._lock:
            hit = self._cache.get(name)
        if hit is not None and hit[0] > now:
            return hit[1]
        found = frozenset(
            ip for ip in (parse_address(a) for a in self._resolver(name)) if ip
        )
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[name] = (now + self._ttl, found)
        return found


def parse_address(text: str | None) -> IPAddress | None:
    """An address as the portal saw it; IPv4-mapped IPv6 is the IPv4 address."""
    try:
        ip = ipaddress.ip_address((text or "").split("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def knows_address(router: Router, address: str | None, cloud: CloudNames) -> bool:
    """The request comes from an address this router is known by."""
    ip = parse_address(address)
    if ip is None:
        return False
    if ip == parse_address(str(router.ip_address)):
        return True
    for network in router.portal_addresses or ():
        if ip in ipaddress.ip_network(str(network), strict=False):
            return True
    return bool(router.cloud_name) and ip in cloud.addresses(router.cloud_name or "")


def router_for_request(
    session: Session, identity: str, address: str | None, cloud: CloudNames
) -> Router | None:
    """The router a request is bound to (switched on or off): the one named by
    ``identity`` when the request comes from its addresses; without ``identity``,
    the only router known by the source address. None when there is no such
    router."""
    if identity:
        router = router_named(session, identity)
        return router if router and knows_address(router, address, cloud) else None
    ip = parse_address(address)
    if ip is None:
        return None
    found = VENUE.get(("router-at", ip), lambda: _routers_at(session, ip, cloud))
    # Two routers behind one address: only their identity can tell them apart.
    return router_by_id(session, found[0]) if len(found) == 1 else None


def router_named(session: Session, identity: str) -> Router | None:
    """The router of that NAS-Identifier, with its owner (cached for a few
    seconds: the address check is made on every request all the same)."""
    found = VENUE.get(
        ("router-named", identity),
        lambda: detached(
            session,
            lambda s: s.scalar(
                select(Router)
                .options(joinedload(Router.owner))
                .where(Router.nas_identifier == identity)
            ),
        ),
    )
    return attach(session, found) if found is not None else None


def router_by_id(session: Session, router_id: int) -> Router | None:
    """The router with its owner (cached for a few seconds)."""
    return cached_get(session, Router, router_id, joinedload(Router.owner))


def _routers_at(session: Session, ip: IPAddress, cloud: CloudNames) -> list[int]:
    """Ids of (at most two) routers known by this address."""
    addr = literal(str(ip), INET)
    found = list(
        session.scalars(
            select(Router)
            .where(
                (Router.ip_address == addr)
                | addr.op("<<=")(func.any(Router.portal_addresses))
            )
            .limit(2)
        )
    )
    if not found:
        named = session.scalars(select(Router).where(Router.cloud_name.is_not(None)))
        found = [r for r in named if ip in cloud.addresses(r.cloud_name or "")][:2]
    return [r.id for r in found]
