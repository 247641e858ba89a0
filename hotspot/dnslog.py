"""The names the routers' DNS resolved for their clients, from their syslog.

A router sends its DNS log (``/system logging add topics=dns action=remote``) to
this receiver over UDP syslog. RouterOS writes two lines per lookup::

    dns query from 10.5.50.10: #86 example.com. A
    dns done query: #86 example.com 93.184.216.34

(``dns`` is the topic; a BSD-syslog header, ``<PRI>Mmm dd hh:mm:ss host``, may
come before it). The query line names the client, the answer line the address;
they share the query number. Each answer becomes a ``dns_names`` row (arrival
time, router, client, name, address); a query answered by nothing within
:data:`ANSWER_WAIT` seconds is stored without an address. Only datagrams from a
registered router's address are believed; anything unparsable is counted and
skipped. Rows are written in batches (one INSERT of many rows).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import column, insert, table, text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

#: Seconds a query waits for its answer line before it is stored without one.
ANSWER_WAIT = 10.0
#: Seconds between reloads of the registered routers' addresses.
ROUTER_RELOAD = 60.0

_QUERY = re.compile(
    r"query from (?P<client>[0-9A-Fa-f.:]+): #(?P<id>\d+) (?P<name>\S+?)\.? [A-Z0-9]+$"
)
_ANSWER = re.compile(r"done query: #(?P<id>\d+) (?P<name>\S+?)\.? (?P<addr>\S+)$")
#: Answer lines that carry no address (CNAME chains, errors): not bad lines.
_OTHER_DNS = re.compile(r"\bdns\b.*done query: #\d+ ")

DNS_NAMES = table(
    "dns_names",
    column("seen_at"),
    column("router_ip"),
    column("client_ip"),
    column("name"),
    column("address"),
)


@dataclass(frozen=True)
class Query:
    id: int
    client: str
    name: str


@dataclass(frozen=True)
class Answer:
    id: int
    name: str
    address: str


def _address(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def parse(datagram: bytes) -> Query | Answer | None:
    """The DNS event of one syslog datagram; ``None`` for a DNS line that names
    no address. Raises ValueError for a line that is none of these."""
    line = datagram.decode("utf-8", errors="strict").strip()
    if m := _QUERY.search(line):
        client = _address(m["client"])
        if client is None:
            raise ValueError(f"not a client address: {m['client']!r}")
        return Query(int(m["id"]), client, m["name"].lower())
    if m := _ANSWER.search(line):
        address = _address(m["addr"])
        if address is not None:
            return Answer(int(m["id"]), m["name"].lower(), address)
        return None
    if _OTHER_DNS.search(line):
        return None
    raise ValueError("not a RouterOS DNS log line")


@dataclass
class _Pending:
    query: Query
    seen_at: dt.datetime
    deadline: float
    answered: bool = False


@dataclass
class Pairing:
    """Joins each router's query lines with their answer lines into rows."""

    wait: float = ANSWER_WAIT
    pending: dict[tuple[str, int], _Pending] = field(default_factory=dict)
    rows: list[dict[str, object]] = field(default_factory=list)

    def add(self, router: str, event: Query | Answer, at: dt.datetime) -> None:
        if isinstance(event, Query):
            self.pending[(router, event.id)] = _Pending(
                event, at, time.monotonic() + self.wait
            )
            return
        entry = self.pending.get((router, event.id))
        if entry is None:
            return  # an answer whose query line was lost: no client to name
        entry.answered = True
        self._row(router, entry, event.address, at)

    def expire(self, now: float | None = None) -> None:
        """Forget queries past their wait; those never answered become rows."""
        now = time.monotonic() if now is None else now
        for key, entry in list(self.pending.items()):
            if entry.deadline <= now:
                del self.pending[key]
                if not entry.answered:
                    self._row(key[0], entry, None, entry.seen_at)

    def take(self) -> list[dict[str, object]]:
        rows, self.rows = self.rows, []
        return rows

    def _row(
        self, router: str, entry: _Pending, address: str | None, at: dt.datetime
    ) -> None:
        self.rows.append(
            {
                "seen_at": at,
                "router_ip": router,
                "client_ip": entry.query.client,
                "name": entry.query.name,
                "address": address,
            }
        )


@dataclass
class Counters:
    stored: int = 0
    bad: int = 0
    unknown_sender: int = 0
    failed_writes: int = 0


def router_addresses(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT ip_address FROM routers WHERE ip_address IS NOT NULL")
        )
        return {str(ipaddress.ip_address(str(r[0]))) for r in rows}


def store(engine: Engine, rows: list[dict[str, object]]) -> None:
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(DNS_NAMES), rows)


def _utcnow() -> dt.datetime:
    # dns_names holds UTC without a zone, as the flows do.
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Receiver:
    """The UDP syslog receiver: ``serve`` until ``stop`` is set."""

    def __init__(
        self,
        engine: Engine,
        host: str,
        port: int,
        flush_every: float = 1.0,
        routers: Callable[[Engine], set[str]] = router_addresses,
    ) -> None:
        self.engine = engine
        self.sock = socket.socket(
            socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM
        )
        self.sock.bind((host, port))
        self.sock.settimeout(0.2)
        self.flush_every = flush_every
        self._load_routers = routers
        self.routers: set[str] = set()
        self.routers_at = -ROUTER_RELOAD
        self.pairing = Pairing()
        self.counters = Counters()

    def handle(self, datagram: bytes, sender: str) -> None:
        if sender not in self.routers:
            self.counters.unknown_sender += 1
            return
        try:
            event = parse(datagram)
        except ValueError:
            self.counters.bad += 1
            return
        if event is not None:
            self.pairing.add(sender, event, _utcnow())

    def flush(self) -> None:
        """Write what is paired; a failed write is logged and its rows dropped
        (the receiver itself never stops over the database)."""
        self.pairing.expire()
        rows = self.pairing.take()
        try:
            store(self.engine, rows)
            self.counters.stored += len(rows)
        except Exception:  # noqa: BLE001 - any database trouble: log, go on
            self.counters.failed_writes += len(rows)
            log.exception("dnslog: %d rows not written", len(rows))
        if rows:
            log.info("dnslog: %s", self.counters)

    def _reload_routers(self) -> None:
        if time.monotonic() - self.routers_at < ROUTER_RELOAD:
            return
        try:
            self.routers = self._load_routers(self.engine)
            self.routers_at = time.monotonic()
        except Exception:  # noqa: BLE001 - keep the last known set
            log.exception("dnslog: routers not reloaded")

    def serve(self, stop: threading.Event) -> None:
        log.info("dnslog: listening on %s", self.sock.getsockname())
        flushed = time.monotonic()
        while not stop.is_set():
            self._reload_routers()
            for datagram, sender in self._receive():
                self.handle(datagram, sender)
            if time.monotonic() - flushed >= self.flush_every:
                self.flush()
                flushed = time.monotonic()
        self.pairing.expire(now=float("inf"))
        self.flush()
        self.sock.close()

    def _receive(self) -> Iterable[tuple[bytes, str]]:
        try:
            datagram, peer = self.sock.recvfrom(8192)
        except TimeoutError:
            return []
        address = ipaddress.ip_address(peer[0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped  # an IPv4 router on a dual-stack socket
        return [(datagram, str(address))]
