"""Hooks loaded by FreeRADIUS's rlm_python3 (raddb/mods-enabled/python3).

Thin: it turns the request tuple into an :class:`AccessRequest`, parses the state
that rlm_sql fetched (request:Tmp-String-0) and asks :func:`hotspot.policy.authorize`.
No I/O here: Debian's 3.2.1 runs every Python call under one mutex, so a database
round trip in Python would serialise the whole server (see bench/RESULTS.md).
"""

from __future__ import annotations

import gc
import os
import sys
import time
from dataclasses import replace
from functools import lru_cache

# The decision itself needs only the standard library (no dependency that
# Debian's dist-packages could shadow), so it is imported once, here.
from hotspot.messages import message
from hotspot.policy import AccessRequest, Reject, counts_as_guess, parse_state
from hotspot.policy import authorize as decide

try:  # inside FreeRADIUS this is a built-in module
    import radiusd  # type: ignore[import-not-found]
except ImportError:  # imported by tests outside the server
    radiusd = None

#: Decrypted PINs kept in memory (a few hundred bytes each).
PIN_CACHE = 100_000

RLM_MODULE_REJECT = 0
RLM_MODULE_FAIL = 1
RLM_MODULE_OK = 2
RLM_MODULE_UPDATED = 8
L_INFO = 3
L_ERR = 4
L_WARN = 5

_config = None

#: raddb's mark on a request that held a value which is not UTF-8 (the request
#: reaches us emptied: rlm_python3 could not have passed it on).
NOT_UTF8 = ("Tmp-String-5", "not-utf-8")
#: Such requests are logged at most once per this many seconds, with a count.
BAD_LOG_INTERVAL = 60.0


class _Throttled:
    """One log line per interval for a kind of hostile request, however many come."""

    def __init__(self, interval: float, clock=time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self.next_at = 0.0
        self.unlogged = 0

    def seen(self, text: str) -> None:
        now = self.clock()
        self.unlogged += 1
        if now < self.next_at:
            return
        _log(L_WARN, f"{text}: {self.unlogged} since the last such line")
        self.unlogged = 0
        self.next_at = now + self.interval


_not_utf8 = _Throttled(BAD_LOG_INTERVAL)


def _log(level: int, msg: str) -> None:
    if radiusd is not None:
        radiusd.radlog(level, "hotspot: " + msg)
    else:
        print(f"hotspot[{level}]: {msg}", file=sys.stderr)


def _fix_sys_path() -> None:
    """rlm_python3 appends python_path to sys.path, after Debian's dist-packages;
    put our paths first so the project's own dependency versions win."""
    ours = [p for p in os.environ.get("HOTSPOT_PYTHON_PATH", "").split(":") if p]
    for path in reversed(ours):
        while path in sys.path:
            sys.path.remove(path)
        sys.path.insert(0, path)


def instantiate(_: object = None) -> int:
    """Load settings and keys; a negative return aborts FreeRADIUS start-up."""
    global _config
    try:
        _fix_sys_path()
        from hotspot.services.access import policy_config
        from hotspot.settings import Settings

        settings = Settings.from_env()
        settings.require("pin_key", "secret_key")
        config = policy_config(settings)
        # Fernet decryption is the costliest step of the call (HMAC + AES) and
        # runs under FreeRADIUS's one Python mutex: remember each voucher's PIN.
        _config = replace(config, decrypt_pin=lru_cache(PIN_CACHE)(config.decrypt_pin))
    except Exception as exc:  # noqa: BLE001 - report any start-up failure clearly
        _log(L_ERR, f"cannot start: {exc}")
        return -1
    gc.freeze()
    _log(L_INFO, "decision module ready")
    return 0


#: control:Tmp-Integer-1 = 1: if this request is rejected, it was a guess
#: (hotspot.policy.GUESSES) and raddb's post-auth records it. Set on a Reject that
#: is one, and on an Accept whose wrong password (chap/pap failing) would be.
_GUESS = ("Tmp-Integer-1", ":=", "1")


def _reject(reason: str, text: str) -> tuple:
    update = {"reply": (("Reply-Message", ":=", text),)}
    if counts_as_guess(reason):
        update["config"] = (_GUESS,)
    return (RLM_MODULE_REJECT, update)


def authorize(p: tuple) -> object:
    """Access-Request: decide with the state fetched by rlm_sql."""
    try:
        attrs = dict(p)
        if attrs.get(NOT_UTF8[0]) == NOT_UTF8[1]:
            _not_utf8.seen("rejected requests with values that are not UTF-8")
            return _reject("bad_request", message("bad_request"))
        username = attrs.get("User-Name", "")
        raw = attrs.get("Tmp-String-0", "")
        if not raw:
            _log(L_ERR, "no state from the database (is PostgreSQL down?)")
            reject = Reject("service_unavailable")
            return _reject(reject.reason, reject.message)
        state = parse_state(raw)
        mac = attrs.get("Calling-Station-Id", "").upper()
        router_id = state.router.id if state.router else 0
        decision = decide(
            AccessRequest(username, mac, router_id), state, time.time(), _config
        )
        if isinstance(decision, Reject):
            return _reject(decision.reason, decision.message)
        config = [("Cleartext-Password", ":=", decision.password)]
        if decision.ticket_id is not None:
            config.append(("Tmp-Integer-0", ":=", str(decision.ticket_id)))
        if decision.other_password is not None:
            config.append(("Tmp-String-3", ":=", decision.other_password))
        # The Reply-Message if the password turns out wrong (raddb's post-auth).
        wrong = decision.if_wrong
        config.append(("Tmp-String-4", ":=", message(wrong)))
        if counts_as_guess(wrong):
            config.append(_GUESS)
        return (
            RLM_MODULE_UPDATED,
            {"reply": decision.reply, "config": tuple(config)},
        )
    except Exception as exc:  # noqa: BLE001 - never let a bad packet crash a thread
        _log(L_ERR, f"authorize failed: {type(exc).__name__}: {exc}")
        return _reject("bad_request", "The request could not be understood.")


def detach(_: object = None) -> int:
    return 0
