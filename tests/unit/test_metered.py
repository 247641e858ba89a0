"""Metered cards, simultaneous use and where validity starts, in the access decision.

A metered card carries a balance (its face value) that time and/or data are charged
against. Whatever the guest does within the limits the router is told to enforce
(Session-Timeout, Mikrotik-Total-Limit[-Gigawords]), the card must never be spent
past its balance; with a single price it must not be cut short either.

``authorize`` is pure: the state is built here as ``hotspot_auth_state`` hands it to
the policy (money as JSON numbers, i.e. floats), and the money is checked with exact
fractions of the decimal amounts the database stores.
"""

from __future__ import annotations

import dataclasses
import math
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hotspot.crypto import PinCipher, new_fernet_key
from hotspot.messages import MESSAGES
from hotspot.policy import (
    GIGAWORD,
    Accept,
    AccessRequest,
    AuthState,
    Reject,
    RouterInfo,
    VoucherInfo,
    authorize,
)
from hotspot.services.access import policy_config
from hotspot.settings import Settings

NOW = 1_800_000_000.0
PIN = "482913"
PIN_KEY = new_fernet_key()
PIN_TOKEN = PinCipher(PIN_KEY).encrypt(PIN)
CONFIG = policy_config(
    Settings(
        secret_key="unit-test-secret",
        pin_key=PIN_KEY,
        acct_interim_interval=60,
        default_idle_timeout=600,
        max_session_seconds=86400,
    )
)
DAY = 86400
MB = 1_000_000
OWNER = 10
ROUTER = RouterInfo(id=1, owner_id=OWNER, enabled=True)
MAC = "AA:BB:CC:DD:EE:01"


def request(mac: str = MAC) -> AccessRequest:
    return AccessRequest(username="5012345678", mac=mac, router_id=1)


def card(
    face_value: Decimal | None,
    price_per_mb: Decimal | None = None,
    price_per_minute: Decimal | None = None,
    **fields: object,
) -> VoucherInfo:
    """A card as the SQL function describes it: numeric columns arrive as floats."""

    def number(d: Decimal | None) -> float | None:
        return None if d is None else float(d)

    base: dict[str, object] = {
        "id": 100,
        "owner_id": OWNER,
        "status": "active",
        "pin_encrypted": PIN_TOKEN,
        "face_value": number(face_value),
        "price_per_mb": number(price_per_mb),
        "price_per_minute": number(price_per_minute),
    }
    base.update(fields)
    return VoucherInfo(**base)  # type: ignore[arg-type]


def decide(
    v: VoucherInfo, open_sessions: tuple[tuple[str, float], ...] = (), mac: str = MAC
) -> Accept | Reject:
    state = AuthState(router=ROUTER, voucher=v, open_sessions=open_sessions)
    return authorize(request(mac), state, NOW, CONFIG)


def limits(decision: Accept) -> tuple[int, int | None]:
    """(Session-Timeout, total bytes or None) the router is told to enforce."""
    reply = {name: value for name, _, value in decision.reply}
    timeout = int(reply["Session-Timeout"])
    assert timeout == decision.session_timeout
    if "Mikrotik-Total-Limit" not in reply:
        assert "Mikrotik-Total-Limit-Gigawords" not in reply
        return timeout, None
    low = int(reply["Mikrotik-Total-Limit"])
    high = int(reply.get("Mikrotik-Total-Limit-Gigawords", "0"))
    assert 0 <= low < GIGAWORD
    return timeout, low + (high << 32)


def cost(
    seconds: int, nbytes: int, per_mb: Decimal | None, per_minute: Decimal | None
) -> Fraction:
    """What ``seconds`` online and ``nbytes`` transferred cost, exactly."""
    return Fraction(nbytes) / MB * Fraction(per_mb or 0) + Fraction(
        seconds
    ) / 60 * Fraction(per_minute or 0)


# -- strategies: amounts as the columns store them ----------------------------------
#: vouchers.face_value is numeric(14,2): 0.01 .. 10 000 000 here.
face_values = st.integers(min_value=1, max_value=10**9).map(
    lambda n: Decimal(n).scaleb(-2)
)
#: vouchers.price_per_mb / price_per_minute are numeric(14,4): 0.0001 .. 100 000.
prices = st.integers(min_value=1, max_value=10**9).map(lambda n: Decimal(n).scaleb(-4))
#: How much of the balance is spent already (0: a new card; > 1: overspent by the
#: router's last interim update), and how it was split between time and data.
spent_shares = st.one_of(
    st.just(Fraction(0)),
    st.fractions(min_value=0, max_value=Fraction(6, 5), max_denominator=10**6),
    st.just(Fraction(1)),
)
time_shares = st.fractions(min_value=0, max_value=1, max_denominator=1000)


def usage(
    face_value: Decimal,
    per_mb: Decimal | None,
    per_minute: Decimal | None,
    spent: Fraction,
    time_share: Fraction,
) -> tuple[int, int]:
    """(used_seconds, used_bytes) that cost about ``spent`` of the face value."""
    amount = Fraction(face_value) * spent
    if per_mb is None:
        time_share = Fraction(1)
    if per_minute is None:
        time_share = Fraction(0)
    seconds = nbytes = 0
    if per_minute:
        seconds = math.ceil(amount * time_share * 60 / Fraction(per_minute))
    if per_mb:
        nbytes = math.ceil(amount * (1 - time_share) * MB / Fraction(per_mb))
    return seconds, nbytes


def price_pairs() -> st.SearchStrategy[tuple[Decimal | None, Decimal | None]]:
    """Per MB only, per minute only, or both."""
    return st.one_of(
        st.tuples(prices, st.none()),
        st.tuples(st.none(), prices),
        st.tuples(prices, prices),
    )


# -- a session can never cost more than what is left ---------------------------------
@given(
    face_value=face_values,
    pair=price_pairs(),
    spent=spent_shares,
    time_share=time_shares,
)
@example(  # the values of the RADIUS test: 5000 UZS at 50/MB and 10/minute
    face_value=Decimal("5000.00"),
    pair=(Decimal("50.0000"), Decimal("10.0000")),
    spent=Fraction(3, 10),
    time_share=Fraction(1, 2),
)
@example(  # 2.2 PB: float arithmetic granted a few bytes more than was paid for
    face_value=Decimal("658895.39"),
    pair=(Decimal("0.0003"), None),
    spent=Fraction(0),
    time_share=Fraction(0),
)
def test_worst_mix_of_time_and_data_costs_at_most_the_balance_left(
    face_value: Decimal,
    pair: tuple[Decimal | None, Decimal | None],
    spent: Fraction,
    time_share: Fraction,
) -> None:
    per_mb, per_minute = pair
    used_seconds, used_bytes = usage(face_value, per_mb, per_minute, spent, time_share)
    v = card(
        face_value, per_mb, per_minute, used_seconds=used_seconds, used_bytes=used_bytes
    )
    left = Fraction(face_value) - cost(used_seconds, used_bytes, per_mb, per_minute)
    decision = decide(v)

    if isinstance(decision, Reject):
        assert decision.reason == "balance_used", decision
        # Refused only when not even one more second or byte is paid for (with both
        # prices, each gets half of the balance).
        share = left / 2 if per_mb and per_minute else left
        assert (per_minute and share < Fraction(per_minute) / 60) or (
            per_mb and share < Fraction(per_mb) / MB
        ), f"refused with {float(left)} left"
        return

    assert left > 0
    timeout, data = limits(decision)
    # A priced resource is always capped; a free one is not.
    assert (data is not None) == (per_mb is not None)
    assert 1 <= timeout <= DAY
    # The guest may use all the time and all the data the router allows.
    assert cost(timeout, data or 0, per_mb, per_minute) <= left


@given(
    face_value=face_values,
    price=prices,
    per=st.sampled_from(["mb", "minute"]),
    spent=spent_shares,
)
@example(
    face_value=Decimal("5000.00"), price=Decimal("50.0000"), per="mb", spent=Fraction(0)
)
@example(
    face_value=Decimal("1000.00"),
    price=Decimal("10.0000"),
    per="minute",
    spent=Fraction(0),
)
@example(
    face_value=Decimal("0.30"), price=Decimal("0.1000"), per="minute", spent=Fraction(0)
)
def test_with_one_price_the_limit_is_the_balance_to_the_unit(
    face_value: Decimal, price: Decimal, per: str, spent: Fraction
) -> None:
    per_mb, per_minute = (price, None) if per == "mb" else (None, price)
    used_seconds, used_bytes = usage(face_value, per_mb, per_minute, spent, Fraction(1))
    v = card(
        face_value, per_mb, per_minute, used_seconds=used_seconds, used_bytes=used_bytes
    )
    left = Fraction(face_value) - cost(used_seconds, used_bytes, per_mb, per_minute)
    # Whole bytes or seconds the balance left pays for.
    unit = Fraction(price) / MB if per == "mb" else Fraction(price) / 60
    units = math.floor(left / unit) if left > 0 else 0
    decision = decide(v)
    if units < 1:
        assert decision == Reject("balance_used")
        return
    assert isinstance(decision, Accept), decision
    timeout, data = limits(decision)
    if per == "mb":
        assert timeout == DAY  # time is free: only the 24-hour rule
        assert data == units
    else:
        assert data is None  # data is free
        assert timeout == min(units, DAY)


@pytest.mark.parametrize(
    ("prices_", "used_seconds", "used_bytes", "expected"),
    [
        pytest.param((50, None), 0, 100 * MB, "balance_used", id="per-mb-spent"),
        pytest.param((50, None), 0, 120 * MB, "balance_used", id="per-mb-overspent"),
        pytest.param(
            (50, None), 0, 100 * MB - 10_000, (DAY, 10_000), id="per-mb-10kB-left"
        ),
        pytest.param((None, 10), 500 * 60, 0, "balance_used", id="per-minute-spent"),
        pytest.param(
            (None, 10),
            499 * 60,
            10**9,
            (60, None),
            id="per-minute-data-free-1-minute-left",
        ),
        pytest.param((50, 10), 250 * 60, 50 * MB, "balance_used", id="both-spent"),
        # 2500 left: half for time (250 min), half for data (25 MB).
        pytest.param((50, 10), 0, 50 * MB, (7500, 25 * MB), id="both-half-each"),
        pytest.param((50, 10), 250 * 60, 0, (7500, 25 * MB), id="both-time-used"),
    ],
)
def test_a_card_whose_balance_is_used_up_is_refused(
    prices_: tuple[int | None, int | None],
    used_seconds: int,
    used_bytes: int,
    expected: str | tuple[int, int | None],
) -> None:
    per_mb, per_minute = (None if p is None else Decimal(p) for p in prices_)
    v = card(
        Decimal("5000.00"),
        per_mb,
        per_minute,
        used_seconds=used_seconds,
        used_bytes=used_bytes,
        # The tariff's own limits are far from reached: the balance is what ends it.
        time_limit=30 * DAY,
        data_limit=10**12,
    )
    decision = decide(v)
    if isinstance(expected, str):
        assert decision == Reject(expected)
        assert decision.message == "The balance of this card is used up."
        assert decision.message == MESSAGES["balance_used"]
    else:
        assert isinstance(decision, Accept), decision
        timeout, data = limits(decision)
        # Data free on this card's balance is still capped by the tariff's data limit.
        want_time, want_data = expected
        assert timeout == want_time
        assert data == (want_data if want_data is not None else 10**12 - used_bytes)


@given(
    face_value=face_values,
    pair=price_pairs(),
    spent=spent_shares,
    time_share=time_shares,
    devices=st.integers(min_value=2, max_value=4),
)
@example(
    face_value=Decimal("5000.00"),
    pair=(Decimal("50.0000"), None),
    spent=Fraction(0),
    time_share=Fraction(0),
    devices=2,
)
def test_devices_sharing_a_card_at_once_cannot_spend_more_than_its_balance(
    face_value: Decimal,
    pair: tuple[Decimal | None, Decimal | None],
    spent: Fraction,
    time_share: Fraction,
    devices: int,
) -> None:
    """A card for several devices: all of them log in at the same moment, each
    seeing the others online, before any of them reports usage."""
    per_mb, per_minute = pair
    used_seconds, used_bytes = usage(face_value, per_mb, per_minute, spent, time_share)
    v = card(
        face_value,
        per_mb,
        per_minute,
        used_seconds=used_seconds,
        used_bytes=used_bytes,
        max_devices=devices,
    )
    left = Fraction(face_value) - cost(used_seconds, used_bytes, per_mb, per_minute)
    online: tuple[tuple[str, float], ...] = ()
    total = Fraction(0)
    for n in range(devices):
        mac = f"AA:BB:CC:DD:EE:{n:02X}"
        decision = decide(v, online, mac=mac)
        if isinstance(decision, Reject):
            assert decision.reason == "balance_used"
            continue
        timeout, data = limits(decision)
        total += cost(timeout, data or 0, per_mb, per_minute)
        online += ((mac, NOW - 5),)
    assert total <= max(left, Fraction(0))


# -- the counters are the router's totals --------------------------------------------
@dataclasses.dataclass
class Counters:
    session_time: int = 0
    input_octets: int = 0
    output_octets: int = 0


def store(
    sessions: dict[str, Counters], used: list[int], packet: tuple[str, int, int, int]
) -> None:
    """What hotspot_accounting does with one packet: the largest total wins, and the
    voucher is charged only the growth (migrations/sql/0001_functions.sql)."""
    sid, seconds, inp, out = packet
    old = sessions.setdefault(sid, Counters())
    d_time = max(seconds - old.session_time, 0)
    d_bytes = max(inp - old.input_octets, 0) + max(out - old.output_octets, 0)
    sessions[sid] = Counters(
        max(old.session_time, seconds),
        max(old.input_octets, inp),
        max(old.output_octets, out),
    )
    used[0] += d_time
    used[1] += d_bytes


step = st.tuples(
    st.integers(min_value=0, max_value=600),
    st.integers(min_value=0, max_value=50 * MB),
    st.integers(min_value=0, max_value=5 * MB),
)


@given(
    growth=st.lists(st.lists(step, min_size=1, max_size=6), min_size=1, max_size=3),
    pair=price_pairs(),
    seed=st.randoms(use_true_random=False),
    duplicates=st.integers(min_value=0, max_value=5),
)
def test_out_of_order_and_duplicate_updates_charge_what_the_latest_totals_say(
    growth: list[list[tuple[int, int, int]]],
    pair: tuple[Decimal | None, Decimal | None],
    seed: random.Random,
    duplicates: int,
) -> None:
    per_mb, per_minute = pair
    # Each session's interim updates carry growing totals; the last one is the truth.
    packets: list[tuple[str, int, int, int]] = []
    latest: dict[str, tuple[int, int, int]] = {}
    for n, steps in enumerate(growth):
        sid = f"8100000{n}"
        totals = (0, 0, 0)
        packets.append((sid, *totals))  # the Start
        for s in steps:
            totals = (totals[0] + s[0], totals[1] + s[1], totals[2] + s[2])
            packets.append((sid, *totals))
        latest[sid] = totals
    # Retransmitted and late packets, in any order.
    packets += [seed.choice(packets) for _ in range(duplicates)]
    seed.shuffle(packets)

    sessions: dict[str, Counters] = {}
    used = [0, 0]
    for packet in packets:
        store(sessions, used, packet)

    true_seconds = sum(t[0] for t in latest.values())
    true_bytes = sum(t[1] + t[2] for t in latest.values())
    assert used == [true_seconds, true_bytes]
    face_value = Decimal("2000.00")
    charged = card(
        face_value, per_mb, per_minute, used_seconds=used[0], used_bytes=used[1]
    )
    truth = card(
        face_value, per_mb, per_minute, used_seconds=true_seconds, used_bytes=true_bytes
    )
    assert decide(charged) == decide(truth)


# -- where validity starts -------------------------------------------------------------
HOUR = 3600


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # validity_from=first_use: the card keeps its validity until first used.
        pytest.param(
            {"validity_seconds": 2 * HOUR},
            2 * HOUR,
            id="first-use-never-used-starts-now",
        ),
        pytest.param(
            {"validity_seconds": 2 * HOUR, "activated_at": NOW - 30 * 60},
            90 * 60,
            id="first-use-used-30min-ago",
        ),
        pytest.param(
            {"validity_seconds": 2 * HOUR, "activated_at": NOW - 2 * HOUR},
            "voucher_expired",
            id="first-use-over",
        ),
        # validity_from=creation: generation fixes expires_at, no validity_seconds.
        pytest.param(
            {"expires_at": NOW + 90 * 60},
            90 * 60,
            id="creation-made-30min-ago-never-used",
        ),
        pytest.param(
            {"expires_at": NOW + 90 * 60, "activated_at": NOW - 10 * 60},
            90 * 60,
            id="creation-first-use-does-not-restart-it",
        ),
        pytest.param(
            {"expires_at": NOW - 1},
            "voucher_expired",
            id="creation-over-before-it-was-used",
        ),
        pytest.param(
            {"expires_at": NOW + 0.5},
            "voucher_expired",
            id="creation-under-a-second-left",
        ),
        pytest.param(
            {"validity_seconds": 30 * 86400}, DAY, id="first-use-month-capped-at-24h"
        ),
    ],
)
def test_validity_from_first_use_or_from_creation(
    fields: dict[str, object], expected: int | str
) -> None:
    v = dataclasses.replace(card(None), **fields)
    decision = decide(v)
    if isinstance(expected, str):
        assert decision == Reject(expected)
    else:
        assert isinstance(decision, Accept), decision
        assert decision.session_timeout == expected


# -- devices online at once ----------------------------------------------------------
OTHER, THIRD = "AA:BB:CC:DD:EE:02", "AA:BB:CC:DD:EE:03"


@pytest.mark.parametrize(
    ("max_devices", "open_sessions", "mac", "allowed"),
    [
        pytest.param(1, (), MAC, True, id="first-device"),
        pytest.param(1, ((OTHER, NOW - 10),), MAC, False, id="another-device-online"),
        pytest.param(1, ((MAC, NOW - 10),), MAC, True, id="same-device-logs-in-again"),
        pytest.param(
            1, ((MAC, NOW - 10),), MAC.lower(), True, id="same-device-mac-in-lower-case"
        ),
        pytest.param(
            1, ((OTHER, NOW - 179),), MAC, False, id="other-heard-179s-ago-still-online"
        ),
        pytest.param(
            1, ((OTHER, NOW - 180),), MAC, True, id="other-silent-3-interims-is-stale"
        ),
        pytest.param(
            1, ((OTHER, NOW - 3 * HOUR),), MAC, True, id="other-session-never-stopped"
        ),
        pytest.param(1, (("", NOW - 10),), MAC, True, id="session-without-mac"),
        pytest.param(2, ((OTHER, NOW - 10),), MAC, True, id="two-devices-second-in"),
        pytest.param(
            2,
            ((OTHER, NOW - 10), (THIRD, NOW - 20)),
            MAC,
            False,
            id="two-devices-third-refused",
        ),
        pytest.param(
            2,
            ((OTHER, NOW - 10), (OTHER, NOW - 20)),
            MAC,
            True,
            id="two-sessions-of-one-device-count-once",
        ),
        pytest.param(
            2,
            ((OTHER, NOW - 10), (THIRD, NOW - 600)),
            MAC,
            True,
            id="two-devices-one-stale",
        ),
        pytest.param(
            2,
            ((OTHER, NOW - 10), (MAC, NOW - 20)),
            MAC,
            True,
            id="two-devices-one-is-me",
        ),
    ],
)
def test_devices_online_at_once(
    max_devices: int,
    open_sessions: tuple[tuple[str, float], ...],
    mac: str,
    allowed: bool,
) -> None:
    v = card(None, max_devices=max_devices, time_limit=HOUR)
    decision = decide(v, open_sessions, mac=mac)
    if allowed:
        assert isinstance(decision, Accept), decision
        assert decision.session_timeout == HOUR
    else:
        assert decision == Reject("device_limit")
        assert decision.message == "This voucher is already in use on another device."


def test_stale_means_three_interim_intervals_of_the_configured_length() -> None:
    config = dataclasses.replace(CONFIG, acct_interim_interval=300)
    v = card(None)
    recent = AuthState(router=ROUTER, voucher=v, open_sessions=((OTHER, NOW - 600),))
    stale = AuthState(router=ROUTER, voucher=v, open_sessions=((OTHER, NOW - 900),))
    assert authorize(request(), recent, NOW, config) == Reject("device_limit")
    assert isinstance(authorize(request(), stale, NOW, config), Accept)
