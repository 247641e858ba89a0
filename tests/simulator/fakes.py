"""Test doubles for the simulator's own tests.

:class:`FakeRadius` is a small pyrad server standing in for FreeRADIUS, only to check
what the simulator puts on the wire. It listens on free UDP ports of 127.0.0.1,
knows a few users (PAP and CHAP are checked against their clear passwords), records
every request and can be told to stay silent or to omit the Message-Authenticator.
"""

from __future__ import annotations

import hashlib
import logging
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyrad import packet
from pyrad.server import RemoteHost, Server, ServerPacketError

from simulator import RouterConfig, RunningSimulator, load_dictionary

SECRET = b"demo-router-secret-2026"

#: ``make_sim(clock=..., **config_overrides)``, see the conftest fixture.
SimFactory = Callable[..., RunningSimulator]
log = logging.getLogger("tests.fake_radius")


@dataclass
class Received:
    """One request as the fake server decoded it."""

    code: int
    attrs: dict[str, list[Any]]
    source: tuple[str, int]
    raw: bytes
    #: Whether the request carried a Message-Authenticator (verified by pyrad).
    message_authenticator: bool
    #: For Access-Requests: "PAP", "CHAP" or None, and whether it checked out.
    method: str | None = None
    password_ok: bool | None = None
    password: str | None = None  # decrypted PAP password

    def first(self, name: str, default: Any = None) -> Any:
        values = self.attrs.get(name)
        return values[0] if values else default


@dataclass
class User:
    password: str
    reply: dict[str, Any] = field(default_factory=dict)


class FakeRadius(Server):
    """A pyrad RADIUS server on free ports of 127.0.0.1, run in a thread."""

    def __init__(self) -> None:
        super().__init__(
            addresses=["127.0.0.1"],
            authport=0,
            acctport=0,
            hosts={
                "127.0.0.1": RemoteHost("127.0.0.1", SECRET, "localhost"),
                "127.0.0.2": RemoteHost("127.0.0.2", SECRET, "second-router"),
            },
            dict=load_dictionary(),
            enforce_ma=True,  # the simulator must always send Message-Authenticator
        )
        self.auth_port = self.authfds[0].getsockname()[1]
        self.acct_port = self.acctfds[0].getsockname()[1]
        self.users: dict[str, User] = {}
        self.received: list[Received] = []
        self.silent = False  # drop every request
        self.reply_message_authenticator = True
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    # -- lifecycle --

    def start(self) -> FakeRadius:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        for sock in self.authfds + self.acctfds:
            sock.close()

    def _serve(self) -> None:
        self._poll = select.poll()
        self._fdmap: dict[int, Any] = {}
        self._PrepareSockets()
        while not self._stopping.is_set():
            for fd, event in self._poll.poll(50):
                if event != select.POLLIN:
                    continue
                try:
                    self._ProcessInput(self._fdmap[fd])
                except (ServerPacketError, packet.PacketError) as err:
                    log.warning("dropped a packet: %s", err)

    # -- recording --

    def _record(self, pkt: packet.Packet, **extra: Any) -> None:
        attrs = {k: list(pkt[k]) for k in pkt.keys() if isinstance(k, str)}  # noqa: SIM118
        item = Received(
            code=pkt.code,
            attrs=attrs,
            source=pkt.source,
            raw=pkt.raw_packet,
            message_authenticator=bool(pkt.message_authenticator),
            **extra,
        )
        with self._cond:
            self.received.append(item)
            self._cond.notify_all()

    def requests(self, status: str | None = None) -> list[Received]:
        """Requests received so far: Access-Requests for ``status="auth"``,
        else Accounting-Requests with that Acct-Status-Type (all if None)."""
        with self._cond:
            items = list(self.received)
        if status is None:
            return items
        if status == "auth":
            return [r for r in items if r.code == packet.AccessRequest]
        return [r for r in items if r.first("Acct-Status-Type") == status]

    def wait_for(
        self, status: str, count: int = 1, timeout: float = 3.0
    ) -> list[Received]:
        """Wait until ``count`` requests of a kind have arrived, return them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.requests(status)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    kinds = [r.first("Acct-Status-Type", r.code) for r in self.received]
                    raise AssertionError(
                        f"expected {count} {status} request(s), got {kinds}"
                    )
                self._cond.wait(left)
        return self.requests(status)

    # -- handlers --

    def HandleAuthPacket(self, pkt: packet.AuthPacket) -> None:
        user = self.users.get(pkt["User-Name"][0])
        method = password = None
        ok = False
        if "CHAP-Password" in pkt:
            method = "CHAP"
            ok = user is not None and pkt.VerifyChapPasswd(user.password)
            if user is not None:
                # the same check by hand: md5(id + password + challenge)
                chap = pkt["CHAP-Password"][0]
                digest = hashlib.md5(
                    chap[:1] + user.password.encode() + pkt["CHAP-Challenge"][0]
                ).digest()
                assert (digest == chap[1:]) == ok
        elif "User-Password" in pkt:
            method = "PAP"
            password = pkt.PwDecrypt(pkt["User-Password"][0])
            ok = user is not None and password == user.password
        self._record(pkt, method=method, password_ok=ok, password=password)
        if self.silent:
            return
        reply = self.CreateReplyPacket(pkt)
        if not self.reply_message_authenticator:
            reply.message_authenticator = False
        if ok:
            assert user is not None
            for name, value in user.reply.items():
                reply.AddAttribute(name, value)
        else:
            reply.code = packet.AccessReject
            reply.AddAttribute("Reply-Message", "wrong password")
        self.SendReplyPacket(pkt.fd, reply)

    def HandleAcctPacket(self, pkt: packet.AcctPacket) -> None:
        self._record(pkt)
        if self.silent:
            return
        self.SendReplyPacket(pkt.fd, self.CreateReplyPacket(pkt))


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def sim_config(radius: FakeRadius, **overrides: Any) -> RouterConfig:
    """A simulator config pointing at the fake RADIUS server."""
    settings: dict[str, Any] = {
        "auth_port": radius.auth_port,
        "acct_port": radius.acct_port,
        "secret": SECRET.decode(),
        "nas_identifier": "test-router",
        "portal_url": "http://127.0.0.1:9/portal/login",
        "radius_timeout": 0.5,
        "radius_retries": 2,
        "tick": 0,
        "session_id_start": 0x80000001,
    }
    settings.update(overrides)
    return RouterConfig(**settings)
