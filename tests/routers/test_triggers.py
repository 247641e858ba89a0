"""What cuts a session, each end to end: the change queues a Disconnect in its own
transaction, the send job delivers it, the simulator no longer holds the session."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import Identification, RadiusSession, Voucher
from hotspot.phones import mask
from hotspot.services.access import issue_ticket
from hotspot.services.identification import blacklist_phone
from hotspot.services.tenancy import create_api_token
from tests import factories

from .conftest import actions_of, cut_reasons, run_named_job, wait_stored

PHONE = "998907770011"


def _card(session_factory, settings, venue, **limits):
    with transaction(session_factory) as s:
        return factories.voucher(s, s.merge(venue.owner), settings.pin_key, **limits)


def _identified_login(session_factory, settings, venue, phone, hours=24):
    """A guest identified by SMS logs in with the portal's ticket."""
    device = venue.nas.device()
    now = utcnow()
    with transaction(session_factory) as s:
        ident = Identification(
            owner_id=venue.owner.id,
            router_id=venue.router.id,
            method="sms",
            subject=phone,
            reference=phone,
            mac=device.mac,
            expires_at=now + dt.timedelta(hours=hours),
            created_at=now,
        )
        s.add(ident)
        s.flush()
        login = ident.login
        router = s.merge(venue.router)
        _, password = issue_ticket(s, settings, router, login, device.mac, "sms", now)
    # The router knows the guest by the identification's login name only.
    assert phone not in login
    result = venue.nas.login(device, login, password)
    assert result.ok, result.error
    wait_stored(session_factory, venue.router, result.session.session_id)
    return result.session


def test_the_owner_cuts_a_session_from_the_cli(
    sim_venue, settings, session_factory, scheduler_factory, cli
):
    venue = sim_venue()
    online = venue.login(_card(session_factory, settings, venue, time="1h"))
    wait_stored(session_factory, venue.router, online.session_id)
    owner = venue.owner.name
    [listed] = json.loads(cli("session", "list", "--owner", owner, "--json").stdout)
    assert listed["acct_session_id"] == online.session_id
    assert listed["router"] == venue.router.nas_identifier
    # Another owner does not see it and cannot cut it.
    stranger = sim_venue()
    other = cli(
        "session",
        "disconnect",
        "--owner",
        stranger.owner.name,
        str(listed["id"]),
        ok=False,
    )
    assert other.returncode == 1 and "no open session" in other.stderr
    cli("session", "disconnect", "--owner", owner, str(listed["id"]))
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.nas.get_session(online.session_id) is None
    assert [a.reason for a in actions_of(session_factory, venue.router)] == ["owner"]


def test_an_identified_guests_session_is_listed_by_masked_phone(
    sim_venue, settings, session_factory, cli, api_client
):
    venue = sim_venue()
    online = _identified_login(session_factory, settings, venue, "998907770019")
    with session_factory() as s:
        stored = s.scalar(
            select(RadiusSession).where(
                RadiusSession.acct_session_id == online.session_id
            )
        )
        assert stored.username.startswith("i-")
    listing = cli("session", "list", "--owner", venue.owner.name, "--json").stdout
    [listed] = json.loads(listing)
    assert listed["username"] == mask("998907770019")
    assert "998907770019" not in listing and stored.username not in listing
    with transaction(session_factory) as s:
        _, token = create_api_token(s, s.merge(venue.owner), "crm", utcnow())
    auth = {"Authorization": f"Bearer {token}"}
    [api_row] = api_client.get("/api/v1/sessions", headers=auth).get_json()
    assert api_row["username"] == mask("998907770019")


def test_the_owner_cuts_a_session_through_the_api(
    sim_venue, settings, session_factory, scheduler_factory, api_client
):
    venue = sim_venue()
    online = venue.login(_card(session_factory, settings, venue, time="1h"))
    wait_stored(session_factory, venue.router, online.session_id)
    with transaction(session_factory) as s:
        _, token = create_api_token(s, s.merge(venue.owner), "crm", utcnow())
    auth = {"Authorization": f"Bearer {token}"}
    [listed] = api_client.get("/api/v1/sessions", headers=auth).get_json()
    r = api_client.post(f"/api/v1/sessions/{listed['id']}/disconnect", headers=auth)
    assert r.status_code == 202, r.get_json()
    assert (
        api_client.post(
            "/api/v1/sessions/999999999/disconnect", headers=auth
        ).status_code
        == 404
    )
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.nas.get_session(online.session_id) is None


def test_a_blacklisted_phone_is_cut(
    sim_venue, settings, session_factory, scheduler_factory
):
    venue = sim_venue()
    online = _identified_login(session_factory, settings, venue, PHONE)
    with transaction(session_factory) as s:
        blacklist_phone(s, s.merge(venue.owner), "+" + PHONE, "abuse")
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.nas.get_session(online.session_id) is None
    assert [a.reason for a in actions_of(session_factory, venue.router)] == [
        "phone_blocked"
    ]


def test_an_identification_past_its_hours_is_cut(
    sim_venue, settings, session_factory, scheduler_factory
):
    venue = sim_venue()
    online = _identified_login(session_factory, settings, venue, "998907770012", 1)
    # Within the hour nothing is cut; after it, the session goes.
    assert cut_reasons(scheduler_factory, session_factory, venue, None, settings) == []
    later = utcnow() + dt.timedelta(hours=1, minutes=1)
    assert cut_reasons(scheduler_factory, session_factory, venue, later, settings) == [
        "identification_expired"
    ]
    run_named_job("send-router-actions", scheduler_factory, later)
    assert venue.nas.get_session(online.session_id) is None
    # Cut once: a later run queues nothing more for it.
    assert cut_reasons(scheduler_factory, session_factory, venue, later, settings) == [
        "identification_expired"
    ]


def test_a_metered_card_whose_balance_ran_out_is_cut(
    sim_venue, settings, session_factory, scheduler_factory
):
    venue = sim_venue()
    with transaction(session_factory) as s:
        owner = s.merge(venue.owner)
        tariff = factories.tariff(
            s, owner, kind="metered", price_per_mb="100", price_per_minute="10"
        )
        from hotspot.crypto import PinCipher
        from hotspot.services.vouchers import generate_vouchers

        [card] = generate_vouchers(
            s, owner, tariff, 1, PinCipher(settings.pin_key), face_value="1000"
        )
    online = venue.login(card)
    wait_stored(session_factory, venue.router, online.session_id)
    assert cut_reasons(scheduler_factory, session_factory, venue, None, settings) == []
    # Accounting charged it all (the SQL function keeps these counters).
    with transaction(session_factory) as s:
        s.get(Voucher, card.voucher.id).used_bytes = 10_000_000
    assert cut_reasons(scheduler_factory, session_factory, venue, None, settings) == [
        "balance_used"
    ]
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.nas.get_session(online.session_id) is None


def test_devices_over_the_cards_limit_are_cut_newest_first(
    sim_venue, settings, session_factory, scheduler_factory
):
    venue = sim_venue()
    card = _card(session_factory, settings, venue, time="1h", max_devices=2)
    first = venue.login(card)
    wait_stored(session_factory, venue.router, first.session_id)
    second = venue.login(card)
    wait_stored(session_factory, venue.router, second.session_id)
    assert cut_reasons(scheduler_factory, session_factory, venue, None, settings) == []
    with transaction(session_factory) as s:
        s.get(Voucher, card.voucher.id).max_devices = 1
    assert cut_reasons(scheduler_factory, session_factory, venue, None, settings) == [
        "device_limit"
    ]
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.nas.get_session(second.session_id) is None
    assert venue.nas.get_session(first.session_id) is not None


def test_a_tariffs_new_speed_reaches_its_cards_online(
    sim_venue, settings, session_factory, scheduler_factory, cli
):
    venue = sim_venue()
    with transaction(session_factory) as s:
        tariff = factories.tariff(s, s.merge(venue.owner), time="1h", rate="2M/2M")
        card = factories.voucher(s, s.merge(venue.owner), settings.pin_key, tariff)
        name = tariff.name
    online = venue.login(card)
    wait_stored(session_factory, venue.router, online.session_id)
    out = cli(
        "session",
        "speed",
        "--owner",
        venue.owner.name,
        "--tariff",
        name,
        "--rate",
        "1M/3M",
        "--json",
    )
    assert json.loads(out.stdout) == {"rate": "1M/3M", "sessions": 1}
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.nas.get_session(online.session_id).rate_limit == "1M/3M"
    with session_factory() as s:
        assert s.get(Voucher, card.voucher.id).rate_limit == "1M/3M"
