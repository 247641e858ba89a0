"""Web logins of the cabinet and the admin: who is logged in, for how long, and
what they may open. The accounts themselves are hotspot.services.accounts.

The Flask session (a signed cookie) holds the account's id, its session epoch (a
password change ends every session), the login time and the last request's: a
session ends after IDLE without a request, and after LIFETIME in any case."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, g, redirect, request, session, url_for

from hotspot.models import Account, Owner
from hotspot.services.accounts import may
from hotspot.services.audit import record
from hotspot.venues import DEFAULT_TIMEZONE, owner_timezone

from .extensions import db

SESSION_KEY = "staff"
#: A pending login: the password was right, the TOTP code is still to come.
PENDING_KEY = "staff_pending"
IDLE = dt.timedelta(minutes=30)
LIFETIME = dt.timedelta(hours=12)
PENDING_FOR = dt.timedelta(minutes=5)


def now() -> dt.datetime:
    return current_app.config["HOTSPOT_CLOCK"].now()  # type: ignore[no-any-return]


def client_address() -> str | None:
    return request.remote_addr


def log_in(account: Account) -> None:
    """Start a web session (a fresh one: nothing from before the login survives)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    stamp = now().timestamp()
    session[SESSION_KEY] = {
        "id": account.id,
        "epoch": account.session_epoch,
        "at": stamp,
        "seen": stamp,
    }


def log_out() -> None:
    session.pop(SESSION_KEY, None)
    session.pop(PENDING_KEY, None)


def current_account() -> Account | None:
    """The logged-in account, or None (no session, expired, disabled, or its
    password changed since)."""
    if "account" in g:
        return g.account  # type: ignore[no-any-return]
    g.account = None
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    t = now().timestamp()
    if t - data.get("seen", 0) > IDLE.total_seconds() or (
        t - data.get("at", 0) > LIFETIME.total_seconds()
    ):
        log_out()
        return None
    account = db.session.get(Account, data.get("id"))
    if (
        account is None
        or account.disabled_at is not None
        or account.session_epoch != data.get("epoch")
    ):
        log_out()
        return None
    data["seen"] = t
    session[SESSION_KEY] = data
    g.account = account
    return account


def staff_required(
    permission: str, *, operator: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view for a logged-in account that may ``permission`` (``operator``: only
    the operator; ``"self"``: any account, for its own login settings). Sets
    ``g.account``, ``g.owner`` (None for the operator) and ``g.timezone``; the
    view's changes are committed when it returns."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            account = current_account()
            login = "admin.login" if operator else "cabinet.login"
            if account is None:
                return redirect(url_for(login, next=request.full_path))
            if operator and account.role != "operator":
                abort(403)
            if not operator and account.owner_id is None and permission != "self":
                return redirect(url_for("admin.index"))
            if permission != "self" and not may(account, permission):
                abort(403)
            g.owner = (
                db.session.get(Owner, account.owner_id) if account.owner_id else None
            )
            g.timezone = owner_timezone(g.owner) if g.owner else DEFAULT_TIMEZONE
            result = view(*args, **kwargs)
            db.session.commit()
            return result

        return wrapper

    return decorator


def audit(action: str, detail: dict[str, Any], owner_id: int | None = None) -> None:
    """An audit row for the logged-in account's change, in the request's
    transaction."""
    account: Account = g.account
    if owner_id is None and g.get("owner") is not None:
        owner_id = g.owner.id
    record(
        db.session,
        account.email,
        action,
        detail,
        address=client_address(),
        owner_id=owner_id,
        at=now(),
    )


def safe_next(target: str | None, default: str) -> str:
    """Only a path of this site, never another host (open redirects)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default
