"""Guest access through the portal: the same policy as RADIUS, then a login ticket."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, replace

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from ..crypto import PinCipher, constant_time_equals, ticket_password
from ..db import affected
from ..models import LoginTicket, Router
from ..policy import (
    LOCKOUT,
    SOURCE_PORTAL,
    Accept,
    AccessDecision,
    AccessRequest,
    AuthState,
    Lockout,
    PolicyConfig,
    Reject,
    authorize,
    counts_as_guess,
    fresh_window,
    parse_state,
)
from ..settings import Settings

_MAC_RE = re.compile(r"^[0-9A-F]{2}(:[0-9A-F]{2}){5}$")


def normalise_mac(mac: str) -> str | None:
    """``aa-bb-cc-dd-ee-ff`` -> ``AA:BB:CC:DD:EE:FF`` (MikroTik's format), or None."""
    value = mac.strip().upper().replace("-", ":")
    return value if _MAC_RE.match(value) else None


def policy_config(settings: Settings) -> PolicyConfig:
    cipher = PinCipher(settings.pin_key)
    key = settings.secret_key
    return PolicyConfig(
        decrypt_pin=cipher.decrypt,
        ticket_password=lambda nonce: ticket_password(key, nonce),
        max_session_seconds=settings.max_session_seconds,
        acct_interim_interval=settings.acct_interim_interval,
        default_idle_timeout=settings.default_idle_timeout,
    )


def load_state(
    session: Session,
    router_id: int,
    username: str,
    mac: str,
    now: dt.datetime | None = None,
    acct_interim_interval: int | None = None,
    *,
    source: str = SOURCE_PORTAL,
    lockout: Lockout = LOCKOUT,
) -> AuthState:
    """The state the decision needs: the very SQL function rlm_sql calls.

    ``acct_interim_interval``: open sessions that are stale for the policy are not
    fetched (None: all are). ``source``: whose guesses lock the device and the
    router out (the portal's, unless told otherwise)."""
    raw = session.scalar(
        text(
            "SELECT hotspot_auth_state(:r, :u, :m, :now, :fresh, :source,"
            " :window, :router_window)"
        ),
        {
            "r": str(router_id),
            "u": username,
            "m": mac,
            "now": str(now.timestamp()) if now else None,
            "fresh": None
            if acct_interim_interval is None
            else str(fresh_window(acct_interim_interval)),
            "source": source,
            "window": lockout.window,
            "router_window": lockout.router_window,
        },
    )
    return parse_state(raw)


def decide(
    session: Session,
    settings: Settings,
    router_id: int,
    username: str,
    mac: str,
    now: dt.datetime,
    *,
    ignore_ticket: bool = False,
) -> tuple[AuthState, AccessDecision]:
    """The portal's view of what RADIUS will answer: the same state, the same policy.

    ``ignore_ticket``: the portal checks a PIN itself, so a pending ticket (which
    would make the ticket's secret the password) is left out."""
    config = policy_config(settings)
    state = load_state(
        session,
        router_id,
        username,
        mac,
        now,
        settings.acct_interim_interval,
        lockout=config.lockout,
    )
    if ignore_ticket:
        state = replace(state, ticket=None)
    decision = authorize(
        AccessRequest(username, mac, router_id), state, now.timestamp(), config
    )
    return state, decision


def record_pin_failure(
    session: Session, router_id: int, username: str, mac: str, now: dt.datetime
) -> None:
    """A guess on the portal: it counts toward the card's lock-out like one at
    RADIUS, and toward the portal's own device and router lock-outs."""
    session.execute(
        text("SELECT hotspot_auth_failure(:r, :u, :m, :now, :source)"),
        {
            "r": str(router_id),
            "u": username[:64],
            "m": mac,
            "now": str(now.timestamp()),
            "source": SOURCE_PORTAL,
        },
    )


@dataclass(frozen=True)
class PortalLogin:
    """What the portal needs to log the device in at the router."""

    username: str
    password: str
    ticket: LoginTicket
    decision: Accept


def voucher_login(
    session: Session,
    settings: Settings,
    router: Router,
    code: str,
    pin: str,
    mac: str,
    now: dt.datetime,
) -> PortalLogin | Reject:
    """Check a voucher typed on the portal and issue a one-time login ticket."""
    code = code.strip().replace(" ", "").replace("-", "")
    pin = pin.strip()
    if not code or len(code) > 32:
        return Reject("unknown_user")
    state, decision = decide(
        session, settings, router.id, code, mac, now, ignore_ticket=True
    )
    if not isinstance(decision, Reject) and not constant_time_equals(
        decision.password, pin
    ):
        decision = Reject(decision.if_wrong)
    if isinstance(decision, Reject):
        if counts_as_guess(decision.reason):
            record_pin_failure(session, router.id, code, mac, now)
        return decision
    voucher_id = state.voucher.id if state.voucher else None
    ticket, password = issue_ticket(
        session, settings, router, code, mac, "voucher", now, voucher_id=voucher_id
    )
    return PortalLogin(code, password, ticket, decision)


def issue_ticket(
    session: Session,
    settings: Settings,
    router: Router,
    username: str,
    mac: str,
    method: str,
    now: dt.datetime,
    voucher_id: int | None = None,
) -> tuple[LoginTicket, str]:
    """A short-lived one-time ticket bound to the MAC and the router; returns the
    ticket and the password the router will send to RADIUS."""
    nonce = secrets.token_urlsafe(24)
    ticket = LoginTicket(
        router_id=router.id,
        username=username,
        mac=mac,
        nonce=nonce,
        method=method,
        voucher_id=voucher_id,
        expires_at=now + dt.timedelta(seconds=settings.ticket_ttl),
    )
    session.add(ticket)
    session.flush()
    return ticket, ticket_password(settings.secret_key, nonce)


def purge_login_tickets(session: Session, now: dt.datetime) -> int:
    """Delete expired tickets (used or not): they can never log anyone in."""
    result = session.execute(delete(LoginTicket).where(LoginTicket.expires_at < now))
    return affected(result)


def router_by_nas_identifier(session: Session, nas_identifier: str) -> Router | None:
    """The router of that identity, switched on or off (callers decide: a disabled
    router's guests are told the hotspot is switched off)."""
    return session.scalar(select(Router).where(Router.nas_identifier == nas_identifier))
