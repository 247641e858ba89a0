"""Hostile RADIUS packets from a registered router, and a sender that counts what
comes back (tests/radius/test_fuzz.py, bench/fuzz_radius.py).

Every packet belongs to a kind that says whether FreeRADIUS must answer it:
packets that are well formed at the RADIUS level, however odd their attributes
(too long, not UTF-8, NUL bytes, missing, repeated, of the wrong length, unknown),
get an Access-Reject or an Accounting-Response; packets that are not (an attribute
running past the end, a lying length field, a wrong or malformed
Message-Authenticator, a bad accounting signature) are dropped unanswered.
"""

from __future__ import annotations

import random
import select
import socket
import struct
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from . import wire

#: Attribute types no dictionary of ours defines.
UNKNOWN_TYPES = (17, 21, 54, 192, 200, 224, 241, 245, 255)


@dataclass(frozen=True)
class Case:
    kind: str
    port: str  # "auth" or "acct"
    answered: bool  # must FreeRADIUS answer it?
    build: Callable[[int], bytes]  # the packet, given its id


def _junk(rng: random.Random, low: int = 0, high: int = 253) -> bytes:
    return rng.randbytes(rng.randint(low, high))


def _text(rng: random.Random) -> bytes:
    """A string attribute's value: long, not UTF-8, with NUL bytes, or escapes."""
    return rng.choice(
        [
            lambda: b"u" * 253,
            lambda: _junk(rng, 1),
            lambda: b"gue\x00st" + _junk(rng, 0, 8),
            lambda: b"\xff\xfe\xc3(" * rng.randint(1, 60),
            lambda: b"'\";\\%=`$" * rng.randint(1, 30),
            lambda: "\u0431\u0435\u043b\u0430\u044f".encode() * rng.randint(1, 20),
        ]
    )()


class Generator:
    """Seeded hostile packets for a router with ``secret``."""

    def __init__(self, secret: bytes, seed: int = 0, mac_required: bool = False):
        self.secret = secret
        self.rng = random.Random(seed)
        self.mac_required = mac_required

    # -- Access-Requests answered with a reject ----------------------------------
    def _odd_attributes(self) -> list[tuple[int, bytes]]:
        rng = self.rng
        attrs: list[tuple[int, bytes]] = []
        if rng.random() < 0.9:
            attrs += [(wire.USER_NAME, _text(rng))] * rng.choice([1, 1, 2, 5])
        extra = [
            (wire.CALLING_STATION_ID, _text(rng)),
            (wire.NAS_PORT, _junk(rng, 0, 9)),  # integer of the wrong length
            (wire.FRAMED_IP_ADDRESS, _junk(rng, 0, 9)),
            (wire.NAS_IDENTIFIER, _text(rng)),
            (wire.ACCT_SESSION_ID, _text(rng)),
            (rng.choice(UNKNOWN_TYPES), _junk(rng)),
            (26, _junk(rng, 0, 40)),  # Vendor-Specific, whatever is inside
            (26, struct.pack("!I", 14988) + _junk(rng, 0, 30)),  # Mikrotik's
        ]
        attrs += rng.sample(extra, rng.randint(0, len(extra)))
        rng.shuffle(attrs)
        return attrs

    def _credentials(self) -> tuple[list[tuple[int, bytes]], bytes | None]:
        rng = self.rng
        choice = rng.randrange(5)
        if choice == 0:
            return [], rng.randbytes(rng.randint(0, 130))  # PAP, any length
        if choice == 1:  # CHAP-Password of the wrong length, any challenge
            chap = _junk(rng, 0, 40)
            return [(wire.CHAP_PASSWORD, chap), (wire.CHAP_CHALLENGE, _junk(rng))], None
        if choice == 2:  # well-formed CHAP, wrong answer
            return [
                (wire.CHAP_PASSWORD, rng.randbytes(17)),
                (wire.CHAP_CHALLENGE, rng.randbytes(16)),
            ], None
        if choice == 3:  # both
            return [(wire.CHAP_PASSWORD, rng.randbytes(17))], b"1234"
        return [], None  # no password at all

    def access_reject(self) -> Case:
        attrs, password = self._credentials()
        attrs = self._odd_attributes() + attrs
        secret = self.secret

        def build(ident: int) -> bytes:
            return wire.access_request(ident, secret, attrs, password=password)

        return Case("access: odd attributes", "auth", True, build)

    # -- packets dropped ---------------------------------------------------------
    def access_dropped(self) -> Case:
        rng, secret = self.rng, self.secret
        attrs = [(wire.USER_NAME, b"guest"), (wire.CALLING_STATION_ID, _text(rng))]
        kind = rng.choice(
            ["bad Message-Authenticator", "short Message-Authenticator", "overrun"]
            + (["no Message-Authenticator"] if self.mac_required else [])
        )

        def build(ident: int) -> bytes:
            if kind == "bad Message-Authenticator":
                return wire.access_request(
                    ident, secret, attrs, password=b"1", message_authenticator="bad"
                )
            if kind == "no Message-Authenticator":
                return wire.access_request(
                    ident, secret, attrs, password=b"1", message_authenticator="none"
                )
            if kind == "short Message-Authenticator":
                pkt = wire.access_request(ident, secret, attrs, password=b"1")
                body = pkt[20:]  # first attribute: the Message-Authenticator
                body = bytes([wire.MESSAGE_AUTHENTICATOR, 10]) + body[2:10] + body[18:]
                return _with_length(pkt[:20] + body)
            # An attribute whose length runs past the end of the packet.
            pkt = wire.access_request(ident, secret, attrs, password=b"1")
            return _with_length(pkt + bytes([wire.USER_NAME, rng.randint(10, 255)]))

        return Case(f"access: {kind}", "auth", False, build)

    def truncated(self) -> Case:
        """Shorter than a header, or a header claiming more than was sent."""
        rng = self.rng
        data = rng.randbytes(rng.randint(0, 19))
        lying = bool(data) and rng.random() < 0.5
        code = rng.choice([wire.ACCESS_REQUEST, wire.ACCOUNTING_REQUEST])
        rest = rng.randbytes(30)

        def build(ident: int) -> bytes:
            if lying:
                return struct.pack("!BBH", code, ident, 4096) + rest
            return data

        return Case("truncated or lying length", "auth", False, build)

    # -- Accounting-Requests -----------------------------------------------------
    def accounting(self) -> Case:
        rng, secret = self.rng, self.secret
        status = rng.choice([wire.START, wire.INTERIM, wire.STOP, 7, 8, 15, 99])
        attrs = [(wire.ACCT_STATUS_TYPE, wire.u32(status))]
        attrs += [(wire.ACCT_SESSION_ID, _text(rng))] * rng.choice([0, 1, 1, 2])
        attrs += self._odd_attributes()
        for kind in (46, 42, 43, 52, 53, 41, 49):  # counters, cause, delay
            if rng.random() < 0.5:
                value = rng.choice([wire.u32(rng.getrandbits(32)), _junk(rng, 0, 9)])
                attrs.append((kind, value))
        rng.shuffle(attrs)
        signed = rng.random() > 0.1

        def build(ident: int) -> bytes:
            pkt = wire.accounting_request(ident, secret, attrs)
            if signed:
                return pkt
            return pkt[:4] + bytes(16) + pkt[20:]

        kind = "accounting: odd attributes" if signed else "accounting: bad signature"
        return Case(kind, "acct", signed, build)

    def cases(self, count: int, accounting: float = 0.3) -> Iterator[Case]:
        rng = self.rng
        for _ in range(count):
            r = rng.random()
            if r < accounting:
                yield self.accounting()
            elif r < accounting + 0.15:
                yield self.access_dropped()
            elif r < accounting + 0.18:
                yield self.truncated()
            else:
                yield self.access_reject()


def _with_length(pkt: bytes) -> bytes:
    return pkt[:2] + struct.pack("!H", len(pkt)) + pkt[4:]


@dataclass
class Tally:
    """What came back, per kind."""

    sent: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)
    late: Counter[str] = field(default_factory=Counter)  # answered after the limit
    codes: Counter[int] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)  # unexpected outcomes
    slowest: float = 0.0

    def lines(self) -> list[str]:
        out = [
            f"{kind:<40} sent {self.sent[kind]:>7}  answered {self.answered[kind]:>7}"
            f"  late {self.late[kind]:>4}"
            for kind in sorted(self.sent)
        ]
        codes = ", ".join(f"code {c}: {n}" for c, n in sorted(self.codes.items()))
        out.append(f"replies: {codes or 'none'}; slowest {self.slowest * 1000:.0f} ms")
        out.append(f"unexpected: {len(self.wrong)}")
        return out


class Sender:
    """Sends cases from ``bind_ip`` and matches replies by socket and id: those
    that must be answered with up to ``window`` in flight on each of ``sockets``
    sockets per port, those that must not (they wait out the limit) on sockets
    of their own, up to 250 in flight on each."""

    def __init__(
        self,
        server: str,
        ports: dict[str, int],
        bind_ip: str,
        *,
        sockets: int = 4,
        window: int = 32,
        limit: float = 1.0,
    ) -> None:
        self.server, self.ports, self.limit, self.window = server, ports, limit, window
        self.socks: dict[tuple[str, bool], list[socket.socket]] = {}
        for port in ports:
            for answered in (True, False):
                group = self.socks[port, answered] = []
                for _ in range(sockets):
                    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    sock.bind((bind_ip, 0))
                    sock.setblocking(False)
                    group.append(sock)
        # (socket, id) -> (case, sent at)
        self.flight: dict[tuple[socket.socket, int], tuple[Case, float]] = {}
        self.next_id: dict[socket.socket, int] = {}

    def close(self) -> None:
        for socks in self.socks.values():
            for sock in socks:
                sock.close()

    def _free_slot(self, case: Case) -> tuple[socket.socket, int] | None:
        window = self.window if case.answered else 250
        for sock in self.socks[case.port, case.answered]:
            busy = sum(1 for s, _ in self.flight if s is sock)
            if busy >= window:
                continue
            for step in range(256):
                ident = (self.next_id.get(sock, 0) + step) % 256
                if (sock, ident) not in self.flight:
                    self.next_id[sock] = ident + 1
                    return sock, ident
        return None

    def run(self, cases: Iterable[Case], tally: Tally | None = None) -> Tally:
        tally = tally or Tally()
        pending = iter(cases)
        case: Case | None = next(pending, None)
        while case is not None or self.flight:
            while case is not None and (slot := self._free_slot(case)):
                sock, ident = slot
                sock.sendto(case.build(ident), (self.server, self.ports[case.port]))
                tally.sent[case.kind] += 1
                self.flight[slot] = (case, time.monotonic())
                case = next(pending, None)
            self._receive(tally)
            self._expire(tally)
        return tally

    def _receive(self, tally: Tally) -> None:
        socks = [s for group in self.socks.values() for s in group]
        readable, _, _ = select.select(socks, [], [], 0.01)
        now = time.monotonic()
        for sock in readable:
            while True:
                try:
                    data = sock.recv(4096)
                except BlockingIOError:
                    break
                if len(data) < 20 or (sock, data[1]) not in self.flight:
                    continue
                case, sent_at = self.flight.pop((sock, data[1]))
                elapsed = now - sent_at
                tally.slowest = max(tally.slowest, elapsed)
                tally.answered[case.kind] += 1
                tally.codes[data[0]] += 1
                if elapsed > self.limit:
                    tally.late[case.kind] += 1
                if not case.answered or data[0] == wire.ACCESS_ACCEPT:
                    tally.wrong.append(f"{case.kind}: answered with code {data[0]}")

    def _expire(self, tally: Tally) -> None:
        # Unanswered after the limit (twice the limit for those that must be):
        # given up; one that had to be answered is counted wrong.
        now = time.monotonic()
        for key, (case, sent_at) in list(self.flight.items()):
            if now - sent_at > (2 * self.limit if case.answered else self.limit):
                del self.flight[key]
                if case.answered:
                    tally.wrong.append(f"{case.kind}: no answer")
