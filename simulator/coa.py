"""The router's incoming RADIUS (``/radius incoming``): Disconnect-Request and
CoA-Request (RFC 5176) over UDP, answered like RouterOS does for hotspot sessions.

- The session is found by every key given: User-Name, Acct-Session-Id,
  Framed-IP-Address (and Calling-Station-Id). User-Name alone selects nothing (a
  MikroTik hotspot then does not act on the session): NAK Missing-Attribute.
- Disconnect: the session ends with cause Admin-Reset and its Accounting-Stop goes
  out; no more accounting for it. Disconnect-ACK, or NAK Session-Context-Not-Found.
- CoA: a Mikrotik-Rate-Limit changes the session's rate. CoA-ACK, or a NAK.
- A request with a wrong authenticator is dropped (no answer), as is one without a
  Message-Authenticator when ``require_message_authenticator`` is set. Answers carry
  a Message-Authenticator.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from pyrad import packet as pyrad_packet

from .radius import load_dictionary
from .router import Router

log = logging.getLogger("simulator.coa")

MISSING_ATTRIBUTE = 402
SESSION_CONTEXT_NOT_FOUND = 503
UNSUPPORTED_SERVICE = 405


@dataclass
class Received:
    """One request the listener answered (or dropped), for tests."""

    code: int
    attributes: dict[str, list[Any]]
    answer: str  # ack, nak, dropped
    error_cause: int | None = None


@dataclass
class CoaListener:
    router: Router
    host: str = "127.0.0.1"
    port: int = 3799
    secret: str = ""
    require_message_authenticator: bool = False
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.dictionary = load_dictionary()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((self.host, self.port))
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"sim-coa-{self.port}", daemon=True
        )

    def start(self) -> CoaListener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._sock.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._sock], [], [], 0.1)
            if not ready:
                continue
            try:
                data, addr = self._sock.recvfrom(4096)
            except OSError:
                return
            try:
                reply = self.handle(data)
            except Exception:  # a malformed packet must not stop the listener
                log.exception("cannot handle a packet from %s", addr)
                continue
            if reply is not None:
                self._sock.sendto(reply, addr)

    def handle(self, data: bytes) -> bytes | None:
        """Answer one datagram (None: drop it)."""
        pkt = pyrad_packet.CoAPacket(
            packet=data, secret=self.secret.encode(), dict=self.dictionary
        )
        if pkt.code not in (pyrad_packet.DisconnectRequest, pyrad_packet.CoARequest):
            return None
        attrs = {k: list(pkt[k]) for k in pkt.keys() if isinstance(k, str)}  # noqa: SIM118
        attrs.pop("Message-Authenticator", None)
        has_ma = pkt.message_authenticator
        if (
            not pkt.VerifyCoARequest()
            or (has_ma and not pkt.verify_message_authenticator())
            or (self.require_message_authenticator and not has_ma)
        ):
            log.warning("dropped a request with a wrong or missing authenticator")
            self.received.append(Received(pkt.code, attrs, "dropped"))
            return None
        cause = self._act(pkt.code, attrs)
        reply = pkt.CreateReply()
        if cause is not None:
            reply.code = (
                pyrad_packet.DisconnectNAK
                if pkt.code == pyrad_packet.DisconnectRequest
                else pyrad_packet.CoANAK
            )
            reply["Error-Cause"] = cause
        reply.add_message_authenticator()
        self.received.append(
            Received(pkt.code, attrs, "nak" if cause else "ack", cause)
        )
        return reply.ReplyPacket()

    def _act(self, code: int, attrs: dict[str, list[Any]]) -> int | None:
        """Do what the request asks; None for an ACK, else the Error-Cause."""
        keys = {
            "session_id": _first(attrs, "Acct-Session-Id"),
            "ip": _first(attrs, "Framed-IP-Address"),
            "mac": _first(attrs, "Calling-Station-Id"),
        }
        if not any(keys.values()):
            return MISSING_ATTRIBUTE
        keys["username"] = _first(attrs, "User-Name")
        if code == pyrad_packet.DisconnectRequest:
            ended = self.router.disconnect(**keys, background=True)
            return None if ended else SESSION_CONTEXT_NOT_FOUND
        rate = _first(attrs, "Mikrotik-Rate-Limit")
        if not rate:
            return UNSUPPORTED_SERVICE
        changed = self.router.change_rate(rate, **keys)
        return None if changed else SESSION_CONTEXT_NOT_FOUND


def _first(attrs: dict[str, list[Any]], name: str) -> str | None:
    values = attrs.get(name)
    return str(values[0]) if values else None
