"""RADIUS side of the simulator: the dictionary and a MikroTik-like RADIUS client.

Everything goes over the wire with pyrad, exactly as a MikroTik hotspot would send it:

- :func:`load_dictionary` loads the shipped ``simulator/dictionary`` (a pyrad-readable
  extract of FreeRADIUS's RFC 2865/2866/2869/3576/5176, MikroTik and WISPr files).
- :class:`RadiusClient` sends Access-Requests (PAP or CHAP, always with a
  Message-Authenticator) and Accounting-Requests (Start, Interim-Update, Stop). It
  is thread-safe: each exchange borrows a pyrad client (one UDP socket) from a small
  pool, so concurrent logins do not wait for each other.

Nothing here logs a password: one log line per exchange names the packet, the user,
the MAC and the outcome.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyrad import client as pyrad_client
from pyrad import packet as pyrad_packet
from pyrad.dictionary import Dictionary

log = logging.getLogger("simulator.radius")

#: The dictionary file shipped with the simulator.
DICTIONARY_PATH = Path(__file__).with_name("dictionary")

#: ``Acct-Terminate-Cause`` names (RFC 2866) the simulator uses.
TERMINATE_CAUSES = (
    "User-Request",
    "Lost-Carrier",
    "Lost-Service",
    "Idle-Timeout",
    "Session-Timeout",
    "Admin-Reset",
    "Admin-Reboot",
    "NAS-Request",
    "NAS-Reboot",
)

_CODE_NAMES = {
    pyrad_packet.AccessRequest: "Access-Request",
    pyrad_packet.AccessAccept: "Access-Accept",
    pyrad_packet.AccessReject: "Access-Reject",
    pyrad_packet.AccessChallenge: "Access-Challenge",
    pyrad_packet.AccountingRequest: "Accounting-Request",
    pyrad_packet.AccountingResponse: "Accounting-Response",
}

_U32 = 0xFFFFFFFF


class RadiusError(Exception):
    """A RADIUS exchange failed."""


class RadiusTimeout(RadiusError):
    """No valid reply arrived after all retries.

    Replies with a wrong Response Authenticator or Message-Authenticator are dropped
    by pyrad, so a wrong shared secret also ends here.
    """


def code_name(code: int) -> str:
    """Return the name of a RADIUS packet code, e.g. ``"Access-Accept"``."""
    return _CODE_NAMES.get(code, f"code-{code}")


@lru_cache(maxsize=4)
def _load_dictionary(path: str) -> Dictionary:
    return Dictionary(path)


def load_dictionary(path: str | Path | None = None) -> Dictionary:
    """Return the simulator's RADIUS dictionary as a pyrad ``Dictionary``.

    The result is cached per path and shared; pyrad only reads dictionaries, so
    sharing one between threads and clients is safe.
    """
    return _load_dictionary(str(path or DICTIONARY_PATH))


def split_octets(total: int) -> tuple[int, int]:
    """Split a 64-bit byte count into ``(octets, gigawords)`` (RFC 2869 5.1/5.2)."""
    if total < 0:
        raise ValueError("byte counts cannot be negative")
    return total & _U32, total >> 32


def join_octets(octets: int, gigawords: int = 0) -> int:
    """Inverse of :func:`split_octets`."""
    return (gigawords << 32) | (octets & _U32)


def format_mac(mac: str) -> str:
    """Normalise a MAC to MikroTik's RADIUS format ``XX:XX:XX:XX:XX:XX``.

    Accepts ``:``, ``-`` or ``.`` separators or none, any case.
    """
    digits = "".join(ch for ch in mac if ch not in ":-. ")
    if len(digits) != 12:
        raise ValueError(f"not a MAC address: {mac!r}")
    int(digits, 16)  # raises ValueError for non-hex digits
    digits = digits.upper()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def chap_response(
    chap_id: int | bytes, password: str | bytes, challenge: bytes
) -> bytes:
    """Return the CHAP response ``md5(id + password + challenge)`` (RFC 1994)."""
    ident = bytes([chap_id]) if isinstance(chap_id, int) else chap_id
    secret = password.encode("utf-8") if isinstance(password, str) else password
    return hashlib.md5(ident + secret + challenge).digest()


@dataclass(frozen=True)
class ChapCredentials:
    """A CHAP login: the identifier byte, the 16-byte response and the challenge."""

    chap_id: int
    response: bytes
    challenge: bytes

    @classmethod
    def of(cls, value: ChapCredentials | Sequence[Any]) -> ChapCredentials:
        """Accept a :class:`ChapCredentials` or an ``(id, response, challenge)``."""
        if isinstance(value, ChapCredentials):
            return value
        chap_id, response, challenge = value
        if isinstance(chap_id, bytes | bytearray):
            if len(chap_id) != 1:
                raise ValueError("the CHAP id is one byte")
            chap_id = chap_id[0]
        if len(response) != 16:
            raise ValueError("a CHAP response is 16 bytes (an MD5 digest)")
        return cls(int(chap_id), bytes(response), bytes(challenge))

    @property
    def chap_password(self) -> bytes:
        """The CHAP-Password attribute value: id byte + response."""
        return bytes([self.chap_id]) + self.response


@dataclass(frozen=True)
class NasIdentity:
    """How the router names itself and its port in RADIUS requests."""

    nas_identifier: str = "MikroTik"
    nas_ip_address: str = "127.0.0.1"
    called_station_id: str = "hotspot1"  # the hotspot *server name*
    nas_port_id: str = "bridge-hotspot"  # the interface
    nas_port_type: str = "Wireless-802.11"


@dataclass
class RadiusReply:
    """A decoded RADIUS reply."""

    code: int
    attributes: dict[str, list[Any]] = field(default_factory=dict)
    #: Whether the reply carried a (valid) Message-Authenticator.
    message_authenticator: bool = False
    #: Seconds from sending the request to the valid reply.
    elapsed: float = 0.0

    @property
    def code_name(self) -> str:
        """The packet type, e.g. ``"Access-Accept"``."""
        return code_name(self.code)

    def first(self, name: str, default: Any = None) -> Any:
        """Return the first value of an attribute, or ``default``."""
        values = self.attributes.get(name)
        return values[0] if values else default


@dataclass
class AuthResult(RadiusReply):
    """The outcome of an Access-Request."""

    @property
    def accepted(self) -> bool:
        """True for an Access-Accept."""
        return self.code == pyrad_packet.AccessAccept

    @property
    def reply_message(self) -> str | None:
        """The Reply-Message values joined, or None."""
        values = self.attributes.get("Reply-Message")
        return " ".join(str(v) for v in values) if values else None


def _decode_attributes(pkt: pyrad_packet.Packet) -> dict[str, list[Any]]:
    """Decode every attribute of a received packet into ``{name: [values]}``.

    Attributes missing from the dictionary are kept under ``"Unknown-<code>"`` (or
    ``"Unknown-<vendor>-<code>"``) with their raw bytes.
    """
    out: dict[str, list[Any]] = {}
    for key in pkt.keys():  # noqa: SIM118 (pyrad's keys() decodes the names)
        if isinstance(key, str):
            try:
                out[key] = list(pkt[key])
            except (KeyError, ValueError, TypeError) as err:  # malformed value
                log.warning("cannot decode %s: %s", key, err)
        elif isinstance(key, tuple):
            out[f"Unknown-{key[0]}-{key[1]}"] = list(dict.__getitem__(pkt, key))
        else:
            out[f"Unknown-{key}"] = list(dict.__getitem__(pkt, key))
    out.pop("Message-Authenticator", None)
    return out


class RadiusClient:
    """A MikroTik-like RADIUS client (authentication and accounting).

    :param server: RADIUS server address.
    :param secret: shared secret.
    :param auth_port: authentication port.
    :param acct_port: accounting port.
    :param nas: NAS attributes put in every request (see :class:`NasIdentity`).
    :param timeout: seconds to wait for a reply after each send.
    :param retries: how many times a request is sent in total.
    :param bind_address: local source address, e.g. ``"127.0.0.2"`` to play another
        router; it is also the default NAS-IP-Address.
    :param require_message_authenticator: drop replies to Access-Requests that have
        no Message-Authenticator (RouterOS >= 7.15 ``require-message-auth``). A
        Message-Authenticator that is present is always verified.
    :param dictionary: a pyrad dictionary, default :func:`load_dictionary`.
    """

    def __init__(
        self,
        server: str = "127.0.0.1",
        secret: str | bytes = "demo-router-secret-2026",  # noqa: S107 (the demo stack's secret)
        auth_port: int = 1812,
        acct_port: int = 1813,
        *,
        nas: NasIdentity | None = None,
        timeout: float = 2.0,
        retries: int = 3,
        bind_address: str | None = None,
        require_message_authenticator: bool = False,
        dictionary: Dictionary | None = None,
    ) -> None:
        self.server = server
        self.secret = secret.encode("utf-8") if isinstance(secret, str) else secret
        self.auth_port = auth_port
        self.acct_port = acct_port
        if nas is None:
            nas = NasIdentity(nas_ip_address=bind_address or "127.0.0.1")
        self.nas = nas
        self.timeout = timeout
        self.retries = retries
        self.bind_address = bind_address
        self.require_message_authenticator = require_message_authenticator
        self.dictionary = dictionary or load_dictionary()
        self._pool: list[pyrad_client.Client] = []
        self._pool_lock = threading.Lock()
        self._closed = False

    # -- socket pool ----------------------------------------------------------------

    def _new_client(self) -> pyrad_client.Client:
        cl = pyrad_client.Client(
            server=self.server,
            authport=self.auth_port,
            acctport=self.acct_port,
            secret=self.secret,
            dict=self.dictionary,
            retries=self.retries,
            timeout=self.timeout,
            enforce_ma=self.require_message_authenticator,
        )
        if self.bind_address:
            try:
                cl.bind((self.bind_address, 0))
            except OSError:
                cl._CloseSocket()
                raise
        return cl

    @contextlib.contextmanager
    def _client(self) -> Iterator[pyrad_client.Client]:
        with self._pool_lock:
            if self._closed:
                raise RadiusError("the RADIUS client is closed")
            cl = self._pool.pop() if self._pool else None
        if cl is None:
            cl = self._new_client()
        ok = False
        try:
            yield cl
            ok = True
        finally:
            with self._pool_lock:
                if ok and not self._closed:
                    self._pool.append(cl)
                    cl = None
            if cl is not None:
                # after a timeout a late reply could still arrive: use a new socket
                cl._CloseSocket()

    def close(self) -> None:
        """Close all sockets. Requests still running finish; new ones fail."""
        with self._pool_lock:
            self._closed = True
            pool, self._pool = self._pool, []
        for cl in pool:
            cl._CloseSocket()

    def __enter__(self) -> RadiusClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- common ---------------------------------------------------------------------

    def _nas_attributes(
        self,
        pkt: pyrad_packet.Packet,
        *,
        nas_identifier: str | None,
        called_station_id: str | None,
        nas_port_id: str | None,
    ) -> None:
        nas = self.nas
        pkt["NAS-Identifier"] = nas_identifier or nas.nas_identifier
        pkt["NAS-IP-Address"] = nas.nas_ip_address
        pkt["Called-Station-Id"] = called_station_id or nas.called_station_id
        pkt["NAS-Port-Type"] = nas.nas_port_type
        pkt["NAS-Port-Id"] = nas_port_id or nas.nas_port_id

    @staticmethod
    def _add_extra(pkt: pyrad_packet.Packet, extra: Mapping[str, Any] | None) -> None:
        for name, value in (extra or {}).items():
            if value is None:
                continue
            if isinstance(value, list | tuple):
                for item in value:
                    pkt.AddAttribute(name, item)
            else:
                pkt.AddAttribute(name, value)

    def _send(self, pkt: pyrad_packet.Packet, what: str) -> tuple[Any, float]:
        start = time.monotonic()
        try:
            with self._client() as cl:
                reply = cl.SendPacket(pkt)
        except OSError as err:  # e.g. the bind address does not exist
            raise RadiusError(f"RADIUS socket error: {err}") from err
        except pyrad_client.Timeout:
            elapsed = time.monotonic() - start
            port = self.auth_port if what == "auth" else self.acct_port
            raise RadiusTimeout(
                f"RADIUS server {self.server}:{port} did not answer "
                f"{code_name(pkt.code)} id={pkt.id} after {self.retries} "
                f"tries in {elapsed:.1f}s"
            ) from None
        return reply, time.monotonic() - start

    # -- authentication -------------------------------------------------------------

    def authenticate(
        self,
        username: str,
        password: str | None = None,
        *,
        chap: ChapCredentials | Sequence[Any] | None = None,
        mac: str | None = None,
        ip: str | None = None,
        session_id: str | None = None,
        nas_port: int | None = None,
        host_ip: str | None = None,
        nas_identifier: str | None = None,
        called_station_id: str | None = None,
        nas_port_id: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> AuthResult:
        """Send an Access-Request like a MikroTik hotspot and return the result.

        Give either ``password`` (PAP: User-Password) or ``chap`` (CHAP-Password +
        CHAP-Challenge, as ``(id, response, challenge)``). ``mac`` becomes
        Calling-Station-Id, ``ip`` Framed-IP-Address (and Mikrotik-Host-IP unless
        ``host_ip`` is given), ``session_id`` Acct-Session-Id; NAS-Port defaults to
        the session id read as hex, as RouterOS does. ``extra`` adds attributes
        (``{name: value or [values]}``).

        :raises RadiusTimeout: no valid reply.

        Long because it plays one whole login as a router does it (request, retries,
        answer), in the order the wire sees it.
        """
        if (password is None) == (chap is None):
            raise ValueError("give exactly one of password (PAP) or chap")
        pkt = pyrad_packet.AuthPacket(
            code=pyrad_packet.AccessRequest,
            secret=self.secret,
            dict=self.dictionary,
            message_authenticator=True,
        )
        # First attribute, as FreeRADIUS >= 3.2.5 and RouterOS >= 7.15 put it.
        pkt.add_message_authenticator()
        pkt["User-Name"] = username
        if chap is not None:
            creds = ChapCredentials.of(chap)
            pkt["CHAP-Password"] = creds.chap_password
            pkt["CHAP-Challenge"] = creds.challenge
            method = "CHAP"
        else:
            assert password is not None
            pkt["User-Password"] = pkt.PwCrypt(password)
            method = "PAP"
        if mac:
            pkt["Calling-Station-Id"] = format_mac(mac)
        self._nas_attributes(
            pkt,
            nas_identifier=nas_identifier,
            called_station_id=called_station_id,
            nas_port_id=nas_port_id,
        )
        if nas_port is None and session_id:
            with contextlib.suppress(ValueError):
                nas_port = int(session_id, 16) & _U32
        if nas_port is not None:
            pkt["NAS-Port"] = nas_port
        if session_id:
            pkt["Acct-Session-Id"] = session_id
        if ip:
            pkt["Framed-IP-Address"] = str(ipaddress.IPv4Address(ip))
        if host_ip or ip:
            pkt["Mikrotik-Host-IP"] = host_ip or ip
        self._add_extra(pkt, extra)

        try:
            reply, elapsed = self._send(pkt, "auth")
        except RadiusTimeout:
            log.warning(
                "Access-Request user=%s mac=%s %s -> no reply (timeout)",
                username,
                mac,
                method,
            )
            raise
        has_ma = dict.__contains__(reply, 80)
        if has_ma and not reply.verify_message_authenticator(
            secret=self.secret,
            original_authenticator=reply.request_authenticator or pkt.authenticator,
            original_code=pkt.code,
        ):  # pyrad already dropped such replies; this is a second look
            raise RadiusError("reply has an invalid Message-Authenticator")
        result = AuthResult(
            code=reply.code,
            attributes=_decode_attributes(reply),
            message_authenticator=has_ma,
            elapsed=elapsed,
        )
        log.info(
            "Access-Request user=%s mac=%s ip=%s %s -> %s%s (%.1f ms)",
            username,
            mac,
            ip,
            method,
            result.code_name,
            f" {result.reply_message!r}" if result.reply_message else "",
            elapsed * 1000,
        )
        return result

    # -- accounting -----------------------------------------------------------------

    def accounting(
        self,
        status_type: str,
        *,
        username: str,
        session_id: str,
        mac: str | None = None,
        ip: str | None = None,
        session_time: int | None = None,
        input_octets: int | None = None,
        output_octets: int | None = None,
        input_packets: int | None = None,
        output_packets: int | None = None,
        terminate_cause: str | None = None,
        class_values: Sequence[bytes] = (),
        nas_port: int | None = None,
        delay_time: int = 0,
        event_timestamp: int | None = None,
        nas_identifier: str | None = None,
        called_station_id: str | None = None,
        nas_port_id: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> RadiusReply:
        """Send an Accounting-Request and return the Accounting-Response.

        ``status_type`` is ``"Start"``, ``"Interim-Update"`` or ``"Stop"``. Byte
        counts are 64-bit totals, split into Acct-*-Octets and Acct-*-Gigawords.
        Counters given as None are left out (a Start has none). Class values from
        the Access-Accept are echoed with ``class_values``.

        :raises RadiusTimeout: no Accounting-Response.

        Long because it builds one accounting packet with every attribute a MikroTik
        sends, in the order of its attribute list.
        """
        pkt = pyrad_packet.AcctPacket(
            code=pyrad_packet.AccountingRequest,
            secret=self.secret,
            dict=self.dictionary,
        )
        pkt["Acct-Status-Type"] = status_type
        pkt["User-Name"] = username
        pkt["Acct-Session-Id"] = session_id
        if mac:
            pkt["Calling-Station-Id"] = format_mac(mac)
        self._nas_attributes(
            pkt,
            nas_identifier=nas_identifier,
            called_station_id=called_station_id,
            nas_port_id=nas_port_id,
        )
        if nas_port is None:
            with contextlib.suppress(ValueError):
                nas_port = int(session_id, 16) & _U32
        if nas_port is not None:
            pkt["NAS-Port"] = nas_port
        if ip:
            pkt["Framed-IP-Address"] = ip
            pkt["Mikrotik-Host-IP"] = ip
        pkt["Acct-Authentic"] = "RADIUS"
        if session_time is not None:
            pkt["Acct-Session-Time"] = int(session_time) & _U32
        for prefix, total in (("Input", input_octets), ("Output", output_octets)):
            if total is not None:
                octets, gigawords = split_octets(int(total))
                pkt[f"Acct-{prefix}-Octets"] = octets
                pkt[f"Acct-{prefix}-Gigawords"] = gigawords
        if input_packets is not None:
            pkt["Acct-Input-Packets"] = int(input_packets) & _U32
        if output_packets is not None:
            pkt["Acct-Output-Packets"] = int(output_packets) & _U32
        if terminate_cause:
            pkt["Acct-Terminate-Cause"] = terminate_cause
        for value in class_values:
            pkt.AddAttribute("Class", value)
        pkt["Acct-Delay-Time"] = delay_time
        pkt["Event-Timestamp"] = int(
            time.time() if event_timestamp is None else event_timestamp
        )
        self._add_extra(pkt, extra)

        summary = (
            f"Accounting-Request {status_type} session={session_id} user={username}"
        )
        try:
            reply, elapsed = self._send(pkt, "acct")
        except RadiusTimeout:
            log.warning("%s -> no reply (timeout)", summary)
            raise
        if session_time is not None:
            summary += f" time={session_time} in={input_octets} out={output_octets}"
        if terminate_cause:
            summary += f" cause={terminate_cause}"
        log.info("%s -> %s (%.1f ms)", summary, code_name(reply.code), elapsed * 1000)
        return RadiusReply(
            code=reply.code,
            attributes=_decode_attributes(reply),
            message_authenticator=dict.__contains__(reply, 80),
            elapsed=elapsed,
        )

    def router_accounting(
        self, status_type: str = "Accounting-On", *, delay_time: int = 0
    ) -> RadiusReply:
        """Send a router-level Accounting-Request: ``"Accounting-On"`` (the router
        started) or ``"Accounting-Off"`` (it is going down). It names the router
        only: no User-Name, no Acct-Session-Id, no counters.

        :raises RadiusTimeout: no Accounting-Response.
        """
        pkt = pyrad_packet.AcctPacket(
            code=pyrad_packet.AccountingRequest,
            secret=self.secret,
            dict=self.dictionary,
        )
        pkt["Acct-Status-Type"] = status_type
        self._nas_attributes(
            pkt, nas_identifier=None, called_station_id=None, nas_port_id=None
        )
        pkt["Acct-Delay-Time"] = delay_time
        pkt["Event-Timestamp"] = int(time.time())
        try:
            reply, elapsed = self._send(pkt, "acct")
        except RadiusTimeout:
            log.warning("Accounting-Request %s -> no reply (timeout)", status_type)
            raise
        log.info(
            "Accounting-Request %s -> %s (%.1f ms)",
            status_type,
            code_name(reply.code),
            elapsed * 1000,
        )
        return RadiusReply(code=reply.code, elapsed=elapsed)

    def accounting_start(self, **kwargs: Any) -> RadiusReply:
        """``accounting("Start", ...)``."""
        return self.accounting("Start", **kwargs)

    def accounting_interim(self, **kwargs: Any) -> RadiusReply:
        """``accounting("Interim-Update", ...)``."""
        return self.accounting("Interim-Update", **kwargs)

    def accounting_stop(
        self, *, terminate_cause: str = "User-Request", **kwargs: Any
    ) -> RadiusReply:
        """``accounting("Stop", ...)``, by default with cause User-Request."""
        return self.accounting("Stop", terminate_cause=terminate_cause, **kwargs)


def authenticate(
    username: str,
    password: str | None = None,
    *,
    server: str = "127.0.0.1",
    secret: str | bytes = "demo-router-secret-2026",  # noqa: S107 (the demo stack's secret)
    auth_port: int = 1812,
    timeout: float = 2.0,
    retries: int = 3,
    bind_address: str | None = None,
    nas: NasIdentity | None = None,
    **kwargs: Any,
) -> AuthResult:
    """One-shot :meth:`RadiusClient.authenticate` with a throwaway client.

    Long because it plays one whole login as a router does it (request, retries, answer,
    session start), in the order the wire sees it.
    """
    with RadiusClient(
        server,
        secret,
        auth_port,
        nas=nas,
        timeout=timeout,
        retries=retries,
        bind_address=bind_address,
    ) as cl:
        return cl.authenticate(username, password, **kwargs)
