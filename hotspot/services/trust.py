"""Which router a portal request comes through.

A router's login page reaches the portal from the guest's browser, so anybody can
post one. The portal trusts it only from an address the router is known by: its
RADIUS address, the public addresses set for it (``portal_addresses``), or what its
MikroTik IP Cloud name (``cloud_name``) resolves to. Where none of them vouches for
the request and the router has ``api_vouches``, the router itself is asked over its
RouterOS API whether the request's MAC (and IP) is one of its hotspot hosts.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Session, joinedload

from ..cache import VENUE, attach, cached_get, detached
from ..models import Router
from ..routers.outbox import api_access
from ..routers.routeros import ApiAccess, RouterApi, RouterApiError

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


class RouterUnreachable(Exception):
    """The router was to vouch for a request over its API and could not be asked."""


#: API access, MAC -> the router's ``/ip/hotspot/host`` rows for that MAC.
HostLister = Callable[[ApiAccess, str], list[dict[str, str]]]


def list_hosts(access: ApiAccess, mac: str) -> list[dict[str, str]]:
    with RouterApi(access) as api:
        return api.hosts(**{"mac-address": mac})


class HotspotHosts:
    """Asks routers whether a MAC is one of their hotspot hosts, with a short cache
    (a guest's pages come in a burst; a host that left is forgotten soon). A router
    that cannot be asked is remembered as such for the same short time, so that a
    burst of pages does not wait on its time-out once per page."""

    def __init__(
        self,
        lister: HostLister = list_hosts,
        ttl: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 3.0,
    ) -> None:
        self._lister = lister
        self._ttl = ttl
        self._clock = clock
        self._timeout = timeout
        self._cache: dict[tuple[int, str], tuple[float, list[dict[str, str]] | None]]
        self._cache = {}
        self._lock = threading.Lock()

    def lists(self, router: Router, mac: str, ip: str = "") -> bool:
        """The router lists this MAC (with this address, when given) as a host.
        Raises :class:`RouterUnreachable` when its API cannot be asked."""
        rows = self._rows(router, mac.upper())
        wanted = parse_address(ip) if ip else None
        return any(
            row.get("mac-address", "").upper() == mac.upper()
            and (
                wanted is None
                or wanted
                in {parse_address(row.get(k)) for k in ("address", "to-address")}
            )
            for row in rows
        )

    def _rows(self, router: Router, mac: str) -> list[dict[str, str]]:
        key, now = (router.id, mac), self._clock()
        with self._lock:
            hit = self._cache.get(key)
        if hit is None or hit[0] <= now:
            access = api_access(router)
            rows: list[dict[str, str]] | None = None
            if access is not None:
                try:
                    rows = self._lister(replace(access, timeout=self._timeout), mac)
                except RouterApiError:
                    rows = None
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[key] = hit = (now + self._ttl, rows)
        if hit[1] is None:
            raise RouterUnreachable(router.nas_identifier)
        return hit[1]


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


@dataclass(frozen=True)
class Vouchers:
    """What may vouch for a request: the IP Cloud names, and the routers' APIs
    (None: no router is asked)."""

    cloud: CloudNames
    hosts: HotspotHosts | None = None


def vouched(
    router: Router,
    address: str | None,
    vouchers: Vouchers,
    mac: str = "",
    ip: str = "",
) -> bool:
    """The request comes through this router: from an address it is known by, or,
    where it has ``api_vouches``, its API lists the device as a hotspot host.
    Raises :class:`RouterUnreachable` when that API cannot be asked."""
    if knows_address(router, address, vouchers.cloud):
        return True
    if not (router.api_vouches and vouchers.hosts is not None and mac):
        return False
    return vouchers.hosts.lists(router, mac, ip)


def router_for_request(
    session: Session,
    identity: str,
    address: str | None,
    vouchers: Vouchers,
    mac: str = "",
    ip: str = "",
) -> Router | None:
    """The router a request is bound to (switched on or off): the one named by
    ``identity`` when the request comes through it (:func:`vouched`); without
    ``identity``, the only router known by the source address. None when there is
    no such router."""
    cloud = vouchers.cloud
    if identity:
        router = router_named(session, identity)
        if router is None:
            return None
        return router if vouched(router, address, vouchers, mac, ip) else None
    source = parse_address(address)
    if source is None:
        return None
    found = VENUE.get(
        ("router-at", source), lambda: _routers_at(session, source, cloud)
    )
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
