"""Free guest access in the core: guest tariffs, personal guest vouchers following the
identity, regular and no-pause modes, the reset and purge jobs. Time is injected."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hotspot.errors import InvalidInput
from hotspot.models import Identification, Voucher
from hotspot.policy import Reject
from hotspot.services.access import PortalLogin
from hotspot.services.guest import (
    UsedUp,
    free_login,
    purge_guest_vouchers,
    reset_guest_usage,
)
from hotspot.services.tariffs import add_tariff, set_tariff_guest
from hotspot.settings import Settings
from hotspot.venues import update_settings
from tests import factories

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
MAC1, MAC2 = "02:AA:00:00:00:01", "06:AA:00:00:00:02"
PHONE = "998935551111"

ACCT = text(
    "SELECT hotspot_accounting(:r, :status, :sid, :u, :m, '', :t, :b, '0', '0',"
    " '0', :cause, :now, '0')"
)


def use(session: Session, router, login: PortalLogin, mac: str, seconds: int) -> None:
    """The router reports a whole session of ``seconds`` for this login."""
    for status in ("Start", "Stop"):
        session.execute(
            ACCT,
            {
                "r": str(router.id),
                "status": status,
                "sid": f"s-{login.ticket.id}",
                "u": login.username,
                "m": mac,
                "t": "0" if status == "Start" else str(seconds),
                "b": "0" if status == "Start" else "1000",
                "cause": "Session-Timeout" if status == "Stop" else "",
                "now": str(int(NOW.timestamp())),
            },
        )
    session.expire_all()


def identify(session: Session, owner, router, mac: str, subject: str = PHONE) -> None:
    session.add(
        Identification(
            owner_id=owner.id,
            router_id=router.id,
            method="sms",
            subject=subject,
            reference=subject,
            mac=mac,
            expires_at=NOW + dt.timedelta(days=400),
        )
    )
    session.flush()


def venue(session: Session, mode: str = "regular", identification: bool = True, **lim):
    owner = factories.owner(session)
    router = factories.router(session, owner)
    limits = {"time": "30m", "reset_period": "1d", **lim}
    if mode == "no-pause":
        limits.pop("reset_period")
    tariff = add_tariff(
        session, owner, factories.unique("free"), guest=True, guest_mode=mode, **limits
    )
    update_settings(
        session,
        owner,
        {
            "guest_tariff": tariff.name,
            "guest_access": "on",
            "guest_identification": "on" if identification else "off",
        },
    )
    return owner, router, tariff


def guest_vouchers(session: Session, tariff) -> list[Voucher]:
    return list(session.scalars(select(Voucher).where(Voucher.tariff_id == tariff.id)))


def timeout(login: PortalLogin) -> int:
    return login.decision.session_timeout


def test_free_needs_identification_by_default(db_session, settings: Settings):
    owner, router, _ = venue(db_session)
    assert free_login(db_session, settings, router, MAC1, NOW) == Reject(
        "identification_required"
    )
    identify(db_session, owner, router, MAC1)
    login = free_login(db_session, settings, router, MAC1, NOW)
    assert isinstance(login, PortalLogin)
    assert login.username.startswith("G") and timeout(login) == 1800


def test_the_voucher_is_made_once_and_reused(db_session, settings: Settings):
    owner, router, tariff = venue(db_session)
    identify(db_session, owner, router, MAC1)
    first = free_login(db_session, settings, router, MAC1, NOW)
    again = free_login(db_session, settings, router, MAC1, NOW)
    assert first.username == again.username
    (voucher,) = guest_vouchers(db_session, tariff)
    assert voucher.guest_identity == f"sms:{PHONE}"


def test_regular_mode_used_up_comes_back_after_the_period(
    db_session, settings: Settings
):
    owner, router, tariff = venue(db_session)
    identify(db_session, owner, router, MAC1)
    login = free_login(db_session, settings, router, MAC1, NOW)
    use(db_session, router, login, MAC1, 1800)
    refused = free_login(db_session, settings, router, MAC1, NOW)
    assert isinstance(refused, UsedUp)
    assert refused.back_at == NOW + dt.timedelta(days=1)
    later = NOW + dt.timedelta(days=1, seconds=1)
    login = free_login(db_session, settings, router, MAC1, later)
    assert isinstance(login, PortalLogin) and timeout(login) == 1800


def test_partial_use_leaves_the_rest(db_session, settings: Settings):
    owner, router, _ = venue(db_session)
    identify(db_session, owner, router, MAC1)
    login = free_login(db_session, settings, router, MAC1, NOW)
    use(db_session, router, login, MAC1, 600)
    login = free_login(db_session, settings, router, MAC1, NOW)
    assert timeout(login) == 1200


def test_a_new_mac_with_the_same_phone_gets_no_fresh_allowance(
    db_session, settings: Settings
):
    owner, router, tariff = venue(db_session)
    identify(db_session, owner, router, MAC1)
    login = free_login(db_session, settings, router, MAC1, NOW)
    use(db_session, router, login, MAC1, 1800)
    identify(db_session, owner, router, MAC2)
    assert isinstance(free_login(db_session, settings, router, MAC2, NOW), UsedUp)
    # Another phone is another guest.
    identify(db_session, owner, router, "0A:AA:00:00:00:03", "998935552222")
    other = free_login(db_session, settings, router, "0A:AA:00:00:00:03", NOW)
    assert isinstance(other, PortalLogin)
    assert len(guest_vouchers(db_session, tariff)) == 2


def test_unidentified_guests_follow_their_mac(db_session, settings: Settings):
    _, router, tariff = venue(db_session, identification=False)
    login = free_login(db_session, settings, router, MAC1, NOW)
    use(db_session, router, login, MAC1, 1800)
    assert isinstance(free_login(db_session, settings, router, MAC1, NOW), UsedUp)
    # A new random MAC is a new guest: nothing to tie it to the old one.
    assert isinstance(free_login(db_session, settings, router, MAC2, NOW), PortalLogin)
    identities = {v.guest_identity for v in guest_vouchers(db_session, tariff)}
    assert identities == {f"mac:{MAC1}", f"mac:{MAC2}"}


def test_no_pause_gives_a_full_session_on_every_login(db_session, settings: Settings):
    owner, router, _ = venue(db_session, "no-pause", time="10m", validity="1d")
    identify(db_session, owner, router, MAC1)
    for hour in range(3):
        now = NOW + dt.timedelta(hours=hour)
        login = free_login(db_session, settings, router, MAC1, now)
        assert isinstance(login, PortalLogin) and timeout(login) == 600
        use(db_session, router, login, MAC1, 600)
    # Past the validity (from the first session) the voucher is over; a new one
    # starts.
    late = NOW + dt.timedelta(days=1, hours=1)
    login = free_login(db_session, settings, router, MAC1, late)
    assert isinstance(login, PortalLogin) and timeout(login) == 600


def test_guest_access_off_or_without_a_guest_tariff(db_session, settings: Settings):
    owner, router, tariff = venue(db_session)
    identify(db_session, owner, router, MAC1)
    update_settings(db_session, owner, {"guest_access": "off"})
    assert free_login(db_session, settings, router, MAC1, NOW) == Reject("guest_off")
    plain = factories.tariff(db_session, owner, time="1h")
    update_settings(db_session, owner, {"guest_tariff": plain.name})
    with pytest.raises(InvalidInput, match="guest_access"):
        update_settings(db_session, owner, {"guest_access": "on"})


def test_guest_tariff_rules(db_session):
    owner = factories.owner(db_session)
    with pytest.raises(InvalidInput, match="reset period"):
        add_tariff(db_session, owner, "a", time="30m", guest=True)
    with pytest.raises(InvalidInput, match="no-pause"):
        add_tariff(db_session, owner, "b", guest=True, guest_mode="weekly")
    with pytest.raises(InvalidInput, match="time"):
        add_tariff(
            db_session, owner, "c", data="1GB", guest=True, guest_mode="no-pause"
        )
    with pytest.raises(InvalidInput, match="guest tariffs"):
        add_tariff(db_session, owner, "d", time="1h", reset_period="1d")
    t = factories.tariff(db_session, owner, time="1h")
    set_tariff_guest(db_session, owner, t.name, True, "regular", "1h")
    assert (t.guest, t.guest_mode, t.reset_period) == (True, "regular", 3600)
    set_tariff_guest(db_session, owner, t.name, False)
    assert (t.guest, t.guest_mode, t.reset_period) == (False, None, None)


def test_timezone_setting(db_session):
    owner = factories.owner(db_session)
    assert update_settings(db_session, owner, {})["timezone"] == "Asia/Tashkent"
    values = update_settings(db_session, owner, {"timezone": "Europe/Moscow"})
    assert values["timezone"] == "Europe/Moscow"
    with pytest.raises(InvalidInput, match="timezone"):
        update_settings(db_session, owner, {"timezone": "Mars/Olympus"})


# -- the scheduler's jobs -----------------------------------------------------------
def _plain_voucher(session: Session, owner, settings: Settings, **fields) -> Voucher:
    voucher = factories.voucher(session, owner, settings.pin_key, time="30m").voucher
    for name, value in fields.items():
        setattr(voucher, name, value)
    session.flush()
    return voucher


def test_reset_job_resets_guest_vouchers_whose_period_ended_only(
    db_session, settings: Settings
):
    owner, router, tariff = venue(db_session)
    identify(db_session, owner, router, MAC1)
    login = free_login(db_session, settings, router, MAC1, NOW)
    use(db_session, router, login, MAC1, 1800)
    plain = _plain_voucher(
        db_session,
        owner,
        settings,
        used_seconds=1800,
        status="exhausted",
        guest_reset_at=NOW,  # not a guest voucher: never reset, whatever it says
    )
    # (The jobs run over every venue: other tests' rows may be reset too.)
    reset_guest_usage(db_session, NOW + dt.timedelta(hours=23))
    db_session.expire_all()
    (guest,) = guest_vouchers(db_session, tariff)
    assert guest.used_seconds == 1800 and guest.guest_reset_at is not None
    assert reset_guest_usage(db_session, NOW + dt.timedelta(days=1)) >= 1
    db_session.expire_all()
    assert (guest.used_seconds, guest.status, guest.guest_reset_at) == (0, "new", None)
    assert (plain.used_seconds, plain.status) == (1800, "exhausted")
    login = free_login(db_session, settings, router, MAC1, NOW + dt.timedelta(days=1))
    assert isinstance(login, PortalLogin) and timeout(login) == 1800


def test_purge_job_deletes_expired_guest_vouchers_only(db_session, settings: Settings):
    owner, router, tariff = venue(db_session, validity="2h")
    identify(db_session, owner, router, MAC1)
    identify(db_session, owner, router, MAC2, "998935553333")
    used = free_login(db_session, settings, router, MAC1, NOW)
    use(db_session, router, used, MAC1, 60)
    free_login(db_session, settings, router, MAC2, NOW)  # a ticket, never used
    expired_plain = _plain_voucher(
        db_session,
        owner,
        settings,
        status="expired",
        expires_at=NOW - dt.timedelta(days=30),
    )
    # Validity over, but the day's period still runs: kept (no fresh allowance).
    # (The jobs run over every venue: other tests' rows may go too.)
    purge_guest_vouchers(db_session, NOW + dt.timedelta(hours=3))
    assert len(guest_vouchers(db_session, tariff)) == 2
    # The period is over too: both go, the used one and the one never used.
    assert purge_guest_vouchers(db_session, NOW + dt.timedelta(days=2)) >= 2
    assert guest_vouchers(db_session, tariff) == []
    db_session.expire_all()
    assert db_session.get(Voucher, expired_plain.id) is not None
