"""The bandwidth page's limits, end to end: an override for a phone gives the
sessions online a CoA through the outbox (the router simulator gets it) and the
phone's next login the new Mikrotik-Rate-Limit from real FreeRADIUS; a router's
total limit reaches the simulator's RouterOS API queue after the queue sync."""

from __future__ import annotations

import re

from sqlalchemy import select

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import AuditEntry, Router, SpeedOverride, Tariff
from hotspot.phones import mask
from hotspot.routers.queues import PARENT
from hotspot.services.speeds import set_override
from tests import factories
from tests.portal.cabinet_helpers import log_in, make_account
from tests.portal.test_cabinet import csrf_app  # noqa: F401 (CSRF checks on)
from tests.radius.test_identified_login import _identify

from .conftest import actions_of, run_named_job, wait_stored

PHONE = "998901237701"


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _phone_login(venue, settings, session_factory, mac, phone=PHONE):
    login, password = _identify(
        session_factory, settings, venue, phone, hours_left=5, mac=mac
    )
    result = venue.nas.login(venue.nas.device(mac), login, password)
    assert result.ok, result.error
    wait_stored(session_factory, venue.router, result.session.session_id)
    return result.session


def test_phone_override_reaches_the_session_online_and_the_next_login(
    csrf_app,  # noqa: F811
    sim_venue,
    settings,
    session_factory,
    scheduler_factory,
):
    venue = sim_venue()
    online = _phone_login(venue, settings, session_factory, "02:77:00:00:00:01")
    assert online.rate_limit is None  # no guest tariff: no speed yet
    web = csrf_app.test_client()
    log_in(web, make_account(session_factory, "manager", venue.owner).email)
    token = _token(web.get("/cabinet/bandwidth").text)
    form = {"csrf_token": token, "who": "+998 90 123 77 01", "rate": "1M/3M"}
    assert web.post("/cabinet/bandwidth/overrides", data=form).status_code == 302
    run_named_job("send-router-actions", scheduler_factory)
    request = venue.sim.coa.received[-1]
    assert request.code == 43  # CoA-Request
    assert request.attributes["Mikrotik-Rate-Limit"] == ["1M/3M"]
    assert request.attributes["Acct-Session-Id"] == [online.session_id]
    assert venue.nas.get_session(online.session_id).rate_limit == "1M/3M"
    # The same phone on another device: its Access-Accept carries the override.
    later = _phone_login(venue, settings, session_factory, "02:77:00:00:00:02")
    assert later.rate_limit == "1M/3M"
    page = web.get("/cabinet/bandwidth").text
    assert "1M/3M" in page and mask(PHONE) in page and PHONE not in page
    with transaction(session_factory) as s:
        override = s.scalar(select(SpeedOverride).where(SpeedOverride.phone == PHONE))
        actions = [e.action for e in s.scalars(select(AuditEntry))]
    assert "speed.override" in actions
    # Removed: the next login is back to no speed.
    web.post(
        f"/cabinet/bandwidth/overrides/{override.id}/remove",
        data={"csrf_token": token},
    )
    third = _phone_login(venue, settings, session_factory, "02:77:00:00:00:03")
    assert third.rate_limit is None


def test_card_override_and_refusals(
    csrf_app,  # noqa: F811
    sim_venue,
    settings,
    session_factory,
    scheduler_factory,
):
    venue = sim_venue()
    with transaction(session_factory) as s:
        card = factories.voucher(
            s, s.merge(venue.owner), settings.pin_key, time="1h", rate="2M/2M"
        )
    online = venue.login(card)
    wait_stored(session_factory, venue.router, online.session_id)
    web = csrf_app.test_client()
    log_in(web, make_account(session_factory, "owner", venue.owner).email)
    token = _token(web.get("/cabinet/bandwidth").text)
    # Without the CSRF token, with a bad speed, for nobody: nothing is queued.
    no_csrf = {"who": card.code, "rate": "1M/1M"}
    assert web.post("/cabinet/bandwidth/overrides", data=no_csrf).status_code == 400
    for who, rate in ((card.code, "fast please"), ("nobody", "1M/1M")):
        bad = web.post(
            "/cabinet/bandwidth/overrides",
            data={"csrf_token": token, "who": who, "rate": rate},
            follow_redirects=True,
        )
        assert 'class="flash-error"' in bad.text
    assert actions_of(session_factory, venue.router) == []
    web.post(
        "/cabinet/bandwidth/overrides",
        data={"csrf_token": token, "who": card.code.lower(), "rate": "512k/1M"},
    )
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.sim.coa.received[-1].attributes["Mikrotik-Rate-Limit"] == ["512k/1M"]
    assert card.code in web.get("/cabinet/bandwidth").text
    # Removing it gives the session its card's own speed back.
    with transaction(session_factory) as s:
        override_id = s.scalar(
            select(SpeedOverride.id).where(
                SpeedOverride.voucher_id.is_not(None),
                SpeedOverride.owner_id == venue.owner.id,
            )
        )
    web.post(
        f"/cabinet/bandwidth/overrides/{override_id}/remove",
        data={"csrf_token": token},
    )
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.sim.coa.received[-1].attributes["Mikrotik-Rate-Limit"] == ["2M/2M"]
    # A cashier may not.
    cashier = csrf_app.test_client()
    log_in(cashier, make_account(session_factory, "cashier", venue.owner).email)
    assert cashier.get("/cabinet/bandwidth").status_code == 403
    answer = cashier.post(
        "/cabinet/bandwidth/overrides",
        data={"csrf_token": token, "who": card.code, "rate": "1M/1M"},
    )
    assert answer.status_code in (400, 403)


def test_router_total_limit_reaches_the_routers_queue(
    csrf_app,  # noqa: F811
    sim_venue,
    session_factory,
    scheduler_factory,
):
    venue = sim_venue(api=True)
    web = csrf_app.test_client()
    log_in(web, make_account(session_factory, "manager", venue.owner).email)
    token = _token(web.get("/cabinet/bandwidth").text)
    url = f"/cabinet/bandwidth/routers/{venue.router.id}"
    bad = web.post(
        url,
        data={"csrf_token": token, "bandwidth": "lots", "network": "10.5.50.0/24"},
        follow_redirects=True,
    )
    assert 'class="flash-error"' in bad.text
    form = {"csrf_token": token, "bandwidth": "20M/40M", "network": "10.5.50.0/24"}
    assert web.post(url, data=form).status_code == 302
    with transaction(session_factory) as s:
        assert s.get(Router, venue.router.id).bandwidth == "20M/40M"
    run_named_job("sync-queues", scheduler_factory)  # every router with an API
    queues = {q["name"]: q for q in venue.sim.api.state.queues.values()}
    assert queues[PARENT]["max-limit"] == "20000000/40000000"
    assert queues[PARENT]["target"] == "10.5.50.0/24"
    page = web.get("/cabinet/bandwidth").text
    assert 'value="20M/40M"' in page


def test_default_speed_is_the_guest_tariffs(csrf_app, session_factory):  # noqa: F811
    with transaction(session_factory) as s:
        owner = factories.owner(s)
    web = csrf_app.test_client()
    log_in(web, make_account(session_factory, "manager", owner).email)
    page = web.get("/cabinet/bandwidth").text
    assert "No guest tariff yet" in page and 'id="default-speed"' not in page
    token = _token(page)
    assert (
        web.post("/cabinet/bandwidth/default", data={"csrf_token": token}).status_code
        == 404
    )
    with transaction(session_factory) as s:
        mine = s.merge(owner)
        mine.guest_tariff_id = factories.tariff(s, mine, time="30m").id
    form = {"csrf_token": token, "rate": "3M/6M"}
    assert web.post("/cabinet/bandwidth/default", data=form).status_code == 302
    with transaction(session_factory) as s:
        assert s.get(Tariff, s.merge(owner).guest_tariff_id).rate_limit == "3M/6M"
    assert 'value="3M/6M"' in web.get("/cabinet/bandwidth").text


def test_default_speed_reaches_phones_online_without_an_override(
    csrf_app,  # noqa: F811
    sim_venue,
    settings,
    session_factory,
    scheduler_factory,
):
    venue = sim_venue()
    with transaction(session_factory) as s:
        owner = s.merge(venue.owner)
        owner.guest_tariff_id = factories.tariff(s, owner, time="1h", rate="2M/2M").id
    plain = _phone_login(venue, settings, session_factory, "02:78:00:00:00:01")
    assert plain.rate_limit == "2M/2M"  # the guest tariff's
    with transaction(session_factory) as s:
        set_override(s, s.merge(venue.owner), "998901237702", "5M/5M", utcnow())
    kept = _phone_login(
        venue, settings, session_factory, "02:78:00:00:00:02", "998901237702"
    )
    assert kept.rate_limit == "5M/5M"
    web = csrf_app.test_client()
    log_in(web, make_account(session_factory, "owner", venue.owner).email)
    token = _token(web.get("/cabinet/bandwidth").text)
    form = {"csrf_token": token, "rate": "3M/6M"}
    answer = web.post("/cabinet/bandwidth/default", data=form, follow_redirects=True)
    assert "Saved: 1 sessions online get it now." in answer.text
    run_named_job("send-router-actions", scheduler_factory)
    assert [
        (r.attributes["Acct-Session-Id"], r.attributes["Mikrotik-Rate-Limit"])
        for r in venue.sim.coa.received
    ] == [([plain.session_id], ["3M/6M"])]
    assert venue.nas.get_session(kept.session_id).rate_limit == "5M/5M"
