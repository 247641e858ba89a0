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
    Accept,
    AccessDecision,
    AccessRequest,
    AuthState,
    PolicyConfig,
    Reject,
    authorize,
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
) -> AuthState:
    """The state the decision needs: the very SQL function rlm_sql calls.

    ``acct_interim_interval``: open sessions that are stale for the policy are not
    fetched (None: all are)."""
    raw = session.scalar(
        text("SELECT hotspot_auth_state(:r, :u, :m, :now, :fresh)"),
        {
            "r": str(router_id),
            "u": username,
            "m": mac,
            "now": str(now.timestamp()) if now else None,
            "fresh": None
            if acct_interim_interval is None
            else str(fresh_window(acct_interim_interval)),
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
    state = load_state(
        session, router_id, username, mac, now, settings.acct_interim_interval
    )
    if ignore_ticket:
        state = replace(state, ticket=None)
    decision = authorize(
        AccessRequest(username, mac, router_id),
        state,
        now.timestamp(),
        policy_config(settings),
    )
    return state, decision


def record_pin_failure(
    session: Session, router_id: int, username: str, mac: str, now: dt.datetime
) -> None:
    """A wrong PIN typed on the portal counts toward the lock-out like one at RADIUS."""
    session.execute(
        text("SELECT hotspot_auth_failure(:r, :u, :m, :now)"),
        {
            "r": str(router_id),
            "u": username[:64],
            "m": mac,
            "now": str(now.timestamp()),
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
    if isinstance(decision, Reject):
        if decision.reason == "unknown_user":
            record_pin_failure(session, router.id, code, mac, now)
        return decision
    if not constant_time_equals(decision.password, pin):
        record_pin_failure(session, router.id, code, mac, now)
        return Reject("wrong_pin")
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
    return session.scalar(
        select(Router).where(Router.nas_identifier == nas_identifier, Router.enabled)
    )
