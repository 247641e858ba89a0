"""RFC 5176 Disconnect-Request and CoA-Request to a router's incoming RADIUS port.

Built with pyrad, with a Message-Authenticator first (RouterOS >= 7.15 drops
packets without one). A MikroTik hotspot finds the session by User-Name,
Acct-Session-Id and Framed-IP-Address: all three are sent (docs/mikrotik.md).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pyrad import client as pyrad_client
from pyrad import packet as pyrad_packet
from pyrad.dictionary import Dictionary

DICTIONARY_PATH = Path(__file__).with_name("dictionary")

#: Error-Cause (RFC 5176 3.5) the router answers when it has no such session.
SESSION_CONTEXT_NOT_FOUND = 503
ERROR_CAUSES = {
    201: "Residual-Session-Context-Removed",
    401: "Unsupported-Attribute",
    402: "Missing-Attribute",
    403: "NAS-Identification-Mismatch",
    404: "Invalid-Request",
    405: "Unsupported-Service",
    407: "Invalid-Attribute-Value",
    501: "Administratively-Prohibited",
    503: "Session-Context-Not-Found",
    504: "Session-Context-Not-Removable",
    506: "Resources-Unavailable",
    508: "Multiple-Session-Selection-Unsupported",
}


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    return Dictionary(str(DICTIONARY_PATH))


@dataclass(frozen=True)
class CoaTarget:
    """Where a router listens for Disconnect/CoA, and the secret it shares."""

    host: str
    port: int
    secret: str


@dataclass(frozen=True)
class SessionRef:
    """How the router finds a session."""

    username: str
    acct_session_id: str
    framed_ip: str | None = None
    mac: str | None = None


@dataclass(frozen=True)
class CoaResult:
    #: ack, nak, timeout or error (the packet could not be sent).
    outcome: str
    error_cause: int | None = None
    elapsed: float = 0.0
    detail: str = ""

    @property
    def session_gone(self) -> bool:
        """A NAK saying the router has no such session (it ended already)."""
        return self.outcome == "nak" and self.error_cause == SESSION_CONTEXT_NOT_FOUND

    def describe(self) -> str:
        if self.outcome == "nak":
            cause = ERROR_CAUSES.get(self.error_cause or 0, str(self.error_cause))
            return f"NAK ({cause})"
        return self.detail or self.outcome


def build_request(
    target: CoaTarget,
    ref: SessionRef,
    *,
    rate_limit: str | None = None,
    code: int = pyrad_packet.DisconnectRequest,
) -> pyrad_packet.CoAPacket:
    """A Disconnect-Request (or, with ``code``, a CoA-Request) for one session."""
    pkt = pyrad_packet.CoAPacket(
        code=code, secret=target.secret.encode(), dict=dictionary()
    )
    pkt.add_message_authenticator()
    pkt["User-Name"] = ref.username
    pkt["Acct-Session-Id"] = ref.acct_session_id
    if ref.framed_ip:
        pkt["Framed-IP-Address"] = str(ipaddress.ip_interface(ref.framed_ip).ip)
    if ref.mac:
        pkt["Calling-Station-Id"] = ref.mac
    if rate_limit:
        pkt["Mikrotik-Rate-Limit"] = rate_limit
    pkt["Event-Timestamp"] = int(time.time())
    return pkt


def send(
    target: CoaTarget,
    ref: SessionRef,
    *,
    rate_limit: str | None = None,
    timeout: float = 2.0,
    retries: int = 2,
) -> CoaResult:
    """Send a Disconnect-Request, or a CoA-Request when ``rate_limit`` is given, and
    wait for the ACK or NAK (``retries`` sends of ``timeout`` seconds each)."""
    code = pyrad_packet.CoARequest if rate_limit else pyrad_packet.DisconnectRequest
    pkt = build_request(target, ref, rate_limit=rate_limit, code=code)
    client = pyrad_client.Client(
        server=target.host,
        coaport=target.port,
        secret=target.secret.encode(),
        dict=dictionary(),
        retries=retries,
        timeout=timeout,
    )
    start = time.monotonic()
    try:
        reply = client.SendPacket(pkt)
    except pyrad_client.Timeout:
        return CoaResult("timeout", elapsed=time.monotonic() - start, detail="timeout")
    except (OSError, socket.gaierror) as exc:
        return CoaResult("error", elapsed=time.monotonic() - start, detail=str(exc))
    finally:
        client._CloseSocket()
    elapsed = time.monotonic() - start
    if reply.code in (pyrad_packet.DisconnectACK, pyrad_packet.CoAACK):
        return CoaResult("ack", elapsed=elapsed)
    causes = reply.get("Error-Cause") or [None]
    return CoaResult("nak", error_cause=causes[0], elapsed=elapsed)
