"""Packets from addresses that are no router: FreeRADIUS looks each address up in
the database once per 10 s (sites-enabled/clients, cache_unknown_clients), not once
per packet, so a flood of them does not slow the routers' logins, and a router
registered for such an address is served within those 10 s.

The lookups are counted by wrapping hotspot_client, in the test database only, in
a function that first records its argument."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from hotspot.db import transaction
from simulator import wire
from simulator.radius import RadiusTimeout
from tests import factories
from tests.radius.conftest import client_for, new_loopback_ip, wait_until

MAC = "AA:BB:CC:00:42:01"
NEGATIVE_TTL = 10  # raddb/mods-enabled/cache_clients: cache_unknown_clients

COUNTING = [
    "CREATE TABLE test_client_lookups (ip text NOT NULL)",
    # FreeRADIUS connects as its own role (migration 0011).
    "GRANT INSERT ON test_client_lookups TO PUBLIC",
    "ALTER FUNCTION hotspot_client(text) RENAME TO hotspot_client_counted",
    """CREATE FUNCTION hotspot_client(p_ip text) RETURNS text
       LANGUAGE plpgsql VOLATILE AS $$
       BEGIN
           INSERT INTO test_client_lookups VALUES (p_ip);
           RETURN hotspot_client_counted(p_ip);
       END $$""",
]
UNCOUNTING = [
    "DROP FUNCTION hotspot_client(text)",
    "ALTER FUNCTION hotspot_client_counted(text) RENAME TO hotspot_client",
    "DROP TABLE test_client_lookups",
]


class Lookups:
    def __init__(self, session_factory) -> None:
        self.session_factory = session_factory

    def of(self, ip: str) -> int:
        """Lookups of ``ip`` so far."""
        return self.under(ip, "")

    def under(self, prefix: str, more: str = "%") -> int:
        """Lookups so far of addresses starting with ``prefix``."""
        with self.session_factory() as s:
            return s.scalar(
                text("SELECT count(*) FROM test_client_lookups WHERE ip LIKE :p"),
                {"p": prefix + more},
            )


@pytest.fixture
def lookups(radius, session_factory) -> Iterator[Lookups]:
    with session_factory.begin() as s:
        for statement in COUNTING:
            s.execute(text(statement))
    try:
        yield Lookups(session_factory)
    finally:
        with session_factory.begin() as s:
            for statement in UNCOUNTING:
                s.execute(text(statement))


def access_request(ident: int, user: bytes = b"nobody") -> bytes:
    attrs = [(wire.USER_NAME, user), (wire.CALLING_STATION_ID, MAC.encode())]
    return wire.access_request(ident, b"guess", attrs, password=b"1234")


def send_from(settings, ip: str, count: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((ip, 0))
        for i in range(count):
            sock.sendto(
                access_request(i % 256),
                (settings.radius_host, settings.radius_auth_port),
            )


def test_an_unknown_address_is_looked_up_once(radius, settings, lookups) -> None:
    ip = new_loopback_ip()
    send_from(settings, ip, 1)
    wait_until(lambda: lookups.of(ip) == 1, timeout=3)
    for _ in range(10):
        send_from(settings, ip, 5)
        time.sleep(0.05)
    # Answered from memory; the router next to it is still looked up.
    other = new_loopback_ip()
    send_from(settings, other, 1)
    wait_until(lambda: lookups.of(other) == 1, timeout=3)
    assert lookups.of(ip) == 1


class Flood(threading.Thread):
    """Access-Requests from 250 addresses of 127.0.1.0/24, none a router, at about
    ``rate`` packets a second, until stopped (and at most ``seconds``)."""

    def __init__(self, settings, rate: int = 4000, seconds: float = 8) -> None:
        super().__init__(daemon=True)
        self.target = (settings.radius_host, settings.radius_auth_port)
        self.rate, self.seconds = rate, seconds
        self.stop = threading.Event()
        self.sent = 0
        self.took = 0.0

    def run(self) -> None:
        socks = []
        for n in range(1, 251):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((f"127.0.1.{n}", 0))
            socks.append(sock)
        packets = [access_request(i) for i in range(256)]
        started = time.monotonic()
        try:
            while not self.stop.is_set() and time.monotonic() - started < self.seconds:
                for sock in socks:
                    sock.sendto(packets[self.sent % 256], self.target)
                    self.sent += 1
                # Paced: sent so far against the time it should have taken.
                ahead = self.sent / self.rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
        finally:
            self.took = time.monotonic() - started
            for sock in socks:
                sock.close()


def test_a_flood_from_unknown_addresses_does_not_slow_logins(
    radius, settings, venues, make_voucher, lookups
) -> None:
    v = make_voucher("b")
    flood = Flood(settings)
    flood.start()
    slowest = 0.0
    try:
        # Each new address costs one lookup (it cannot be known otherwise); once
        # all 250 are remembered as unknown, the flood costs no database time.
        wait_until(lambda: lookups.under("127.0.1.") >= 250, timeout=20)
        with client_for(settings, venues["b"], timeout=1.0, retries=1) as nas:
            for _ in range(20):
                r = nas.authenticate(v.code, v.pin, mac=MAC)
                assert r.accepted, r.reply_message
                slowest = max(slowest, r.elapsed)
                time.sleep(0.05)
    finally:
        flood.stop.set()
        flood.join()
    assert flood.sent > 2000
    # Each flooding address looked up once per NEGATIVE_TTL at most.
    assert lookups.under("127.0.1.") <= 250 * (1 + int(flood.took // NEGATIVE_TTL))
    assert slowest < 1.0, f"a login took {slowest:.2f}s during the flood"


def test_a_router_registered_after_its_packets_were_dropped_is_served_soon(
    radius, settings, session_factory, lookups
) -> None:
    ip, secret = new_loopback_ip(), "late-" + factories.unique("secret")
    send_from(settings, ip, 1)
    wait_until(lambda: lookups.of(ip) == 1, timeout=3)
    dropped_at = time.monotonic()
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        factories.router(s, owner, ip=ip, secret=secret)
        v = factories.voucher(s, owner, settings.pin_key, time="10m")

    def served() -> bool:
        with client_for(settings, ip=ip, secret=secret, timeout=0.3, retries=1) as nas:
            try:
                return nas.authenticate(v.code, v.pin, mac=MAC).accepted
            except RadiusTimeout:
                return False

    wait_until(served, timeout=NEGATIVE_TTL + 3, interval=0.2)
    waited = time.monotonic() - dropped_at
    assert waited < NEGATIVE_TTL + 2, f"served {waited:.1f}s after"
    assert lookups.of(ip) == 2
