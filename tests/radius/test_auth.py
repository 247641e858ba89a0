"""Voucher logins at a router's own login page (card number + PIN), PAP and CHAP,
through the real FreeRADIUS: what the router is told to enforce, and why a guest is
refused."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from hotspot.clock import utcnow
from hotspot.messages import MESSAGES
from simulator.radius import AuthResult, RadiusClient, chap_response

MAC = "AA:BB:CC:00:10:01"


def login(
    nas: RadiusClient, user: str, pin: str, method: str, mac: str = MAC
) -> AuthResult:
    if method == "CHAP":
        challenge, chap_id = os.urandom(16), 7
        return nas.authenticate(
            user,
            chap=(chap_id, chap_response(chap_id, pin, challenge), challenge),
            mac=mac,
        )
    return nas.authenticate(user, pin, mac=mac)


METHODS = pytest.mark.parametrize("method", ["PAP", "CHAP"])


@METHODS
@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        pytest.param(
            {"time": "60m", "data": "100MB", "rate": "2M/4M"},
            {
                "Session-Timeout": [3600],
                "Acct-Interim-Interval": [60],
                "Idle-Timeout": [600],
                "Mikrotik-Rate-Limit": ["2M/4M"],
                "Mikrotik-Total-Limit": [100_000_000],
            },
            id="hour-100MB-2M",
        ),
        pytest.param(
            {"data": "10GB", "idle": "5m", "rate": "1M/2M 2M/4M 1M/2M 10/10 8"},
            {
                "Session-Timeout": [86400],
                "Acct-Interim-Interval": [60],
                "Idle-Timeout": [300],
                "Mikrotik-Rate-Limit": ["1M/2M 2M/4M 1M/2M 10/10 8"],
                "Mikrotik-Total-Limit": [10**10 & 0xFFFFFFFF],
                "Mikrotik-Total-Limit-Gigawords": [10**10 >> 32],
            },
            id="10GB-gigawords-burst",
        ),
        pytest.param(
            {},
            {
                "Session-Timeout": [86400],
                "Acct-Interim-Interval": [60],
                "Idle-Timeout": [600],
            },
            id="unlimited-24h",
        ),
        pytest.param(
            {"time": "2h", "validity": "30m"},
            {
                "Session-Timeout": [1800],
                "Acct-Interim-Interval": [60],
                "Idle-Timeout": [600],
            },
            id="validity-shorter-than-time",
        ),
    ],
)
def test_voucher_login_is_accepted_with_its_limits(
    nas_a, make_voucher, method, limits, expected
) -> None:
    v = make_voucher("a", **limits)
    r = login(nas_a, v.code, v.pin, method)
    assert r.accepted, r.reply_message
    assert r.attributes == expected
    assert r.message_authenticator


def test_validity_counts_from_first_use(nas_a, make_voucher) -> None:
    v = make_voucher(
        "a", validity="2h", columns={"activated_at": utcnow() - dt.timedelta(hours=1)}
    )
    r = nas_a.authenticate(v.code, v.pin, mac=MAC)
    assert r.accepted, r.reply_message
    assert 3595 <= r.first("Session-Timeout") <= 3600


def _past() -> dict[str, object]:
    return {"expires_at": utcnow() - dt.timedelta(minutes=1)}


#: (voucher owner or None for an unknown code, router, limits, columns, wrong PIN?)
REJECTS = [
    pytest.param("a", "a", {}, {}, True, "wrong_pin", id="wrong-pin"),
    pytest.param(None, "a", {}, {}, False, "unknown_user", id="unknown-code"),
    pytest.param(
        "a", "b", {}, {}, False, "wrong_venue", id="other-owners-voucher-at-b"
    ),
    pytest.param(
        "b", "a", {}, {}, False, "wrong_venue", id="other-owners-voucher-at-a"
    ),
    pytest.param(
        "a",
        "a",
        {},
        {"status": "expired"},
        False,
        "voucher_expired",
        id="expired-status",
    ),
    pytest.param("a", "a", {}, "past", False, "voucher_expired", id="expired-date"),
    pytest.param(
        "a",
        "a",
        {"validity": "1h"},
        {"activated_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
        False,
        "voucher_expired",
        id="validity-over",
    ),
    pytest.param(
        "a", "a", {}, {"status": "revoked"}, False, "voucher_revoked", id="revoked"
    ),
    pytest.param(
        "a",
        "a",
        {"time": "1h"},
        {"used_seconds": 3600},
        False,
        "time_used",
        id="no-time-left",
    ),
    pytest.param(
        "a",
        "a",
        {"data": "1MB"},
        {"used_bytes": 1_000_000},
        False,
        "data_used",
        id="no-data-left",
    ),
]


@METHODS
@pytest.mark.parametrize(
    ("owner", "router", "limits", "columns", "wrong_pin", "reason"), REJECTS
)
def test_reject_says_why_and_carries_nothing_else(
    nas_a,
    nas_b,
    make_voucher,
    method,
    owner,
    router,
    limits,
    columns,
    wrong_pin,
    reason,
) -> None:
    if owner is None:
        code, pin = "9" + os.urandom(5).hex()[:9], "123456"
    else:
        v = make_voucher(
            owner, columns=_past() if columns == "past" else columns, **limits
        )
        code, pin = v.code, v.pin
        if wrong_pin:
            pin = "000000" if v.pin != "000000" else "111111"
    r = login(nas_a if router == "a" else nas_b, code, pin, method)
    assert not r.accepted
    # Only the reason: no Session-Timeout, no limits, nothing the router could apply.
    assert r.attributes == {"Reply-Message": [MESSAGES[reason]]}
    assert r.message_authenticator
