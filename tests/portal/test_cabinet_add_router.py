"""An owner adds a router from the cabinet and is led to its onboarding script;
the secret is generated, never on a page; the owner only, up to the operator's
limit, audited. The routers pages show each router's last RADIUS request and its
last Disconnect/CoA/API error."""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import uuid

import pytest
from sqlalchemy import select

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import AuditEntry, Router, RouterAction
from hotspot.services.tenancy import MIN_SECRET_LENGTH
from tests import factories
from tests.portal.cabinet_helpers import csrf, log_in, make_account
from tests.portal.test_cabinet import csrf_app  # noqa: F401 - the shared fixture

_ips = itertools.count(1)


def new_ip() -> str:
    return str(ipaddress.ip_address("198.18.24.0") + next(_ips))


@pytest.fixture
def owner(session_factory):
    with transaction(session_factory) as s:
        return factories.owner(s)


def routers_of(session_factory, owner) -> list[Router]:
    with session_factory() as s:
        return list(s.scalars(select(Router).where(Router.owner_id == owner.id)))


def add(client, token: str, nas_id: str, ip: str, title: str = ""):
    return client.post(
        "/cabinet/routers/new",
        data={
            "csrf_token": token,
            "nas_identifier": nas_id,
            "ip_address": ip,
            "title": title,
        },
    )


def test_an_owner_adds_a_router_and_gets_its_script(csrf_app, session_factory, owner):  # noqa: F811
    who = make_account(session_factory, "owner", owner)
    client = csrf_app.test_client()
    log_in(client, who.email)
    assert "/cabinet/routers/new" in client.get("/cabinet/routers").text
    nas_id, ip = f"cafe-{uuid.uuid4().hex[:6]}", new_ip()
    # Without the CSRF token: refused, nothing added.
    assert add(client, "", nas_id, ip).status_code == 400
    assert routers_of(session_factory, owner) == []
    token = csrf(client, "/cabinet/routers/new")
    done = add(client, token, nas_id, ip, "Cafe")
    assert done.status_code == 302
    (router,) = routers_of(session_factory, owner)
    assert done.headers["Location"].endswith(f"/cabinet/routers/{router.id}/onboarding")
    assert (router.nas_identifier, str(router.ip_address)) == (nas_id, ip)
    assert router.title == "Cafe" and router.require_message_authenticator
    assert len(router.radius_secret) >= MIN_SECRET_LENGTH
    for path in ("/cabinet/routers", done.headers["Location"]):
        assert router.radius_secret not in client.get(path).text
    with session_factory() as s:
        entry = s.scalars(
            select(AuditEntry).where(
                AuditEntry.actor == who.email, AuditEntry.action == "router.add"
            )
        ).one()
    assert entry.detail["nas_id"] == nas_id
    assert router.radius_secret not in str(entry.detail)
    # The onboarding download then carries a (fresh) secret.
    token = csrf(client, done.headers["Location"])
    script = client.post(
        f"/cabinet/routers/{router.id}/script", data={"csrf_token": token}
    )
    (after,) = routers_of(session_factory, owner)
    assert f'secret="{after.radius_secret}"' in script.text


def test_bad_or_taken_names_and_addresses_are_refused(app, session_factory, owner):
    with transaction(session_factory) as s:
        taken = factories.router(s, s.merge(owner))
    client = app.test_client()
    log_in(client, make_account(session_factory, "owner", owner).email)
    for nas_id, ip in [
        ("bad name!", new_ip()),
        (taken.nas_identifier, new_ip()),
        (f"ok-{uuid.uuid4().hex[:6]}", str(taken.ip_address)),
        (f"ok-{uuid.uuid4().hex[:6]}", "not an address"),
    ]:
        page = add(client, "", nas_id, ip)
        assert page.status_code == 200 and 'class="flash-error"' in page.text, nas_id
    assert len(routers_of(session_factory, owner)) == 1


def test_the_operator_s_limit(app, session_factory, owner):
    settings = app.config["HOTSPOT_SETTINGS"]
    app.config["HOTSPOT_SETTINGS"] = settings.with_(max_routers_per_owner=2)
    try:
        client = app.test_client()
        log_in(client, make_account(session_factory, "owner", owner).email)
        for _ in range(3):
            add(client, "", f"r-{uuid.uuid4().hex[:6]}", new_ip())
        page = add(client, "", f"r-{uuid.uuid4().hex[:6]}", new_ip())
        assert "You have as many routers as you may add." in page.text
        assert len(routers_of(session_factory, owner)) == 2
    finally:
        app.config["HOTSPOT_SETTINGS"] = settings


def test_a_manager_adds_none(app, session_factory, owner):
    client = app.test_client()
    log_in(client, make_account(session_factory, "manager", owner).email)
    assert "/cabinet/routers/new" not in client.get("/cabinet/routers").text
    assert client.get("/cabinet/routers/new").status_code == 403
    assert add(client, "", "m-router", new_ip()).status_code == 403
    assert routers_of(session_factory, owner) == []


def test_status_shows_last_request_and_last_error(app, session_factory, owner):
    now = utcnow()
    with transaction(session_factory) as s:
        router = factories.router(s, s.merge(owner))
        router.last_request_at = now - dt.timedelta(minutes=3)
        for minutes, error in ((30, "timeout: no answer"), (20, ""), (10, "")):
            s.add(
                RouterAction(
                    router_id=router.id,
                    kind="disconnect",
                    username="guest",
                    acct_session_id="s1",
                    reason="owner",
                    state="failed" if error else "done",
                    next_attempt_at=now,
                    created_at=now - dt.timedelta(minutes=minutes),
                    last_error=error,
                )
            )
    client = app.test_client()
    log_in(client, make_account(session_factory, "owner", owner).email)
    page = client.get("/cabinet/routers").text
    assert "Last RADIUS request" in page and "timeout: no answer" in page
    csv = client.get("/cabinet/routers?format=csv").text
    assert "last_request,last_error" in csv.splitlines()[0]
    assert "disconnect: timeout: no answer" in csv
    assert (now - dt.timedelta(minutes=3)).isoformat()[:16] in csv
    operator = app.test_client()
    log_in(
        operator, make_account(session_factory, "operator", None).email, "/admin/login"
    )
    assert "timeout: no answer" in operator.get("/admin/routers?format=csv").text
