"""The SQL functions FreeRADIUS calls on the hot path (through rlm_sql): the router
behind a source address, the state the decision needs, and using up a ticket."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hotspot.errors import InvalidInput
from hotspot.models import (
    AuthFailure,
    Identification,
    LoginTicket,
    PhoneBlacklist,
    Router,
)
from hotspot.policy import (
    LOCKOUT,
    MAX_DEVICES,
    SOURCE_PORTAL,
    SOURCE_RADIUS,
    STATE_FIELDS,
    AuthState,
    Failures,
    RouterInfo,
    TicketInfo,
    VoucherInfo,
    parse_state,
)
from hotspot.settings import Settings
from tests import factories

MAC = "AA:BB:CC:DD:EE:01"
OTHER_MAC = "AA:BB:CC:DD:EE:02"


def client(session: Session, ip: str) -> str | None:
    return session.scalar(text("SELECT hotspot_client(:ip)"), {"ip": ip})


def auth_line(
    session: Session,
    router: str,
    user: str,
    mac: str,
    now: dt.datetime | None = None,
    fresh: str | None = None,
    source: str = SOURCE_RADIUS,
) -> str:
    """What rlm_sql fetches (``now``: the request time; ``fresh``: the policy's
    horizon for open sessions), as raddb asks for it."""
    return session.scalar(
        text("SELECT hotspot_auth_state(:r, :u, :m, :now, :fresh, :source, :w, :rw)"),
        {
            "r": router,
            "u": user,
            "m": mac,
            "now": None if now is None else str(now.timestamp()),
            "fresh": fresh,
            "source": source,
            "w": LOCKOUT.window,
            "rw": LOCKOUT.router_window,
        },
    )


def auth_state(*args: object, **kwargs: object) -> AuthState:
    return parse_state(auth_line(*args, **kwargs))  # type: ignore[arg-type]


def epoch(value: dt.datetime | None) -> float | None:
    return None if value is None else value.timestamp()


# -- hotspot_client -----------------------------------------------------------------


def test_client_of_an_enabled_router(db_session: Session) -> None:
    owner = factories.owner(db_session)
    plain = factories.router(
        db_session,
        owner,
        ip="10.77.0.1",
        secret="s3cret-plain-secret",
        require_message_authenticator=False,
    )
    strict = factories.router(
        db_session,
        owner,
        ip="10.77.0.2",
        secret="s3cret:with/odd+chars!",
        require_message_authenticator=True,
    )
    assert client(db_session, "10.77.0.1") == f"{plain.id} 0 s3cret-plain-secret"
    assert client(db_session, "10.77.0.2") == f"{strict.id} 1 s3cret:with/odd+chars!"


@pytest.mark.parametrize(
    "ip", ["10.77.0.9", "", "not-an-ip", "10.77.0.1'; DROP TABLE routers; --", "::1"]
)
def test_no_client_for_unknown_addresses(db_session: Session, ip: str) -> None:
    factories.router(db_session, factories.owner(db_session), ip="10.77.0.1")
    assert client(db_session, ip) is None


def test_a_disabled_router_is_still_a_client(db_session: Session) -> None:
    # Still answered: the decision tells its guests the hotspot is switched off.
    r = factories.router(db_session, factories.owner(db_session), ip="10.77.0.3")
    r.enabled = False
    db_session.flush()
    assert client(db_session, "10.77.0.3") == f"{r.id} 1 {r.radius_secret}"


# -- hotspot_auth_state -------------------------------------------------------------


def test_auth_state_carries_what_the_policy_needs(
    db_session: Session, settings: Settings
) -> None:
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    v = factories.voucher(
        db_session,
        owner,
        settings.pin_key,
        time="2h",
        data="5GB",
        rate="2M/4M",
        validity="30d",
        idle="5m",
    ).voucher
    v.activated_at = dt.datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=dt.UTC)
    v.expires_at = dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
    v.used_seconds, v.used_bytes, v.status = 120, 6 * (1 << 30), "active"
    db_session.flush()

    state = auth_state(db_session, str(router.id), v.code, MAC)
    assert state == AuthState(
        router=RouterInfo(router.id, owner.id, True),
        voucher=VoucherInfo(
            id=v.id,
            owner_id=owner.id,
            status="active",
            pin_encrypted=v.pin_encrypted,
            time_limit=7200,
            data_limit=5_000_000_000,
            rate_limit="2M/4M",
            idle_timeout=300,
            validity_seconds=30 * 86400,
            expires_at=v.expires_at.timestamp(),
            activated_at=v.activated_at.timestamp(),
            used_seconds=120,
            used_bytes=6 * (1 << 30),
        ),
        ticket=None,
    )


def test_auth_state_of_an_unlimited_new_voucher(db_session, settings) -> None:
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    v = factories.voucher(db_session, owner, settings.pin_key).voucher
    state = auth_state(db_session, str(router.id), v.code, MAC)
    assert state.voucher is not None
    assert (
        state.voucher.time_limit,
        state.voucher.data_limit,
        state.voucher.rate_limit,
        state.voucher.validity_seconds,
        state.voucher.expires_at,
        state.voucher.activated_at,
    ) == (None, None, None, None, None, None)
    assert state.voucher.status == "new"


@pytest.mark.parametrize("router_arg", ["999999999", "", "x", "1 OR 1=1"])
def test_auth_state_for_an_unknown_router(db_session, settings, router_arg) -> None:
    owner = factories.owner(db_session)
    v = factories.voucher(db_session, owner, settings.pin_key).voucher
    state = auth_state(db_session, router_arg, v.code, MAC)
    assert state.router is None
    assert state.ticket is None


def test_auth_state_of_a_disabled_router(db_session, settings) -> None:
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    router.enabled = False
    db_session.flush()
    state = auth_state(db_session, str(router.id), "nobody", MAC)
    assert state.router == RouterInfo(router.id, owner.id, False)
    assert state.voucher is None


def _ticket(session: Session, router: Router, user: str, mac: str, **kw) -> LoginTicket:
    t = LoginTicket(
        router_id=router.id,
        username=user,
        mac=mac,
        nonce=factories.unique("nonce"),
        method="voucher",
        expires_at=kw.pop(
            "expires_at", dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
        ),
        **kw,
    )
    session.add(t)
    session.flush()
    return t


def test_auth_state_picks_the_latest_unused_ticket_for_router_user_and_mac(
    db_session, settings
) -> None:
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    other_router = factories.router(db_session, owner)
    v = factories.voucher(db_session, owner, settings.pin_key).voucher
    older = _ticket(db_session, router, v.code, MAC)
    wanted = _ticket(db_session, router, v.code, MAC)
    # Newer, but not for this login:
    _ticket(db_session, router, v.code, MAC, used_at=dt.datetime.now(dt.UTC))
    _ticket(db_session, router, v.code, OTHER_MAC)
    _ticket(db_session, other_router, v.code, MAC)
    _ticket(db_session, router, "another-user", MAC)
    assert older.id < wanted.id

    state = auth_state(db_session, str(router.id), v.code, MAC)
    assert state.ticket == TicketInfo(
        wanted.id, wanted.nonce, wanted.expires_at.timestamp()
    )
    # The router sends the MAC in capitals; a lower-case one finds the same ticket.
    assert (
        auth_state(db_session, str(router.id), v.code, MAC.lower()).ticket
        == state.ticket
    )

    wanted.used_at = dt.datetime.now(dt.UTC)
    db_session.flush()
    state = auth_state(db_session, str(router.id), v.code, MAC)
    assert state.ticket is not None and state.ticket.id == older.id


def test_no_ticket_for_another_mac(db_session, settings) -> None:
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    _ticket(db_session, router, "5000000001", MAC)
    assert (
        auth_state(db_session, str(router.id), "5000000001", OTHER_MAC).ticket is None
    )


def test_a_ticket_is_used_once(db_session) -> None:
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    t = _ticket(db_session, router, "5000000002", MAC)
    use = text("SELECT hotspot_use_ticket(:t)")
    assert db_session.scalar(use, {"t": str(t.id)}) == "ok"
    assert db_session.scalar(use, {"t": str(t.id)}) is None
    assert db_session.scalar(use, {"t": "not-a-number"}) is None
    db_session.refresh(t)
    assert t.used_at is not None


# -- hints: lookups skipped only where they could find nothing ----------------------


def _wrong_pin(
    session, router, user, mac, when: dt.datetime, source: str = SOURCE_RADIUS
) -> None:
    session.execute(
        text("SELECT hotspot_auth_failure(:r, :u, :m, :now, :source)"),
        {
            "r": str(router.id),
            "u": user,
            "m": mac,
            "now": str(when.timestamp()),
            "source": source,
        },
    )


def _start(session, router, user, when: dt.datetime, mac: str = MAC) -> None:
    """An Accounting-Start from ``mac``, stored as the spool reader stores it."""
    session.execute(
        text(
            "SELECT hotspot_accounting(:r, 'Start', :id, :u, :m, '10.5.50.9',"
            " '0', '0', '0', '0', '0', '', :now, '0')"
        ),
        {
            "r": str(router.id),
            "id": factories.unique("acct"),
            "u": user,
            "m": mac,
            "now": str(int(when.timestamp())),
        },
    )


def test_guesses_count_per_card_anywhere_per_mac_and_router_here(
    db_session, settings
) -> None:
    owner = factories.owner(db_session)
    here = factories.router(db_session, owner)
    there = factories.router(db_session, owner)
    card = factories.voucher(db_session, owner, settings.pin_key).voucher
    other = factories.voucher(db_session, owner, settings.pin_key).voucher
    now = dt.datetime.now(dt.UTC)
    assert (
        auth_state(db_session, str(here.id), card.code, MAC, now).failures == Failures()
    )

    _wrong_pin(db_session, there, card.code, MAC, now - dt.timedelta(minutes=5))
    _wrong_pin(db_session, here, other.code, MAC, now - dt.timedelta(seconds=30))
    _wrong_pin(db_session, here, "0000000000", OTHER_MAC, now - dt.timedelta(minutes=3))

    # The card: its wrong PINs anywhere; the MAC and the router: at this router.
    assert auth_state(
        db_session, str(here.id), card.code, MAC, now
    ).failures == Failures(card=1, mac=1, router=1)
    assert auth_state(
        db_session, str(there.id), other.code, MAC, now
    ).failures == Failures(card=1, mac=1, router=0)
    # An unknown name is counted too (guessing card numbers).
    assert auth_state(
        db_session, str(here.id), "0000000000", OTHER_MAC, now
    ).failures == Failures(card=1, mac=1, router=1)
    # Past the windows nothing counts.
    later = now + dt.timedelta(minutes=16)
    assert (
        auth_state(db_session, str(here.id), card.code, MAC, later).failures
        == Failures()
    )


def test_the_portal_and_the_routers_lock_out_devices_and_routers_apart(
    db_session, settings
) -> None:
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    card = factories.voucher(db_session, owner, settings.pin_key).voucher
    now = dt.datetime.now(dt.UTC)
    at = now - dt.timedelta(seconds=10)
    _wrong_pin(db_session, router, card.code, MAC, at, SOURCE_PORTAL)
    _wrong_pin(db_session, router, "0000000001", MAC, at, SOURCE_PORTAL)
    r = str(router.id)

    def failures(user: str, source: str) -> Failures:
        return auth_state(db_session, r, user, MAC, now, None, source).failures

    # A card's wrong PINs count from every source; the MAC's and the router's
    # only from the source asking.
    assert failures(card.code, SOURCE_RADIUS) == Failures(card=1, mac=0, router=0)
    assert failures(card.code, SOURCE_PORTAL) == Failures(card=1, mac=2, router=2)
    assert failures("0000000002", SOURCE_RADIUS) == Failures(card=0, mac=0, router=0)
    assert failures("0000000002", SOURCE_PORTAL) == Failures(card=0, mac=2, router=2)
    sources = db_session.scalars(
        select(AuthFailure.source).where(AuthFailure.router_id == router.id)
    ).all()
    assert sources == [SOURCE_PORTAL, SOURCE_PORTAL]


def test_the_lockout_windows_are_the_callers(db_session, settings) -> None:
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    now = dt.datetime.now(dt.UTC)
    _wrong_pin(db_session, router, "0000000003", MAC, now - dt.timedelta(seconds=90))
    _wrong_pin(db_session, router, "0000000004", MAC, now - dt.timedelta(seconds=20))

    def failures(window: int, router_window: int) -> Failures:
        line = db_session.scalar(
            text(
                "SELECT hotspot_auth_state(:r, '0000000005', :m, :now, NULL,"
                " :source, :w, :rw)"
            ),
            {
                "r": str(router.id),
                "m": MAC,
                "now": str(now.timestamp()),
                "source": SOURCE_RADIUS,
                "w": window,
                "rw": router_window,
            },
        )
        return parse_state(line).failures

    assert failures(900, 60) == Failures(card=0, mac=2, router=1)
    assert failures(120, 120) == Failures(card=0, mac=2, router=2)
    assert failures(60, 10) == Failures(card=0, mac=1, router=0)


def test_hints_are_kept_by_every_writer(db_session, settings) -> None:
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    card = factories.voucher(db_session, owner, settings.pin_key).voucher
    assert (card.ticket_until, card.last_auth_failure_at, card.last_acct_at) == (
        None,
        None,
        None,
    )
    ticket = _ticket(db_session, router, card.code, MAC)
    when = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    _wrong_pin(db_session, router, card.code, MAC, when)
    _start(db_session, router, card.code, when)
    db_session.expire_all()
    assert card.ticket_until == ticket.expires_at
    assert card.last_auth_failure_at == when
    assert card.last_acct_at == when
    assert db_session.get(Router, router.id).last_auth_failure_at == when


def test_open_sessions_are_fetched_while_they_may_be_fresh(
    db_session, settings
) -> None:
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    card = factories.voucher(db_session, owner, settings.pin_key).voucher
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    _start(db_session, router, card.code, start)
    online = ((MAC, start.timestamp()),)
    soon = start + dt.timedelta(seconds=100)
    late = start + dt.timedelta(seconds=200)
    assert (
        auth_state(
            db_session, str(router.id), card.code, OTHER_MAC, soon, "180"
        ).open_sessions
        == online
    )
    # Silent longer than the policy's horizon: stale, not even fetched.
    assert (
        auth_state(
            db_session, str(router.id), card.code, OTHER_MAC, late, "180"
        ).open_sessions
        == ()
    )
    # Without a horizon every open session is fetched.
    assert (
        auth_state(db_session, str(router.id), card.code, OTHER_MAC, late).open_sessions
        == online
    )


# -- the state line's contract: hotspot.policy.STATE_FIELDS ---------------------------


def named(line: str) -> dict[str, str]:
    """The state line's fields by the names STATE_FIELDS gives them."""
    return dict(zip(STATE_FIELDS, line.split("|"), strict=True))


def ep(value: dt.datetime) -> str:
    """A time as the line writes it (PostgreSQL's epoch, microseconds)."""
    return f"{value.timestamp():.6f}"


def test_each_field_of_a_card_lands_where_state_fields_says(
    db_session: Session, settings: Settings
) -> None:
    owner = factories.owner(db_session)
    here = factories.router(db_session, owner)
    there = factories.router(db_session, owner)
    v = factories.voucher(
        db_session, owner, settings.pin_key,
        time="2h", data="5GB", rate="2M/4M", validity="30d", idle="5m",
    ).voucher  # fmt: skip
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    v.expires_at = now + dt.timedelta(days=9)
    v.sell_by = now + dt.timedelta(days=8)
    v.activated_at = now - dt.timedelta(days=1)
    v.used_seconds, v.used_bytes, v.max_devices = 121, 122, 3
    v.face_value = Decimal("1000.50")
    v.price_per_mb, v.price_per_minute = Decimal("12.3400"), Decimal("5.6700")
    db_session.flush()
    for _ in range(3):  # the card's wrong PINs, elsewhere
        _wrong_pin(db_session, there, v.code, OTHER_MAC, now - dt.timedelta(minutes=2))
    for n in range(2):  # this device's guesses here
        _wrong_pin(
            db_session, here, f"000000000{n}", MAC, now - dt.timedelta(seconds=5)
        )
    ticket = _ticket(db_session, here, v.code, MAC)
    _start(db_session, here, v.code, now - dt.timedelta(seconds=30))

    f = named(auth_line(db_session, str(here.id), v.code, MAC, now))
    assert f == {
        "router_id": str(here.id), "router_owner": str(owner.id),
        "router_enabled": "true",
        "failures_card": "3", "failures_mac": "2", "failures_router": "2",
        "ticket": f"{ticket.id} {ticket.nonce} {ep(ticket.expires_at)}",
        "voucher_id": str(v.id), "voucher_owner": str(owner.id), "status": "active",
        "pin": v.pin_encrypted, "time_limit": "7200", "data_limit": "5000000000",
        "rate_limit": "2M/4M", "idle_timeout": "300", "validity": str(30 * 86400),
        "expires_at": ep(v.expires_at), "sell_by": ep(v.sell_by),
        "activated_at": ep(v.activated_at),
        "used_seconds": "121", "used_bytes": "122", "max_devices": "3",
        "face_value": "1000.50", "price_per_mb": "12.3400",
        "price_per_minute": "5.6700",
        "sessions": f"{MAC}@{ep(now - dt.timedelta(seconds=30))}",
        "identification": "", "blacklisted": "",
        "guest_data_limit": "", "guest_time_limit": "", "guest_rate_limit": "",
        "guest_idle_timeout": "",
    }  # fmt: skip


def test_each_field_of_a_phone_login_lands_where_state_fields_says(
    db_session: Session, settings: Settings
) -> None:
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    guests = factories.tariff(
        db_session, owner, time="3h", data="2GB", rate="1M/1M", idle="7m"
    )
    owner.guest_tariff_id = guests.id
    phone = "+998901234567"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ident = Identification(
        owner_id=owner.id, router_id=router.id, method="sms", subject=phone,
        reference="", mac=MAC, expires_at=now + dt.timedelta(hours=20),
    )  # fmt: skip
    db_session.add_all([ident, PhoneBlacklist(owner_id=owner.id, phone=phone)])
    db_session.flush()
    _wrong_pin(db_session, router, "0000000009", MAC, now - dt.timedelta(seconds=5))

    # The phone is no login name: only the identification's opaque one finds it.
    by_phone = named(auth_line(db_session, str(router.id), phone, MAC, now))
    assert by_phone["identification"] == "" and by_phone["blacklisted"] == ""
    f = named(auth_line(db_session, str(router.id), ident.login, MAC, now))
    filled = {name: value for name, value in f.items() if value}
    assert filled == {
        "router_id": str(router.id), "router_owner": str(owner.id),
        "router_enabled": "true",
        # Not a card: its name's guesses (none), the device's and the router's.
        "failures_card": "0", "failures_mac": "1", "failures_router": "1",
        "identification": f"{ident.id} {ep(ident.expires_at)}",
        "blacklisted": "true",
        "guest_data_limit": "2000000000", "guest_time_limit": "10800",
        "guest_rate_limit": "1M/1M", "guest_idle_timeout": "420",
    }  # fmt: skip


# -- devices at once: every limit up to the tariffs' maximum --------------------------


@pytest.mark.parametrize("limit", [1, 8, 9, MAX_DEVICES])
def test_open_sessions_follow_the_cards_device_limit(
    db_session, settings, limit: int
) -> None:
    owner = factories.owner(db_session)
    router = factories.router(db_session, owner)
    card = factories.voucher(
        db_session, owner, settings.pin_key, max_devices=limit
    ).voucher
    assert card.max_devices == limit
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=60)
    macs = [f"02:D0:00:00:00:{n:02X}" for n in range(limit + 3)]
    for n, mac in enumerate(macs):
        _start(db_session, router, card.code, start + dt.timedelta(seconds=n), mac)
    # A second session of the newest MAC (roaming): one MAC, one entry.
    _start(db_session, router, card.code, start + dt.timedelta(seconds=40), macs[-1])

    state = auth_state(db_session, str(router.id), card.code, "02:D0:FF:FF:FF:FF")
    fetched = [mac for mac, _ in state.open_sessions]
    # Newest first, one MAC more than the card may have online.
    assert fetched == macs[::-1][: limit + 1]


def test_a_tariff_allows_devices_up_to_the_maximum_fetched(db_session) -> None:
    owner = factories.owner(db_session)
    assert factories.tariff(db_session, owner, max_devices=MAX_DEVICES)
    with pytest.raises(InvalidInput, match=f"1 to {MAX_DEVICES}"):
        factories.tariff(db_session, owner, max_devices=MAX_DEVICES + 1)
