"""The onboarding script from the cabinet: a download that makes new secrets, so
no page ever shows one; the owner only; audited without the secrets."""

from __future__ import annotations

from sqlalchemy import select

from hotspot.models import AuditEntry, Router
from tests.portal.cabinet_helpers import log_in, make_account
from tests.portal.test_cabinet import tenants  # noqa: F401 - the shared fixture


def _router(session_factory, router_id: int) -> Router:
    with session_factory() as s:
        return s.get(Router, router_id)


def test_the_script_is_a_download_with_new_secrets(app, session_factory, tenants):  # noqa: F811
    a = tenants["a"]
    rid = a.ids["router_id"]
    old = _router(session_factory, rid)
    who = make_account(session_factory, "owner", a.owner)
    client = app.test_client()
    log_in(client, who.email)
    routers = client.get("/cabinet/routers").text
    assert f"/cabinet/routers/{rid}/onboarding" in routers
    page = client.get(f"/cabinet/routers/{rid}/onboarding")
    assert page.status_code == 200 and "download-script" in page.text
    assert old.radius_secret not in page.text
    got = client.post(f"/cabinet/routers/{rid}/script")
    assert got.status_code == 200 and got.mimetype == "text/plain"
    assert got.headers["Content-Disposition"].startswith("attachment; filename=")
    assert got.headers["Cache-Control"] == "no-store"
    new = _router(session_factory, rid)
    assert new.radius_secret != old.radius_secret
    assert new.api_password and new.api_password != old.api_password
    script = got.text
    assert f'secret="{new.radius_secret}"' in script
    assert f'password="{new.api_password}"' in script
    assert old.radius_secret not in script
    assert f'/system identity set name="{new.nas_identifier}"' in script
    # No page shows the secrets afterwards either.
    for path in ("/cabinet/routers", f"/cabinet/routers/{rid}/onboarding"):
        text = client.get(path).text
        assert new.radius_secret not in text and new.api_password not in text
    # A second download replaces them again.
    again = client.post(f"/cabinet/routers/{rid}/script").text
    assert new.radius_secret not in again
    with session_factory() as s:
        entries = s.scalars(
            select(AuditEntry).where(
                AuditEntry.actor == who.email, AuditEntry.action == "router.script"
            )
        ).all()
    assert len(entries) == 2
    assert all(new.radius_secret not in str(e.detail) for e in entries)


def test_a_manager_gets_no_script(app, session_factory, tenants):  # noqa: F811
    a = tenants["a"]
    rid = a.ids["router_id"]
    before = _router(session_factory, rid).radius_secret
    client = app.test_client()
    log_in(client, make_account(session_factory, "manager", a.owner).email)
    assert client.get("/cabinet/routers").status_code == 200
    assert "/onboarding" not in client.get("/cabinet/routers").text
    assert client.get(f"/cabinet/routers/{rid}/onboarding").status_code == 403
    assert client.post(f"/cabinet/routers/{rid}/script").status_code == 403
    assert _router(session_factory, rid).radius_secret == before


def test_another_owners_router_gets_no_script(app, session_factory, tenants):  # noqa: F811
    b_router = tenants["b"].ids["router_id"]
    before = _router(session_factory, b_router).radius_secret
    client = app.test_client()
    log_in(client, make_account(session_factory, "owner", tenants["a"].owner).email)
    assert client.post(f"/cabinet/routers/{b_router}/script").status_code == 404
    assert client.get(f"/cabinet/routers/{b_router}/onboarding").status_code == 404
    assert _router(session_factory, b_router).radius_secret == before
