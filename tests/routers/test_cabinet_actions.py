"""The live-sessions page's buttons, end to end: a cabinet (or admin) login posts
Disconnect or Change speed with its CSRF token, the outbox queues it, the
scheduler's send job delivers it to the router simulator's incoming RADIUS, and the
page shows the outcome as the outbox recorded it."""

from __future__ import annotations

import re

from hotspot.db import transaction
from tests import factories
from tests.portal.cabinet_helpers import log_in, make_account
from tests.portal.test_cabinet import csrf_app  # noqa: F401 (CSRF checks on)

from .conftest import actions_of, run_named_job, wait_stopped, wait_stored


def _row(page: str, session_id: int) -> str:
    found = re.search(rf'<tr data-session="{session_id}">(.*?)</tr>', page, re.S)
    assert found, f"session {session_id} is not on the page"
    return found.group(1)


def _token(row: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', row).group(1)


def _online(sim_venue, settings, session_factory):
    venue = sim_venue()
    with transaction(session_factory) as s:
        card = factories.voucher(
            s, s.merge(venue.owner), settings.pin_key, time="1h", rate="2M/2M"
        )
    online = venue.login(card)
    row = wait_stored(session_factory, venue.router, online.session_id)
    return venue, card, online, row


def _owner_page(app, session_factory, venue, row):
    """A logged-in owner's client and the CSRF token of the session's buttons."""
    web = app.test_client()
    log_in(web, make_account(session_factory, "owner", venue.owner).email)
    return web, _token(_row(web.get("/cabinet/sessions").text, row.id))


def test_owner_changes_speed_then_disconnects_through_the_outbox(
    csrf_app,  # noqa: F811
    sim_venue,
    settings,
    session_factory,
    scheduler_factory,
):
    venue, card, online, row = _online(sim_venue, settings, session_factory)
    web = csrf_app.test_client()
    log_in(web, make_account(session_factory, "manager", venue.owner).email)
    page = web.get("/cabinet/sessions").text
    token = _token(_row(page, row.id))
    # Without the CSRF token nothing is queued.
    refused = web.post(f"/cabinet/sessions/{row.id}/speed", data={"rate": "1M/3M"})
    assert refused.status_code == 400
    assert actions_of(session_factory, venue.router) == []

    queued = web.post(
        f"/cabinet/sessions/{row.id}/speed",
        data={"csrf_token": token, "rate": "1M/3M", "back": "/cabinet/sessions"},
        follow_redirects=True,
    )
    assert "Speed 1M/3M: queued" in _row(queued.text, row.id)
    run_named_job("send-router-actions", scheduler_factory)
    request = venue.sim.coa.received[-1]
    assert request.code == 43  # CoA-Request
    assert request.attributes["Mikrotik-Rate-Limit"] == ["1M/3M"]
    assert request.attributes["Acct-Session-Id"] == [online.session_id]
    assert venue.nas.get_session(online.session_id).rate_limit == "1M/3M"
    page = web.get("/cabinet/sessions").text
    assert "Speed 1M/3M: sent (ack)" in _row(page, row.id)

    web.post(
        f"/cabinet/sessions/{row.id}/disconnect",
        data={"csrf_token": _token(_row(page, row.id))},
    )
    run_named_job("send-router-actions", scheduler_factory)
    request = venue.sim.coa.received[-1]
    assert request.code == 40  # Disconnect-Request
    assert request.attributes["User-Name"] == [card.code]
    assert venue.nas.get_session(online.session_id) is None
    assert wait_stopped(session_factory, venue.router, online.session_id)
    assert [
        (a.kind, a.state, a.reason) for a in actions_of(session_factory, venue.router)
    ] == [("coa", "done", "rate_change"), ("disconnect", "done", "owner")]


def test_a_failed_disconnect_shows_as_failed(
    csrf_app,  # noqa: F811
    sim_venue,
    settings,
    session_factory,
):
    """The outbox's last word is on the page: a failed action says so and why."""
    from sqlalchemy import update

    from hotspot.models import RouterAction

    venue, _card, _online_, row = _online(sim_venue, settings, session_factory)
    web, token = _owner_page(csrf_app, session_factory, venue, row)
    web.post(f"/cabinet/sessions/{row.id}/disconnect", data={"csrf_token": token})
    with transaction(session_factory) as s:
        s.execute(
            update(RouterAction)
            .where(RouterAction.radius_session_id == row.id)
            .values(state="failed", attempts=8, last_error="timeout after 2 s")
        )
    page = web.get("/cabinet/sessions").text
    assert "Disconnect: failed (timeout after 2 s)" in _row(page, row.id)


def test_a_bad_speed_is_refused_and_a_cashier_may_not(
    csrf_app,  # noqa: F811
    sim_venue,
    settings,
    session_factory,
):
    venue, _card, _online_, row = _online(sim_venue, settings, session_factory)
    web, token = _owner_page(csrf_app, session_factory, venue, row)
    bad = web.post(
        f"/cabinet/sessions/{row.id}/speed",
        data={"csrf_token": token, "rate": "fast please"},
        follow_redirects=True,
    )
    assert 'class="flash-error"' in bad.text
    cashier = csrf_app.test_client()
    log_in(cashier, make_account(session_factory, "cashier", venue.owner).email)
    for action in ("disconnect", "speed"):
        answer = cashier.post(
            f"/cabinet/sessions/{row.id}/{action}",
            data={"csrf_token": token, "rate": "1M/1M"},
        )
        assert answer.status_code in (400, 403)
    assert actions_of(session_factory, venue.router) == []


def test_the_operator_disconnects_any_owners_session(
    csrf_app,  # noqa: F811
    sim_venue,
    settings,
    session_factory,
    scheduler_factory,
):
    venue, _card, online, row = _online(sim_venue, settings, session_factory)
    web = csrf_app.test_client()
    log_in(web, make_account(session_factory, "operator", None).email, "/admin/login")
    page = web.get("/admin/sessions").text  # the newest first: this one
    assert f'action="/admin/sessions/{row.id}/disconnect"' in page
    assert 'href="/admin/sms"' in page  # the admin's menu
    token = _token(_row(page, row.id))
    done = web.post(f"/admin/sessions/{row.id}/disconnect", data={"csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith(
        "/admin/sessions"
    )
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.sim.coa.received[-1].code == 40
    assert wait_stopped(session_factory, venue.router, online.session_id)
    assert (
        web.post(
            "/admin/sessions/999999999/disconnect", data={"csrf_token": token}
        ).status_code
        == 404
    )
