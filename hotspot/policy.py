"""The access decision: a pure function of the request, the state and the time.

``authorize(request, state, now, config)`` answers both RADIUS and the portal, so the
two can never disagree. No I/O happens here: the state is loaded by one query (the SQL
function ``hotspot_auth_state``), by rlm_sql on the hot path and by SQLAlchemy in the
portal, and parsed by :func:`parse_state`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from .messages import message

Reply = tuple[tuple[str, str, str], ...]

# The request, state and decision classes are built for every Access-Request, inside
# FreeRADIUS's one Python mutex: plain (not frozen) dataclasses, which construct 2.5
# times faster. Only their makers set fields; nothing changes them afterwards.

GIGAWORD = 1 << 32

#: Devices a card may have online at once, at most: tariffs accept 1 to this
#: (hotspot.services.tariffs). hotspot_auth_state fetches the open sessions of one MAC
#: more than the card's own limit, so every limit up to this one is enforced.
MAX_DEVICES = 16

#: Where a guess was made: FreeRADIUS (an Access-Request from a router) or the
#: portal (a form anyone can post). auth_failures.source; each counts its own
#: device and router lock-outs (see :class:`Lockout`).
SOURCE_RADIUS = "radius"
SOURCE_PORTAL = "portal"

#: The rejects that count as a guess toward the lock-out (an auth_failures row): an
#: unknown card number, a wrong PIN, and either while the router is locked out
#: (``guess_locked``). The only definition: rlm_hotspot flags them for raddb's
#: post-auth, the portal records them (hotspot.services.access).
GUESSES = frozenset({"unknown_user", "wrong_pin", "guess_locked"})


def counts_as_guess(reason: str) -> bool:
    return reason in GUESSES


@dataclass(frozen=True, slots=True)
class Lockout:
    """How many guesses lock what out, counted over which window (seconds).

    Three scopes, each slowing guessing without refusing every guest of a venue:

    - a card (its number, anywhere): ``max_card`` wrong PINs in ``window``; its PIN
      is then only accepted through a portal ticket. Counted from every source: a
      PIN guessed at the portal is as good as one guessed at a router.
    - a device (its MAC at one router): ``max_mac`` guesses in ``window``, even with
      a valid card: a device that keeps guessing stays locked.
    - a router: after ``max_router`` guesses in ``router_window``, every failure
      there looks the same (``guess_locked``): a made-up number is refused so, and a
      real card with a wrong PIN too, so guessing card numbers from ever new MACs
      no longer tells which exist. A right PIN still logs in: whoever floods a
      venue with made-up numbers never locks its guests out. These refusals are
      guesses too: they keep counting for the device (a device that keeps guessing
      is locked out) and keep the router's scope on while the flood lasts.

    The device and router scopes count the source's own guesses only: the portal's
    MAC is whatever a browser posts, so a flood of portal forms must not lock out
    logins at the router, nor the other way round. A card or device lock-out
    (``pin_locked``) is not a guess: the card's owner may be the one asking."""

    window: int = 15 * 60
    router_window: int = 60
    max_card: int = 5
    max_mac: int = 10
    max_router: int = 60

    def __post_init__(self) -> None:
        if not 0 < self.router_window <= self.window:
            raise ValueError("the router's window must lie within the lock-out window")


#: The lock-out rules, the one source: the decision's thresholds here, the windows
#: passed to hotspot_auth_state by the portal and by raddb (HOTSPOT_LOCKOUT_WINDOW,
#: HOTSPOT_LOCKOUT_ROUTER_WINDOW, set by devstack.freeradius).
LOCKOUT = Lockout()


@dataclass(slots=True)
class AccessRequest:
    username: str
    mac: str
    router_id: int


@dataclass(slots=True)
class RouterInfo:
    id: int
    owner_id: int
    enabled: bool


@dataclass(slots=True)
class VoucherInfo:
    id: int
    owner_id: int
    status: str
    pin_encrypted: str
    time_limit: int | None = None
    data_limit: int | None = None
    rate_limit: str | None = None
    idle_timeout: int | None = None
    validity_seconds: int | None = None
    #: Epoch seconds.
    expires_at: float | None = None
    #: A card never used expires then (unsold stock).
    sell_by: float | None = None
    activated_at: float | None = None
    used_seconds: int = 0
    used_bytes: int = 0
    #: Devices that may be online at once.
    max_devices: int = 1
    #: Metered cards: the balance (face value) and the prices charged against it.
    #: Exact (parsed from the database's decimals); floats are taken as written.
    face_value: Fraction | float | None = None
    price_per_mb: Fraction | float | None = None
    price_per_minute: Fraction | float | None = None


@dataclass(slots=True)
class TicketInfo:
    id: int
    nonce: str
    expires_at: float


@dataclass(slots=True)
class IdentificationInfo:
    """A device identified (SMS code, document) at this owner, until ``expires_at``."""

    id: int
    expires_at: float


@dataclass(slots=True)
class GuestLimits:
    """The owner's guest tariff, applied to identified (non-voucher) logins."""

    data_limit: int | None = None
    time_limit: int | None = None
    rate_limit: str | None = None
    idle_timeout: int | None = None


@dataclass(slots=True)
class Failures:
    """Recent guesses (:class:`Lockout`): for this card anywhere, this MAC at this
    router (a MAC means one device only on the network that sees it) and this
    router."""

    card: int = 0
    mac: int = 0
    router: int = 0


@dataclass(slots=True)
class AuthState:
    router: RouterInfo | None
    voucher: VoucherInfo | None = None
    ticket: TicketInfo | None = None
    identification: IdentificationInfo | None = None
    blacklisted: bool = False
    guest_limits: GuestLimits | None = None
    #: (MAC, last update epoch) of the voucher's open sessions.
    open_sessions: tuple[tuple[str, float], ...] = ()
    failures: Failures = field(default_factory=Failures)


@dataclass(frozen=True, slots=True)
class PolicyConfig:
    """What the decision needs besides the state: limits and key-derived secrets."""

    decrypt_pin: Callable[[str], str | None]
    ticket_password: Callable[[str], str]
    max_session_seconds: int = 86400
    acct_interim_interval: int = 60
    default_idle_timeout: int = 600
    lockout: Lockout = LOCKOUT


@dataclass(slots=True)
class Accept:
    #: What FreeRADIUS checks the PAP/CHAP password against
    #: (control:Cleartext-Password).
    password: str
    reply: Reply
    session_timeout: int
    voucher_id: int | None = None
    ticket_id: int | None = None
    #: Also accepted in place of ``password`` (then the ticket stays unused): the
    #: card's PIN, typed on the router's own login page while a portal ticket for
    #: this device is pending.
    other_password: str | None = None
    #: Why the login is refused if the password turns out wrong (a guess).
    if_wrong: str = "wrong_pin"


@dataclass(slots=True)
class Reject:
    reason: str

    @property
    def message(self) -> str:
        return message(self.reason)


AccessDecision = Accept | Reject

#: An open session silent for this many interim intervals is stale (a lost Stop):
#: it no longer takes one of the card's devices.
STALE_INTERIMS = 3


def fresh_window(acct_interim_interval: int) -> int:
    """Seconds since its last accounting during which an open session counts as
    online (hotspot_auth_state's ``p_fresh``: older ones are not even fetched)."""
    return STALE_INTERIMS * acct_interim_interval


def authorize(
    request: AccessRequest, state: AuthState, now: float, config: PolicyConfig
) -> AccessDecision:
    """Decide whether ``request`` may log in, and with which limits.

    Long because it is the hot path: it runs for every Access-Request inside
    FreeRADIUS's one Python mutex, where each extra call is measured time
    (bench/RESULTS.md); the rules are kept in the order they apply.
    """
    router = state.router
    if router is None:
        return Reject("router_unknown")
    if not router.enabled:
        return Reject("router_disabled")
    if state.blacklisted:
        return Reject("phone_blocked")
    has_ticket = state.ticket is not None and state.ticket.expires_at > now
    f = state.failures
    lock = config.lockout
    if not has_ticket and f.mac >= lock.max_mac:
        # Guessing card numbers or PINs from this device: locked out.
        return Reject("pin_locked")
    voucher = state.voucher
    if voucher is None:
        if state.identification is not None:
            return _authorize_identified(state, state.identification, now, config)
        return Reject(_wrong_name_or_pin(state, has_ticket, lock))
    if voucher.owner_id != router.owner_id:
        return Reject("wrong_venue")
    if voucher.status == "revoked":
        return Reject("voucher_revoked")

    if voucher.activated_at is None and voucher.sell_by is not None:
        if voucher.sell_by <= now:
            return Reject("voucher_expired")  # unsold stock past its date
    valid_until = voucher_valid_until(voucher, now)
    # Less than a second left is expired: Session-Timeout counts whole seconds, and
    # the smallest one would outlast the voucher.
    if voucher.status == "expired" or (
        valid_until is not None and valid_until - now < 1
    ):
        return Reject("voucher_expired")
    time_left = None
    if voucher.time_limit is not None:
        time_left = voucher.time_limit - voucher.used_seconds
        if time_left <= 0:
            return Reject("time_used")
    data_left = None
    if voucher.data_limit is not None:
        data_left = voucher.data_limit - voucher.used_bytes
        if data_left <= 0:
            return Reject("data_used")
    balance = metered_allowance(voucher)
    if balance is not None:
        if balance[0] is not None and balance[0] <= 0:
            return Reject("balance_used")
        if balance[1] is not None and balance[1] <= 0:
            return Reject("balance_used")
        time_left = _smallest(time_left, balance[0])
        data_left = _smallest(data_left, balance[1])

    # Simultaneous use: an open session silent for too long is stale (a lost Stop).
    fresh_after = now - fresh_window(config.acct_interim_interval)
    others = {
        mac
        for mac, updated in state.open_sessions
        if mac and mac != request.mac.upper() and updated > fresh_after
    }
    if len(others) >= voucher.max_devices:
        return Reject("device_limit")

    ticket = state.ticket
    ticket_id = None
    other_password = None
    if ticket is not None and ticket.expires_at > now:
        password = config.ticket_password(ticket.nonce)
        ticket_id = ticket.id
        if f.card < lock.max_card:
            other_password = config.decrypt_pin(voucher.pin_encrypted)
    else:
        # The PIN is checked by FreeRADIUS: refuse while this card is locked out.
        if f.card >= lock.max_card:
            return Reject("pin_locked")
        pin = config.decrypt_pin(voucher.pin_encrypted)
        if pin is None:
            # A PIN encrypted with another key: refuse rather than guess.
            return Reject("service_unavailable")
        password = pin

    timeout = session_timeout(now, config.max_session_seconds, time_left, valid_until)
    reply = limit_reply(
        timeout,
        data_left,
        voucher.rate_limit,
        voucher.idle_timeout or config.default_idle_timeout,
        config.acct_interim_interval,
    )
    return Accept(
        password,
        reply,
        timeout,
        voucher.id,
        ticket_id,
        other_password,
        _wrong_name_or_pin(state, has_ticket, lock, "wrong_pin"),
    )


def _wrong_name_or_pin(
    state: AuthState, has_ticket: bool, lock: Lockout, usual: str = "unknown_user"
) -> str:
    """Why a wrong card number or password is refused: ``usual``, or the same
    answer for both while guesses at this router lock it out (:class:`Lockout`)."""
    if not has_ticket and state.failures.router >= lock.max_router:
        return "guess_locked"
    return usual


def _authorize_identified(
    state: AuthState, ident: IdentificationInfo, now: float, config: PolicyConfig
) -> AccessDecision:
    """A phone or document login: only with a fresh one-time ticket from the portal,
    and never past the end of the identification (the 24-hour rule)."""
    if ident.expires_at - now < 1:
        return Reject("identification_expired")
    ticket = state.ticket
    if ticket is None or ticket.expires_at <= now:
        return Reject("ticket_expired")
    limits = state.guest_limits or GuestLimits()
    timeout = session_timeout(
        now, config.max_session_seconds, limits.time_limit, ident.expires_at
    )
    reply = limit_reply(
        timeout,
        limits.data_limit,
        limits.rate_limit,
        limits.idle_timeout or config.default_idle_timeout,
        config.acct_interim_interval,
    )
    return Accept(config.ticket_password(ticket.nonce), reply, timeout, None, ticket.id)


def _smallest(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def metered_allowance(voucher: VoucherInfo) -> tuple[int | None, int | None] | None:
    """(seconds, bytes) the card's balance still pays for, or None if not metered.

    Counters come from the router's totals, so the charge so far is exact. When both
    time and data are priced, each gets half of the balance left: whatever mix the
    guest uses, one session can never cost more than the balance (the next login
    gets half of what is then left). A card for several devices at once gives each
    session its share of that, so devices logging in together cannot overspend it.
    Money is counted exactly (the database's decimals arrive as text)."""
    if voucher.face_value is None or (
        voucher.price_per_mb is None and voucher.price_per_minute is None
    ):
        return None
    per_mb = _exact(voucher.price_per_mb)
    per_min = _exact(voucher.price_per_minute)
    spent = (
        Fraction(voucher.used_bytes, 1_000_000) * per_mb
        + Fraction(voucher.used_seconds, 60) * per_min
    )
    left = _exact(voucher.face_value) - spent
    if left <= 0:
        return (0 if per_min else None, 0 if per_mb else None)
    share = left / (2 if per_mb and per_min else 1) / max(voucher.max_devices, 1)
    seconds = math.floor(share / per_min * 60) if per_min else None
    data = math.floor(share / per_mb * 1_000_000) if per_mb else None
    return seconds, data


def _exact(amount: Fraction | float | None) -> Fraction:
    """A decimal amount (a numeric column) as an exact fraction."""
    if not amount:
        return Fraction(0)
    return amount if isinstance(amount, Fraction) else Fraction(str(amount))


def voucher_valid_until(voucher: VoucherInfo, now: float) -> float | None:
    """The end of validity: a fixed date, or counted from first use."""
    ends = []
    if voucher.expires_at is not None:
        ends.append(voucher.expires_at)
    if voucher.validity_seconds is not None:
        start = voucher.activated_at if voucher.activated_at is not None else now
        ends.append(start + voucher.validity_seconds)
    return min(ends) if ends else None


def session_timeout(
    now: float, max_seconds: int, time_left: int | None, valid_until: float | None
) -> int:
    """The smallest of the time left, the validity left and the 24-hour rule."""
    timeout = max_seconds
    if time_left is not None:
        timeout = min(timeout, time_left)
    if valid_until is not None:
        timeout = min(timeout, int(valid_until - now))
    return max(timeout, 1)


def limit_reply(
    timeout: int,
    data_left: int | None,
    rate_limit: str | None,
    idle_timeout: int | None,
    interim: int,
) -> Reply:
    """The Access-Accept attributes a MikroTik enforces."""
    reply: list[tuple[str, str, str]] = [
        ("Session-Timeout", ":=", str(timeout)),
        ("Acct-Interim-Interval", ":=", str(interim)),
    ]
    if idle_timeout:
        reply.append(("Idle-Timeout", ":=", str(idle_timeout)))
    if rate_limit:
        reply.append(("Mikrotik-Rate-Limit", ":=", rate_limit))
    if data_left is not None:
        reply.append(("Mikrotik-Total-Limit", ":=", str(data_left % GIGAWORD)))
        if data_left >= GIGAWORD:
            reply.append(("Mikrotik-Total-Limit-Gigawords", ":=", str(data_left >> 32)))
    return tuple(reply)


#: The fields of ``hotspot_auth_state``'s answer, in order: one line, separated by
#: ``|``, an empty field for NULL (migrations/sql/0010_functions.sql writes them;
#: tests/integration/test_auth_sql.py checks each lands where this says).
#: ``ticket`` is "id nonce expiry", ``identification`` "id expiry", ``sessions``
#: "MAC@last-update ..." (one per MAC, newest first, at most the card's device limit
#: plus one); times are epoch seconds. A line of ``-``: no such router.
STATE_FIELDS = (
    "router_id", "router_owner", "router_enabled",
    "failures_card", "failures_mac", "failures_router",
    "ticket",
    "voucher_id", "voucher_owner", "status", "pin", "time_limit", "data_limit",
    "rate_limit", "idle_timeout", "validity", "expires_at", "sell_by", "activated_at",
    "used_seconds", "used_bytes", "max_devices", "face_value", "price_per_mb",
    "price_per_minute",
    "sessions",
    "identification", "blacklisted",
    "guest_data_limit", "guest_time_limit", "guest_rate_limit", "guest_idle_timeout",
)  # fmt: skip


def _int(value: str) -> int | None:
    return int(value) if value else None


def _money(value: str) -> Fraction | None:
    return Fraction(value) if value else None


def parse_state(text: str) -> AuthState:
    """Parse the line made by the SQL function ``hotspot_auth_state``."""
    if text == "-":
        return AuthState(router=None)
    f = text.split("|")
    if len(f) != len(STATE_FIELDS):
        raise ValueError(
            f"hotspot_auth_state answered {len(f)} fields, expected "
            f"{len(STATE_FIELDS)}: are the migrations applied?"
        )
    (r_id, r_owner, r_on, f_card, f_mac, f_router, ticket,
     v_id, v_owner, status, pin, tl, dl, rate, idle, vd, exp, sb, act, us, ub, md,
     fv, pmb, pmin, sessions, ident, black, g_dl, g_tl, g_rate, g_idle) = f  # fmt: skip
    # Positional and inline: this runs for every Access-Request (see the note above
    # the state classes).
    voucher = None
    if v_id:
        voucher = VoucherInfo(
            int(v_id), int(v_owner), status, pin,
            int(tl) if tl else None, int(dl) if dl else None, rate or None,
            int(idle) if idle else None, int(vd) if vd else None,
            float(exp) if exp else None, float(sb) if sb else None,
            float(act) if act else None,
            int(us) if us else 0, int(ub) if ub else 0, int(md) if md else 1,
            _money(fv), _money(pmb), _money(pmin),
        )  # fmt: skip
    state = AuthState(RouterInfo(int(r_id), int(r_owner), r_on == "true"), voucher)
    if f_card or f_mac or f_router:
        state.failures = Failures(int(f_card or 0), int(f_mac or 0), int(f_router or 0))
    if ticket:
        t = ticket.split(" ")
        state.ticket = TicketInfo(int(t[0]), t[1], float(t[2]))
    if sessions:
        state.open_sessions = tuple(
            (mac, float(upd))
            for mac, _, upd in (s.rpartition("@") for s in sessions.split(" "))
        )
    if ident:
        i = ident.split(" ")
        state.identification = IdentificationInfo(int(i[0]), float(i[1]))
    if black:
        state.blacklisted = black == "true"
    if g_dl or g_tl or g_rate or g_idle:
        state.guest_limits = GuestLimits(
            _int(g_dl), _int(g_tl), g_rate or None, _int(g_idle)
        )
    return state
