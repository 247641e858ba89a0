"""Keep-alive: a card of a ``keepalive`` tariff lands on the portal's status page
after login; its pings keep the session; silent past the grace, it is cut."""

from __future__ import annotations

import datetime as dt
import re

from hotspot.db import transaction
from hotspot.models import SessionKeepalive
from tests import factories

from .conftest import cut_reasons, run_named_job, wait_stored


def _keepalive_card(session_factory, settings, venue, grace=60):
    with transaction(session_factory) as s:
        owner = s.merge(venue.owner)
        tariff = factories.tariff(s, owner, time="1h", data="100MB")
        tariff.keepalive, tariff.keepalive_grace = True, grace
        return factories.voucher(s, owner, settings.pin_key, tariff)


def _guest(app, venue, mac):
    """The guest's browser after the router's login page posted its context."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = str(venue.router.ip_address)
    fields = {
        "mac": mac,
        "ip": "10.5.50.9",
        "link-login-only": "http://10.5.50.1/login",
        "link-orig": "http://example.com/",
        "identity": venue.router.nas_identifier,
    }
    assert client.post("/login", data=fields).status_code == 200
    return client


def test_a_keepalive_card_is_sent_to_the_status_page(
    sim_venue, settings, session_factory, app
):
    venue = sim_venue()
    card = _keepalive_card(session_factory, settings, venue)
    guest = _guest(app, venue, "02:00:00:0A:0B:01")
    page = guest.post(
        "/login/voucher", data={"code": card.code, "pin": card.pin}
    ).get_data(as_text=True)
    assert re.search(r'name="dst" value="http://localhost/status"', page), page
    # A card without keep-alive goes on to the page first asked for.
    with transaction(session_factory) as s:
        other = factories.voucher(s, s.merge(venue.owner), settings.pin_key, time="1h")
    guest = _guest(app, venue, "02:00:00:0A:0B:02")
    page = guest.post(
        "/login/voucher", data={"code": other.code, "pin": other.pin}
    ).get_data(as_text=True)
    assert 'name="dst" value="http://example.com/"' in page


def test_pings_keep_it_and_silence_cuts_it(
    sim_venue, settings, session_factory, scheduler_factory, app
):
    venue = sim_venue()
    card = _keepalive_card(session_factory, settings, venue, grace=60)
    online = venue.login(card)
    row = wait_stored(session_factory, venue.router, online.session_id)
    guest = _guest(app, venue, online.mac)
    page = guest.get("/status").get_data(as_text=True)
    assert "You are online" in page and 'href="http://10.5.50.1/logout"' in page
    assert "Time left:" in page and "Data left:" in page
    answer = guest.post("/status/ping")
    assert answer.status_code == 200 and answer.get_json()["online"] is True
    with session_factory() as s:
        seen = s.get(SessionKeepalive, row.id).seen_at

    def cut(at):
        return cut_reasons(scheduler_factory, session_factory, venue, at, settings)

    assert cut(seen + dt.timedelta(seconds=59)) == []
    later = seen + dt.timedelta(seconds=61)
    assert cut(later) == ["keepalive_lost"]
    run_named_job("send-router-actions", scheduler_factory, later)
    assert venue.nas.get_session(online.session_id) is None
