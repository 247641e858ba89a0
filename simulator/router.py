"""The simulated router: configuration, guest devices and active hotspot sessions.

:class:`Router` is the state machine behind the HTTP side (:mod:`simulator.hotspot`)
and, later, the RouterOS API and CoA listeners. It is thread-safe: HTTP handler
threads log guests in and out while a background thread (:meth:`Router.start`)
calls :meth:`Router.tick`, which makes synthetic traffic, sends Interim-Updates and
ends sessions whose Session-Timeout, Idle-Timeout or byte limits ran out.

Accounting for one session is serialised by a per-session lock, so a session's
Start always goes out before its Interim-Updates and its Stop after them.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from .radius import (
    AuthResult,
    NasIdentity,
    RadiusClient,
    RadiusError,
    RadiusTimeout,
    format_mac,
    join_octets,
)

log = logging.getLogger("simulator.router")

#: MikroTik's message when the RADIUS server does not answer.
ERROR_RADIUS_TIMEOUT = "RADIUS server is not responding"
#: MikroTik's message for a rejected login without a Reply-Message.
ERROR_INVALID_LOGIN = "invalid username or password"

LOGIN_METHODS = frozenset({"http-chap", "http-pap"})

#: Average packet size used to derive packet counters from byte counters.
PACKET_SIZE = 1000

_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")

#: Events kept per device (:attr:`Device.events`).
HISTORY = 50


@dataclass
class RouterConfig:
    """Settings of one simulated router. Every field has a CLI option and an
    environment variable ``HOTSPOT_SIM_<FIELD>`` (see :mod:`simulator.__main__`)."""

    # RADIUS client
    radius_host: str = "127.0.0.1"
    auth_port: int = 1812
    acct_port: int = 1813
    secret: str = "demo-router-secret-2026"  # noqa: S105 (the demo stack's secret)
    radius_timeout: float = 2.0
    radius_retries: int = 3
    #: Local source address of RADIUS packets (e.g. 127.0.0.2 to play another NAS).
    bind_address: str | None = None
    #: Drop Access-Accept/Reject without Message-Authenticator (RouterOS >= 7.15).
    require_message_authenticator: bool = False
    #: Send accounting (``/ip hotspot profile radius-accounting``).
    accounting: bool = True
    #: Incoming RADIUS (``/radius incoming``): Disconnect/CoA port on the bind
    #: address; None: off (RouterOS's default), 0: a free port.
    coa_port: int | None = None
    #: Drop Disconnect/CoA requests without Message-Authenticator.
    coa_require_message_authenticator: bool = False
    #: RouterOS API (``/ip service api``) TCP port on the bind address; None: off,
    #: 0: a free port. Its user and password:
    api_port: int | None = None
    api_username: str = "hotspot-api"
    api_password: str = "api-password-2026"  # noqa: S105 (the demo stack's)

    # identity
    #: Router identity: NAS-Identifier and ``$(identity)``.
    nas_identifier: str = "MikroTik"
    #: NAS-IP-Address; default: ``bind_address`` or 127.0.0.1.
    nas_ip_address: str | None = None
    #: Hotspot server name: Called-Station-Id and ``$(server-name)``.
    server_name: str = "hotspot1"
    #: Hotspot interface: NAS-Port-Id.
    interface: str = "bridge-hotspot"

    # hotspot
    #: External login page the router's login.html posts to.
    portal_url: str = "http://127.0.0.1:8080/login"
    #: The router's login.html (``/ip hotspot profile html-directory``), with
    #: RouterOS's ``$(name)`` variables, e.g. the one ``hotspot router script``
    #: installs; None: a stock-like page posting every variable to ``portal_url``.
    login_html: str | None = None
    #: Base URL guests reach the router at (``$(link-login-only)`` etc.); default:
    #: taken from the Host header of each request.
    public_url: str | None = None
    #: Allowed login methods (subset of http-chap, http-pap).
    login_by: tuple[str, ...] = ("http-chap", "http-pap")
    #: Guest address pool; the first host address is the router itself.
    network: str = "10.5.50.0/24"
    #: ``$(link-orig)`` when a guest opens ``/``.
    default_orig: str = "http://example.com/"

    # sessions
    #: Interim-Update interval cap in seconds: used when RADIUS sends no
    #: Acct-Interim-Interval, and caps a longer one. None: only what RADIUS sends.
    interim: float | None = None
    #: Synthetic traffic to each guest (Acct-Output-Octets), bytes per second.
    rate_down: int = 50_000
    #: Synthetic traffic from each guest (Acct-Input-Octets), bytes per second.
    rate_up: int = 10_000
    #: Seconds between two background ticks; 0 disables the background thread.
    tick: float = 1.0
    #: First Acct-Session-Id (as an int); default: 0x80000000 + a random offset.
    session_id_start: int | None = None
    #: Threads sending background accounting.
    acct_workers: int = 8

    def __post_init__(self) -> None:
        unknown = set(self.login_by) - LOGIN_METHODS
        if unknown or not self.login_by:
            raise ValueError(f"login_by must be a non-empty subset of {LOGIN_METHODS}")
        ipaddress.IPv4Network(self.network)

    def nas_identity(self) -> NasIdentity:
        """The NAS attributes this router puts in RADIUS requests."""
        return NasIdentity(
            nas_identifier=self.nas_identifier,
            nas_ip_address=self.nas_ip_address or self.bind_address or "127.0.0.1",
            called_station_id=self.server_name,
            nas_port_id=self.interface,
        )

    def radius_client(self) -> RadiusClient:
        """A RADIUS client with these settings."""
        return RadiusClient(
            self.radius_host,
            self.secret,
            self.auth_port,
            self.acct_port,
            nas=self.nas_identity(),
            timeout=self.radius_timeout,
            retries=self.radius_retries,
            bind_address=self.bind_address,
            require_message_authenticator=self.require_message_authenticator,
        )


@dataclass
class Device:
    """A guest device on the hotspot LAN, known by its MAC."""

    mac: str
    ip: str
    #: Pending CHAP identifier and challenge of the last login page rendered.
    chap_id: int | None = None
    chap_challenge: bytes | None = None
    #: Error to show on the next login page.
    last_error: str = ""
    #: Per-device traffic rates overriding the router's (bytes/s).
    rate_down: int | None = None
    rate_up: int | None = None
    #: What happened to the device, newest last: the login pages it was given
    #: (each a new CHAP challenge) and each login with what RADIUS answered
    #: (:meth:`Router.history`), to explain a login that failed.
    events: deque[str] = field(default_factory=lambda: deque(maxlen=HISTORY))
    #: Login pages rendered for the device (CHAP challenges issued).
    challenges: int = 0


def parse_bitrate(text: str) -> int:
    """Parse a RouterOS rate like ``512k``, ``2M``, ``1G`` or ``64000`` (bits/s)."""
    text = text.strip()
    units = {"k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000, "G": 10**9}
    factor = units.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in units else text
    return int(float(number) * factor)


def parse_rate_limit(value: str) -> tuple[int, int]:
    """Return ``(rx_bps, tx_bps)`` from a Mikrotik-Rate-Limit string.

    Only the first ``rx[/tx]`` pair matters here; rx is the guest's upload, tx
    its download, and a missing tx copies rx.
    """
    first = value.split()[0]
    rx, _, tx = first.partition("/")
    rx_bps = parse_bitrate(rx)
    return rx_bps, parse_bitrate(tx) if tx else rx_bps


@dataclass
class Session:
    """An active (or ended) hotspot session: ``/ip hotspot active``."""

    session_id: str
    username: str
    mac: str
    ip: str
    started_at: float  # router clock
    started_wall: float  # unix time
    session_timeout: int | None = None
    idle_timeout: int | None = None
    interim_interval: float | None = None
    rate_limit: str | None = None
    rx_limit_bps: int | None = None
    tx_limit_bps: int | None = None
    total_limit: int | None = None
    recv_limit: int | None = None
    xmit_limit: int | None = None
    class_values: list[bytes] = field(default_factory=list)
    reply: dict[str, list[Any]] = field(default_factory=dict)
    input_octets: float = 0.0  # from the guest
    output_octets: float = 0.0  # to the guest
    last_update: float = 0.0
    last_interim: float = 0.0
    last_activity: float = 0.0
    ended_at: float | None = None
    terminate_cause: str | None = None
    starts_sent: int = 0
    interims_sent: int = 0
    stops_sent: int = 0
    acct_lock: threading.Lock = field(
        default_factory=threading.Lock, repr=False, compare=False
    )

    @property
    def ended(self) -> bool:
        """True once the session has been removed from the active list."""
        return self.ended_at is not None

    def uptime(self, now: float) -> float:
        """Seconds since login (up to the end for an ended session)."""
        end = self.ended_at if self.ended_at is not None else now
        return max(0.0, end - self.started_at)

    def counters(self, now: float) -> dict[str, int]:
        """The accounting counters at ``now``."""
        # round the total, so that in + out hits a byte limit exactly
        inp = round(self.input_octets)
        out = round(self.input_octets + self.output_octets) - inp
        return {
            "session_time": int(self.uptime(now)),
            "input_octets": inp,
            "output_octets": out,
            "input_packets": -(-inp // PACKET_SIZE),
            "output_packets": -(-out // PACKET_SIZE),
        }

    def to_dict(self, now: float) -> dict[str, Any]:
        """A JSON-able view, for ``/_sim/sessions`` and the status page."""
        uptime = self.uptime(now)
        total = round(self.input_octets + self.output_octets)
        return {
            "session_id": self.session_id,
            "username": self.username,
            "mac": self.mac,
            "ip": self.ip,
            "uptime": round(uptime, 3),
            **self.counters(now),
            "session_timeout": self.session_timeout,
            "idle_timeout": self.idle_timeout,
            "time_left": (
                None
                if self.session_timeout is None
                else max(0, round(self.session_timeout - uptime, 3))
            ),
            "interim_interval": self.interim_interval,
            "rate_limit": self.rate_limit,
            "total_limit": self.total_limit,
            "recv_limit": self.recv_limit,
            "xmit_limit": self.xmit_limit,
            "bytes_left": (
                None if self.total_limit is None else max(0, self.total_limit - total)
            ),
            "class": [v.hex() for v in self.class_values],
            "reply": {k: [_jsonable(v) for v in vs] for k, vs in self.reply.items()},
            "starts_sent": self.starts_sent,
            "interims_sent": self.interims_sent,
            "stops_sent": self.stops_sent,
            "ended": self.ended,
            "terminate_cause": self.terminate_cause,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value


def _positive(value: Any) -> int | None:
    """An integer attribute value, with 0 (or absent) meaning no limit."""
    if value is None:
        return None
    number = int(value)
    return number if number > 0 else None


def _limit(result: AuthResult, name: str) -> int | None:
    low = result.first(name)
    high = result.first(f"{name}-Gigawords")
    if low is None and high is None:
        return None
    return join_octets(int(low or 0), int(high or 0)) or None


@dataclass
class LoginResult:
    """Outcome of :meth:`Router.login`."""

    ok: bool
    error: str = ""
    session: Session | None = None
    auth: AuthResult | None = None


class Router:
    """A simulated MikroTik hotspot router.

    :param config: settings; default :class:`RouterConfig()`.
    :param radius: RADIUS client; default one built from ``config``.
    :param clock: monotonic clock in seconds (tests may pass a fake one and call
        :meth:`tick` themselves with ``config.tick = 0``).
    """

    def __init__(
        self,
        config: RouterConfig | None = None,
        *,
        radius: RadiusClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config or RouterConfig()
        self.radius = radius or self.config.radius_client()
        self.clock = clock
        self._lock = threading.RLock()
        self._devices: dict[str, Device] = {}
        self._sessions: dict[str, Session] = {}  # by session id
        self._session_by_mac: dict[str, Session] = {}
        self._ended: deque[Session] = deque(maxlen=1000)
        #: ``/ip hotspot cookie``: MAC -> (id, user), made at each login (the
        #: profile's login-by=cookie would log the device back in with it).
        self._cookies: dict[str, tuple[int, str]] = {}
        self._cookie_ids = 0
        network = ipaddress.IPv4Network(self.config.network)
        hosts = network.hosts()
        self.gateway_ip = str(next(hosts))
        self._ip_pool: Iterator[ipaddress.IPv4Address] = hosts
        self._free_ips: list[str] = []
        start = self.config.session_id_start
        if start is None:
            start = 0x80000000 + secrets.randbelow(0x01000000)
        self._next_session_id = start
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, self.config.acct_workers),
            thread_name_prefix="sim-acct",
        )

    # -- devices --------------------------------------------------------------------

    def _allocate_ip(self) -> str:
        if self._free_ips:
            return self._free_ips.pop(0)
        for address in self._ip_pool:
            return str(address)
        # pool exhausted: forget the oldest device that is not logged in
        for mac, device in self._devices.items():
            if mac not in self._session_by_mac:
                del self._devices[mac]
                return device.ip
        raise RuntimeError(f"address pool {self.config.network} is exhausted")

    def device(self, mac: str | None = None, ip: str | None = None) -> Device:
        """Return the device with this MAC, creating it (random MAC if None)."""
        with self._lock:
            if mac is None:
                mac = random_mac()
                while mac in self._devices:
                    mac = random_mac()
            mac = format_mac(mac)
            device = self._devices.get(mac)
            if device is None:
                device = Device(mac=mac, ip=ip or self._allocate_ip())
                self._devices[mac] = device
            elif ip and ip != device.ip:
                device.ip = ip
            return device

    def devices(self) -> list[Device]:
        """Every device the hotspot has seen (``/ip hotspot host``)."""
        with self._lock:
            return list(self._devices.values())

    def find_device(self, mac: str) -> Device | None:
        """Return a known device, or None."""
        with self._lock:
            return self._devices.get(format_mac(mac))

    def issue_chap_challenge(self, device: Device, why: str = "") -> tuple[int, bytes]:
        """Create the CHAP id and challenge for a new login page, remembering them
        (``why``: what the page is for, in the device's :meth:`history`)."""
        chap_id, challenge = secrets.randbelow(256), secrets.token_bytes(16)
        with self._lock:
            device.chap_id, device.chap_challenge = chap_id, challenge
            device.challenges += 1
            self.note(device, f"CHAP challenge #{device.challenges} {why}".rstrip())
        return chap_id, challenge

    def note(self, device: Device, text: str) -> None:
        """One line of the device's history, with the wall-clock time."""
        now = time.time()
        millis = int(now * 1000) % 1000
        stamp = time.strftime("%H:%M:%S", time.localtime(now)) + f".{millis:03d}"
        with self._lock:
            device.events.append(f"{stamp} {text}")

    def history(self, mac: str) -> list[str]:
        """The device's recent events, oldest first (empty for an unknown MAC):
        what to look at when a login did not go as expected."""
        with self._lock:
            device = self._devices.get(format_mac(mac))
            return list(device.events) if device else []

    def pop_error(self, device: Device) -> str:
        """Return the error to show on the device's next login page, clearing it."""
        with self._lock:
            error, device.last_error = device.last_error, ""
        return error

    def set_traffic(
        self, mac: str, rate_down: int | None = None, rate_up: int | None = None
    ) -> Device:
        """Override the synthetic traffic rates of one device (None: router's)."""
        with self._lock:
            device = self.device(mac)
            device.rate_down, device.rate_up = rate_down, rate_up
            return device

    # -- sessions -------------------------------------------------------------------

    def session_for(self, mac: str) -> Session | None:
        """The active session of a device, or None."""
        with self._lock:
            return self._session_by_mac.get(format_mac(mac))

    def cookie_items(self) -> list[tuple[int, tuple[str, str]]]:
        """``/ip hotspot cookie``: (id, (MAC, user)) for each cookie."""
        with self._lock:
            return [(i, (mac, user)) for mac, (i, user) in self._cookies.items()]

    def remove_cookie(self, mac: str) -> bool:
        with self._lock:
            return self._cookies.pop(format_mac(mac), None) is not None

    def get_session(self, session_id: str) -> Session | None:
        """An active session by Acct-Session-Id, or None."""
        with self._lock:
            return self._sessions.get(session_id)

    def active_sessions(self) -> list[Session]:
        """The active sessions, oldest first."""
        with self._lock:
            return list(self._sessions.values())

    def sessions(self) -> list[dict[str, Any]]:
        """JSON-able views of the active sessions."""
        now = self.clock()
        with self._lock:
            return [s.to_dict(now) for s in self._sessions.values()]

    def ended_sessions(self) -> list[dict[str, Any]]:
        """JSON-able views of recently ended sessions, oldest first."""
        now = self.clock()
        with self._lock:
            return [s.to_dict(now) for s in self._ended]

    def _new_session_id(self) -> str:
        with self._lock:
            value = self._next_session_id
            self._next_session_id = (value + 1) & 0xFFFFFFFF
        return f"{value:08x}"

    def login(
        self,
        device: Device,
        username: str,
        password: str,
        *,
        link_logout: str | None = None,
    ) -> LoginResult:
        """Log a device in through RADIUS, as ``POST /login`` does.

        If the device has a pending CHAP challenge and ``password`` is 32 hex
        digits, it is taken as the CHAP response (what the portal computed as
        ``md5(id + password + challenge)``); otherwise the password goes out as
        PAP, if the router allows http-pap. The challenge is used once.
        """
        existing = self.session_for(device.mac)
        if existing is not None:
            return LoginResult(ok=True, session=existing)
        with self._lock:
            chap_id, challenge = device.chap_id, device.chap_challenge
            device.chap_id = device.chap_challenge = None
            pending = device.challenges if challenge else None
        chap = None
        login_by = self.config.login_by
        if (
            chap_id is not None
            and challenge
            and "http-chap" in login_by
            and _HEX32.match(password)
        ):
            chap = (chap_id, bytes.fromhex(password), challenge)
        what = f"login user={username} " + (
            f"CHAP (challenge #{pending})" if chap else f"PAP (challenge #{pending})"
        )
        if not username or (chap is None and "http-pap" not in login_by):
            return self._fail(device, ERROR_INVALID_LOGIN, note=what)

        session_id = self._new_session_id()
        try:
            result = self.radius.authenticate(
                username,
                None if chap else password,
                chap=chap,
                mac=device.mac,
                ip=device.ip,
                session_id=session_id,
                extra={"WISPr-Logoff-URL": link_logout} if link_logout else None,
            )
        except RadiusTimeout as err:
            return self._fail(device, ERROR_RADIUS_TIMEOUT, note=f"{what}: {err}")
        except RadiusError as err:
            log.warning("RADIUS error for user=%s: %s", username, err)
            return self._fail(device, ERROR_RADIUS_TIMEOUT, note=f"{what}: {err}")
        what += f": {result.code_name} after {result.elapsed * 1000:.0f} ms"
        if not result.accepted:
            error = result.reply_message or ERROR_INVALID_LOGIN
            return self._fail(device, error, result, note=what)
        self.note(device, f"{what}, session {session_id}")
        session = self._open_session(device, username, session_id, result)
        return LoginResult(ok=True, session=session, auth=result)

    def open_session(self, mac: str, username: str) -> Session:
        """A session as if RADIUS had accepted the device (benchmarks load a router
        this way without an Access-Request per guest)."""
        device = self.device(mac)
        accept = AuthResult(code=2, attributes={})  # Access-Accept, no limits
        return self._open_session(device, username, self._new_session_id(), accept)

    def _fail(
        self,
        device: Device,
        error: str,
        auth: AuthResult | None = None,
        *,
        note: str = "",
    ) -> LoginResult:
        with self._lock:
            device.last_error = error
            self.note(device, f"{note}: {error!r}" if note else repr(error))
        return LoginResult(ok=False, error=error, auth=auth)

    def _open_session(
        self, device: Device, username: str, session_id: str, result: AuthResult
    ) -> Session:
        now = self.clock()
        interval = _positive(result.first("Acct-Interim-Interval"))
        cap = self.config.interim
        candidates = [float(v) for v in (interval, cap) if v]
        rate_limit = result.first("Mikrotik-Rate-Limit")
        rx_bps = tx_bps = None
        if rate_limit:
            try:
                rx_bps, tx_bps = parse_rate_limit(str(rate_limit))
            except (ValueError, IndexError):
                log.warning("cannot parse Mikrotik-Rate-Limit %r", rate_limit)
        session = Session(
            session_id=session_id,
            username=str(result.first("User-Name") or username),
            mac=device.mac,
            ip=device.ip,
            started_at=now,
            started_wall=time.time(),
            session_timeout=_positive(result.first("Session-Timeout")),
            idle_timeout=_positive(result.first("Idle-Timeout")),
            interim_interval=min(candidates) if candidates else None,
            rate_limit=str(rate_limit) if rate_limit else None,
            rx_limit_bps=rx_bps,
            tx_limit_bps=tx_bps,
            total_limit=_limit(result, "Mikrotik-Total-Limit"),
            recv_limit=_limit(result, "Mikrotik-Recv-Limit"),
            xmit_limit=_limit(result, "Mikrotik-Xmit-Limit"),
            class_values=[bytes(v) for v in result.attributes.get("Class", [])],
            reply=dict(result.attributes),
            last_update=now,
            last_interim=now,
            last_activity=now,
        )
        with session.acct_lock:  # no Interim-Update before the Start
            with self._lock:
                other = self._session_by_mac.get(device.mac)
                if other is not None:  # a concurrent login won the race
                    return other
                self._sessions[session_id] = session
                self._session_by_mac[device.mac] = session
                self._cookie_ids += 1
                self._cookies[device.mac] = (self._cookie_ids, session.username)
                device.last_error = ""
            self._send_accounting(session, "Start")
        return session

    def logout(self, mac: str, cause: str = "User-Request") -> Session | None:
        """End the session of a device (``/logout``); returns it, or None."""
        with self._lock:
            session = self._session_by_mac.get(format_mac(mac))
            if session is None:
                return None
            now = self.clock()
            self._advance(session, now)
            self._end(session, cause, now)
        self._send_stop(session)
        return session

    def disconnect(
        self,
        session_id: str | None = None,
        *,
        username: str | None = None,
        ip: str | None = None,
        mac: str | None = None,
        cause: str = "Admin-Reset",
        background: bool = False,
    ) -> list[Session]:
        """End every active session matching all the given keys (for the API
        and CoA listeners: ``/ip hotspot active remove``, Disconnect-Request).

        ``background``: the Accounting-Stops go out from the accounting threads
        (a listener answers at once, as RouterOS does)."""
        causes = self.radius.dictionary.attributes["Acct-Terminate-Cause"].values
        if not causes.HasForward(cause):
            raise ValueError(f"unknown Acct-Terminate-Cause {cause!r}")
        now = self.clock()
        with self._lock:
            ended = self._matching(session_id, username, ip, mac)
            for session in ended:
                self._advance(session, now)
                self._end(session, cause, now)
        for session in ended:
            if background:
                self._executor.submit(self._send_stop, session)
            else:
                self._send_stop(session)
        return ended

    def _matching(
        self,
        session_id: str | None,
        username: str | None,
        ip: str | None,
        mac: str | None,
    ) -> list[Session]:
        """Active sessions matching every key given (lock held)."""
        if not any((session_id, username, ip, mac)):
            raise ValueError("give at least one of session_id, username, ip, mac")
        norm_mac = format_mac(mac) if mac else None
        return [
            session
            for session in self._sessions.values()
            if (session_id is None or session.session_id == session_id)
            and (username is None or session.username == username)
            and (ip is None or session.ip == ip)
            and (norm_mac is None or session.mac == norm_mac)
        ]

    def change_rate(
        self,
        rate_limit: str,
        *,
        session_id: str | None = None,
        username: str | None = None,
        ip: str | None = None,
        mac: str | None = None,
    ) -> list[Session]:
        """Give the matching sessions a new Mikrotik-Rate-Limit (a CoA-Request)."""
        rx_bps, tx_bps = parse_rate_limit(rate_limit)
        now = self.clock()
        with self._lock:
            changed = self._matching(session_id, username, ip, mac)
            for session in changed:
                self._advance(session, now)  # the old rate up to now
                session.rate_limit = rate_limit
                session.rx_limit_bps, session.tx_limit_bps = rx_bps, tx_bps
        return changed

    def _end(self, session: Session, cause: str, now: float) -> None:
        """Remove a session from the active list (with the lock held)."""
        if session.ended:
            return
        if session.session_timeout is not None:
            now = min(now, session.started_at + session.session_timeout)
        session.ended_at = max(now, session.started_at)
        session.terminate_cause = cause
        self._sessions.pop(session.session_id, None)
        if self._session_by_mac.get(session.mac) is session:
            del self._session_by_mac[session.mac]
        self._ended.append(session)
        log.info(
            "session %s user=%s ended: %s", session.session_id, session.username, cause
        )

    def reboot(self) -> list[Session]:
        """A power cut and a start: every session is gone without its Stop (and
        the cookies with them), then an Accounting-On tells the server so.
        Returns the sessions lost."""
        now = self.clock()
        with self._lock:
            lost = list(self._sessions.values())
            for session in lost:
                self._end(session, "NAS-Reboot", now)
            self._cookies.clear()
        if self.config.accounting:
            try:
                self.radius.router_accounting("Accounting-On")
            except RadiusError as err:
                log.warning("Accounting-On failed: %s", err)
        return lost

    # -- accounting -----------------------------------------------------------------

    def _send_accounting(self, session: Session, status: str) -> None:
        """Send one Accounting-Request; the caller holds ``session.acct_lock``."""
        with self._lock:
            counters = session.counters(self.clock())
            cause = session.terminate_cause if status == "Stop" else None
        if status == "Start":
            session.starts_sent += 1
        elif status == "Stop":
            session.stops_sent += 1
        else:
            session.interims_sent += 1
        if not self.config.accounting:
            return
        kwargs: dict[str, Any] = {}
        if status != "Start":
            kwargs = counters
        try:
            self.radius.accounting(
                status,
                username=session.username,
                session_id=session.session_id,
                mac=session.mac,
                ip=session.ip,
                terminate_cause=cause,
                class_values=session.class_values,
                **kwargs,
            )
        except RadiusError as err:
            # RouterOS keeps the session and gives up on this record
            log.warning(
                "accounting %s for %s failed: %s", status, session.session_id, err
            )

    def _send_stop(self, session: Session) -> None:
        with session.acct_lock:
            if session.stops_sent:
                return
            self._send_accounting(session, "Stop")

    def _send_interim(self, session: Session) -> None:
        with session.acct_lock:
            if session.ended:
                return
            self._send_accounting(session, "Interim-Update")

    # -- time -----------------------------------------------------------------------

    def _rates(self, session: Session) -> tuple[float, float]:
        """(down, up) bytes/s for a session, after its Mikrotik-Rate-Limit."""
        device = self._devices.get(session.mac)
        down: float = self.config.rate_down
        up: float = self.config.rate_up
        if device is not None:
            down = down if device.rate_down is None else device.rate_down
            up = up if device.rate_up is None else device.rate_up
        if session.tx_limit_bps:
            down = min(down, session.tx_limit_bps / 8)
        if session.rx_limit_bps:
            up = min(up, session.rx_limit_bps / 8)
        return down, up

    def _advance(self, session: Session, now: float) -> str | None:
        """Grow a session's counters up to ``now`` (lock held).

        Returns the terminate cause if a limit ran out, else None.
        """
        end = now
        if session.session_timeout is not None:
            end = min(end, session.started_at + session.session_timeout)
        dt = end - session.last_update
        if dt > 0:
            down, up = self._rates(session)
            inc_out, inc_in = down * dt, up * dt
            fraction = 1.0
            for limit, used, inc in (
                (
                    session.total_limit,
                    session.input_octets + session.output_octets,
                    inc_in + inc_out,
                ),
                (session.recv_limit, session.input_octets, inc_in),
                (session.xmit_limit, session.output_octets, inc_out),
            ):
                if limit is not None and inc > 0:
                    fraction = min(fraction, max(0.0, limit - used) / inc)
            session.input_octets += inc_in * fraction
            session.output_octets += inc_out * fraction
            session.last_update = end
            if inc_in + inc_out > 0:
                session.last_activity = end
        if (
            session.session_timeout is not None
            and now >= session.started_at + session.session_timeout
        ):
            return "Session-Timeout"
        for limit, used in (
            (session.total_limit, session.input_octets + session.output_octets),
            (session.recv_limit, session.input_octets),
            (session.xmit_limit, session.output_octets),
        ):
            if limit is not None and used >= limit - 0.5:
                # RouterOS ends a session whose byte limit ran out; the cause it
                # reports is taken to be Session-Timeout, like an uptime limit
                return "Session-Timeout"
        if (
            session.idle_timeout is not None
            and now - session.last_activity >= session.idle_timeout
        ):
            return "Idle-Timeout"
        return None

    def tick(self) -> None:
        """Advance every session to now: traffic, limits, Interim-Updates.

        Waits until the accounting it triggered has been sent (or timed out).
        """
        now = self.clock()
        interims: list[Session] = []
        stops: list[Session] = []
        with self._lock:
            for session in list(self._sessions.values()):
                cause = self._advance(session, now)
                if cause is not None:
                    self._end(session, cause, now)
                    stops.append(session)
                elif (
                    session.interim_interval is not None
                    and now - session.last_interim >= session.interim_interval
                ):
                    session.last_interim = now
                    interims.append(session)
        futures = [self._executor.submit(self._send_interim, s) for s in interims]
        futures += [self._executor.submit(self._send_stop, s) for s in stops]
        for future in wait(futures).done:
            if future.exception() is not None:
                log.error("accounting failed", exc_info=future.exception())

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        """Start the background tick thread (unless ``config.tick`` is 0)."""
        if self.config.tick <= 0 or self._thread is not None:
            return
        self._stop_event.clear()
        self._thread = threading.Thread(
            target=self._run, name="sim-router-tick", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        while not self._stop_event.wait(self.config.tick):
            try:
                self.tick()
            except Exception:  # keep ticking; a bug must not stop accounting
                log.exception("tick failed")

    def stop(self, *, send_stop: bool = False, cause: str = "NAS-Reboot") -> None:
        """Stop the background thread and close the RADIUS client.

        With ``send_stop`` every active session first gets an Accounting-Stop.
        """
        self._stop_event.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if send_stop:
            now = self.clock()
            with self._lock:
                sessions = list(self._sessions.values())
                for session in sessions:
                    self._advance(session, now)
                    self._end(session, cause, now)
            for session in sessions:
                self._send_stop(session)
        self._executor.shutdown(wait=True)
        self.radius.close()

    def __enter__(self) -> Router:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def random_mac() -> str:
    """A random locally administered unicast MAC in capitals."""
    octets = bytearray(secrets.token_bytes(6))
    octets[0] = (octets[0] & 0xFC) | 0x02
    return ":".join(f"{b:02X}" for b in octets)
