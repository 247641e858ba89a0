"""The access decision, table-driven: what a guest gets (or why not) for each state.

No database and no FreeRADIUS: ``authorize`` is a pure function of the request, the
state, the time and the settings. The settings are the real ones (real Fernet PIN
cipher, real ticket-password derivation), nothing is mocked.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotspot.crypto import PinCipher, new_fernet_key, ticket_password
from hotspot.messages import MESSAGES
from hotspot.policy import (
    GIGAWORD,
    STATE_FIELDS,
    Accept,
    AccessRequest,
    AuthState,
    Failures,
    GuestLimits,
    IdentificationInfo,
    Reject,
    RouterInfo,
    TicketInfo,
    VoucherInfo,
    authorize,
    parse_state,
)
from hotspot.services.access import policy_config
from hotspot.settings import Settings

NOW = 1_800_000_000.0
PIN = "482913"
SECRET_KEY = "unit-test-secret"
PIN_KEY = new_fernet_key()
CIPHER = PinCipher(PIN_KEY)
PIN_TOKEN = CIPHER.encrypt(PIN)
#: A PIN encrypted with a key the server does not have (e.g. after a bad key rotation).
FOREIGN_PIN_TOKEN = PinCipher(new_fernet_key()).encrypt(PIN)

CONFIG = policy_config(
    Settings(
        secret_key=SECRET_KEY,
        pin_key=PIN_KEY,
        acct_interim_interval=60,
        default_idle_timeout=600,
        max_session_seconds=86400,
    )
)

OWNER, OTHER_OWNER = 10, 20
ROUTER = RouterInfo(id=1, owner_id=OWNER, enabled=True)
REQUEST = AccessRequest(username="5012345678", mac="AA:BB:CC:DD:EE:01", router_id=1)
GiB = 1 << 30


def voucher(**fields: object) -> VoucherInfo:
    base: dict[str, object] = {
        "id": 100,
        "owner_id": OWNER,
        "status": "new",
        "pin_encrypted": PIN_TOKEN,
    }
    base.update(fields)
    return VoucherInfo(**base)  # type: ignore[arg-type]


def state(v: VoucherInfo | None = None, **kw: object) -> AuthState:
    return AuthState(
        router=kw.get("router", ROUTER), voucher=v, ticket=kw.get("ticket")
    )  # type: ignore[arg-type]


def reply_dict(decision: Accept) -> dict[str, str]:
    names = [name for name, _, _ in decision.reply]
    assert len(names) == len(set(names)), f"duplicate reply attributes: {names}"
    assert all(op == ":=" for _, op, _ in decision.reply)
    return {name: value for name, _, value in decision.reply}


def std(timeout: int, **extra: str) -> dict[str, str]:
    """The reply every accept carries, plus ``extra``."""
    out = {
        "Session-Timeout": str(timeout),
        "Acct-Interim-Interval": "60",
        "Idle-Timeout": "600",
    }
    out.update(extra)
    return out


ACCEPTS = [
    pytest.param(voucher(time_limit=3600, used_seconds=600), std(3000), id="time-left"),
    pytest.param(voucher(), std(86400), id="unlimited-gets-24h"),
    pytest.param(
        voucher(time_limit=7 * 86400), std(86400), id="week-of-time-capped-at-24h"
    ),
    pytest.param(
        voucher(validity_seconds=1800),
        std(1800),
        id="validity-not-yet-activated-from-now",
    ),
    pytest.param(
        voucher(validity_seconds=7200, activated_at=NOW - 3600, status="active"),
        std(3600),
        id="validity-counted-from-first-use",
    ),
    pytest.param(
        voucher(time_limit=7200, validity_seconds=3600, activated_at=NOW - 1800),
        std(1800),
        id="validity-left-shorter-than-time-left",
    ),
    pytest.param(
        voucher(time_limit=600, validity_seconds=30 * 86400, activated_at=NOW - 86400),
        std(600),
        id="time-left-shorter-than-validity-left",
    ),
    pytest.param(voucher(expires_at=NOW + 900), std(900), id="fixed-expiry"),
    pytest.param(
        voucher(expires_at=NOW + 100, validity_seconds=3600),
        std(100),
        id="fixed-expiry-before-validity-end",
    ),
    pytest.param(
        voucher(data_limit=100_000_000, used_bytes=30_000_000),
        std(86400, **{"Mikrotik-Total-Limit": "70000000"}),
        id="data-left-below-4GiB",
    ),
    pytest.param(
        voucher(data_limit=GIGAWORD - 1),
        std(86400, **{"Mikrotik-Total-Limit": "4294967295"}),
        id="data-left-just-below-4GiB",
    ),
    pytest.param(
        voucher(data_limit=GIGAWORD),
        std(
            86400,
            **{"Mikrotik-Total-Limit": "0", "Mikrotik-Total-Limit-Gigawords": "1"},
        ),
        id="data-left-exactly-4GiB",
    ),
    pytest.param(
        voucher(data_limit=10 * GiB + 12345, used_bytes=12345),
        std(
            86400,
            **{
                "Mikrotik-Total-Limit": str(2 * GiB),
                "Mikrotik-Total-Limit-Gigawords": "2",
            },
        ),
        id="data-left-10GiB-split-low-high",
    ),
    pytest.param(
        voucher(data_limit=5 * GiB + 7 + 1_000_000, used_bytes=1_000_000),
        std(
            86400,
            **{
                "Mikrotik-Total-Limit": str(GiB + 7),
                "Mikrotik-Total-Limit-Gigawords": "1",
            },
        ),
        id="data-left-5GiB-plus-7",
    ),
    pytest.param(
        voucher(rate_limit="2M/4M 4M/8M 1M/2M 10/10 8"),
        std(86400, **{"Mikrotik-Rate-Limit": "2M/4M 4M/8M 1M/2M 10/10 8"}),
        id="rate-limit-passthrough",
    ),
    pytest.param(
        voucher(idle_timeout=300),
        {**std(86400), "Idle-Timeout": "300"},
        id="tariff-idle-timeout",
    ),
]


@pytest.mark.parametrize(("v", "expected"), ACCEPTS)
def test_accept_reply(v: VoucherInfo, expected: dict[str, str]) -> None:
    decision = authorize(REQUEST, state(v), NOW, CONFIG)
    assert isinstance(decision, Accept), decision
    assert reply_dict(decision) == expected
    assert decision.session_timeout == int(expected["Session-Timeout"])
    assert decision.password == PIN
    assert decision.voucher_id == v.id
    assert decision.ticket_id is None


def test_interim_interval_and_max_session_come_from_settings() -> None:
    config = dataclasses.replace(
        CONFIG,
        acct_interim_interval=300,
        max_session_seconds=43200,
        default_idle_timeout=0,
    )
    decision = authorize(REQUEST, state(voucher()), NOW, config)
    assert isinstance(decision, Accept)
    # No default idle timeout configured and none in the tariff: none sent.
    assert reply_dict(decision) == {
        "Session-Timeout": "43200",
        "Acct-Interim-Interval": "300",
    }


REJECTS = [
    pytest.param(
        AuthState(router=None, voucher=voucher()), "router_unknown", id="router-unknown"
    ),
    pytest.param(
        AuthState(router=RouterInfo(1, OWNER, enabled=False), voucher=voucher()),
        "router_disabled",
        id="router-disabled",
    ),
    pytest.param(
        AuthState(router=RouterInfo(1, OWNER, enabled=False), voucher=None),
        "router_disabled",
        id="router-disabled-beats-unknown-code",
    ),
    pytest.param(state(None), "unknown_user", id="unknown-code"),
    pytest.param(
        state(voucher(owner_id=OTHER_OWNER)), "wrong_venue", id="other-owners-voucher"
    ),
    pytest.param(
        state(voucher(owner_id=OTHER_OWNER, status="expired")),
        "wrong_venue",
        id="other-owners-expired-voucher-says-wrong-venue",
    ),
    pytest.param(state(voucher(status="revoked")), "voucher_revoked", id="revoked"),
    pytest.param(
        state(voucher(status="expired")), "voucher_expired", id="status-expired"
    ),
    pytest.param(state(voucher(expires_at=NOW)), "voucher_expired", id="expires-now"),
    pytest.param(
        state(voucher(expires_at=NOW - 1)), "voucher_expired", id="expired-yesterday"
    ),
    pytest.param(
        state(voucher(expires_at=NOW + 0.5)),
        "voucher_expired",
        id="less-than-a-second-left-is-expired",
    ),
    pytest.param(
        state(voucher(validity_seconds=3600, activated_at=NOW - 3600)),
        "voucher_expired",
        id="validity-from-first-use-over",
    ),
    pytest.param(
        state(voucher(time_limit=3600, used_seconds=3600)),
        "time_used",
        id="time-used-up",
    ),
    pytest.param(
        state(voucher(time_limit=3600, used_seconds=3700)),
        "time_used",
        id="time-overused",
    ),
    pytest.param(
        state(voucher(data_limit=1_000_000, used_bytes=1_000_000)),
        "data_used",
        id="data-used-up",
    ),
    pytest.param(
        state(voucher(data_limit=1_000_000, used_bytes=2_000_000, status="exhausted")),
        "data_used",
        id="data-overused",
    ),
    pytest.param(
        state(voucher(pin_encrypted=FOREIGN_PIN_TOKEN)),
        "service_unavailable",
        id="pin-from-another-key",
    ),
    pytest.param(
        state(voucher(pin_encrypted="not-a-fernet-token")),
        "service_unavailable",
        id="pin-garbage",
    ),
    pytest.param(
        state(
            voucher(status="expired"),
            ticket=TicketInfo(id=7, nonce="n", expires_at=NOW + 60),
        ),
        "voucher_expired",
        id="ticket-does-not-revive-expired-voucher",
    ),
    pytest.param(
        state(
            voucher(data_limit=10, used_bytes=10),
            ticket=TicketInfo(id=7, nonce="n", expires_at=NOW + 60),
        ),
        "data_used",
        id="ticket-does-not-add-data",
    ),
]


@pytest.mark.parametrize(("s", "reason"), REJECTS)
def test_reject_reason(s: AuthState, reason: str) -> None:
    decision = authorize(REQUEST, s, NOW, CONFIG)
    assert decision == Reject(reason)
    # The guest reads a sentence, not a key.
    assert decision.message == MESSAGES[reason]
    assert decision.message != reason


def test_valid_ticket_makes_the_ticket_password_the_password() -> None:
    ticket = TicketInfo(id=42, nonce="nonce-abc", expires_at=NOW + 60)
    decision = authorize(
        REQUEST, state(voucher(time_limit=600), ticket=ticket), NOW, CONFIG
    )
    assert isinstance(decision, Accept)
    assert decision.password == ticket_password(SECRET_KEY, "nonce-abc")
    assert decision.password != PIN
    assert decision.ticket_id == 42
    assert reply_dict(decision) == std(600)
    # The card's PIN still works from the router's own page...
    assert decision.other_password == PIN


def test_a_locked_card_has_only_the_ticket() -> None:
    # ... but not once wrong PINs have locked the card out.
    ticket = TicketInfo(id=42, nonce="nonce-abc", expires_at=NOW + 60)
    locked = state(voucher(), ticket=ticket)
    locked.failures = Failures(card=CONFIG.lockout.max_card)
    decision = authorize(REQUEST, locked, NOW, CONFIG)
    assert isinstance(decision, Accept)
    assert decision.ticket_id == 42 and decision.other_password is None


@pytest.mark.parametrize("expires_in", [0, -1, -3600], ids=["now", "1s-ago", "1h-ago"])
def test_expired_ticket_falls_back_to_the_pin(expires_in: int) -> None:
    ticket = TicketInfo(id=42, nonce="nonce-abc", expires_at=NOW + expires_in)
    decision = authorize(REQUEST, state(voucher(), ticket=ticket), NOW, CONFIG)
    assert isinstance(decision, Accept)
    assert decision.password == PIN
    assert decision.ticket_id is None
    assert decision.other_password is None


def test_valid_ticket_works_even_if_the_pin_cannot_be_decrypted() -> None:
    # The portal already checked the guest; only the PIN path needs the key.
    ticket = TicketInfo(id=43, nonce="n2", expires_at=NOW + 60)
    v = voucher(pin_encrypted=FOREIGN_PIN_TOKEN)
    decision = authorize(REQUEST, state(v, ticket=ticket), NOW, CONFIG)
    assert isinstance(decision, Accept)
    assert decision.password == ticket_password(SECRET_KEY, "n2")


# -- properties -----------------------------------------------------------------------

limits = st.none() | st.integers(min_value=1, max_value=10**7)


@given(
    time_limit=limits,
    used_seconds=st.integers(min_value=0, max_value=10**7),
    data_limit=st.none() | st.integers(min_value=1, max_value=2**62),
    used_bytes=st.integers(min_value=0, max_value=2**62),
    validity=limits,
    activated_ago=st.none() | st.floats(min_value=0, max_value=10**7),
    expires_in=st.none() | st.floats(min_value=-(10**6), max_value=10**7),
)
def test_limits_in_the_reply_never_exceed_what_is_left(
    time_limit: int | None,
    used_seconds: int,
    data_limit: int | None,
    used_bytes: int,
    validity: int | None,
    activated_ago: float | None,
    expires_in: float | None,
) -> None:
    v = voucher(
        time_limit=time_limit,
        used_seconds=used_seconds,
        data_limit=data_limit,
        used_bytes=used_bytes,
        validity_seconds=validity,
        activated_at=None if activated_ago is None else NOW - activated_ago,
        expires_at=None if expires_in is None else NOW + expires_in,
    )
    decision = authorize(REQUEST, state(v), NOW, CONFIG)

    # From the absolute times the voucher stores (as the policy sees them: floats
    # near NOW round, so expires_in itself may differ from what is left by ~1e-7).
    validity_left = math.inf
    if v.expires_at is not None:
        validity_left = v.expires_at - NOW
    if validity is not None:
        start = NOW if v.activated_at is None else v.activated_at
        validity_left = min(validity_left, start + validity - NOW)
    time_left = math.inf if time_limit is None else time_limit - used_seconds
    data_left = None if data_limit is None else data_limit - used_bytes

    if validity_left < 1:
        assert decision == Reject("voucher_expired")
        return
    if time_left <= 0:
        assert decision == Reject("time_used")
        return
    if data_left is not None and data_left <= 0:
        assert decision == Reject("data_used")
        return
    assert isinstance(decision, Accept)
    reply = reply_dict(decision)
    timeout = int(reply["Session-Timeout"])
    assert timeout == decision.session_timeout
    assert 1 <= timeout <= 86400
    assert timeout <= time_left
    assert timeout <= validity_left
    # ... and it is not needlessly short (float rounding may cost one second).
    assert timeout >= min(86400, time_left, validity_left) - 1

    if data_left is None:
        assert "Mikrotik-Total-Limit" not in reply
        assert "Mikrotik-Total-Limit-Gigawords" not in reply
    else:
        low = int(reply["Mikrotik-Total-Limit"])
        high = int(reply.get("Mikrotik-Total-Limit-Gigawords", "0"))
        assert 0 <= low < GIGAWORD
        assert low + (high << 32) == data_left
        assert ("Mikrotik-Total-Limit-Gigawords" in reply) == (data_left >= GIGAWORD)


def test_state_line_of_an_unknown_router() -> None:
    assert parse_state("-") == AuthState(router=None)


def test_state_line_with_other_fields_is_refused_clearly() -> None:
    # A database migrated to another revision than the code expects.
    with pytest.raises(ValueError, match="migrations"):
        parse_state("1|1|true|0|0|0")


def test_state_line_round_trip_of_every_part() -> None:
    values = dict.fromkeys(STATE_FIELDS, "")
    values.update(
        router_id="3", router_owner="2", router_enabled="false",
        failures_card="4", failures_mac="", failures_router="7",
        ticket="11 n0nce 1800000000.5", identification="9 1800000100.25",
        blacklisted="true", guest_data_limit="1000", guest_rate_limit="1M/2M 2M/4M",
    )  # fmt: skip
    state = parse_state("|".join(values[name] for name in STATE_FIELDS))
    assert state.router == RouterInfo(3, 2, False)
    assert state.failures == Failures(card=4, mac=0, router=7)
    assert state.ticket == TicketInfo(11, "n0nce", 1800000000.5)
    assert state.identification == IdentificationInfo(9, 1800000100.25)
    assert state.blacklisted is True
    assert state.guest_limits == GuestLimits(1000, None, "1M/2M 2M/4M", None)
    assert state.voucher is None and state.open_sessions == ()
