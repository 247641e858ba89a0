"""The admin's health page counts dead-lettered accounting and names the newest
reason; a page lists them (with CSV); owners see none of it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from hotspot.db import transaction
from hotspot.models import AccountingDeadLetter
from tests.portal.cabinet_helpers import log_in, make_account
from tests.portal.test_cabinet import tenants  # noqa: F401 - the shared fixture


def test_health_shows_dead_letters_and_lists_them(app, session_factory, tenants):  # noqa: F811
    with transaction(session_factory) as s:
        before = s.scalar(select(func.count(AccountingDeadLetter.id)))
        for n, reason in enumerate(("value too long for type", "invalid input syntax")):
            s.add(
                AccountingDeadLetter(
                    router="venue-router-7",
                    fields={"Acct-Session-Id": f"dead{n}", "User-Name": "x" * 80},
                    reason=reason,
                    created_at=dt.datetime(2026, 11, 30, 10 + n, tzinfo=dt.UTC),
                )
            )
    web = app.test_client()
    log_in(web, make_account(session_factory, "operator", None).email, "/admin/login")
    health = web.get("/admin/").text
    figure = health[health.index('id="dead-letters"') :][:600]
    assert f'<b class="bad">{before + 2}</b>' in figure
    assert "invalid input syntax" in figure  # the newest
    listed = web.get("/admin/dead-letters").text
    assert "value too long for type" in listed and "dead1" in listed
    exported = web.get("/admin/dead-letters?format=csv").text
    assert exported.splitlines()[0] == "id,created,router,reason,fields"
    assert "venue-router-7" in exported
    owner = app.test_client()
    log_in(owner, make_account(session_factory, "owner", tenants["a"].owner).email)
    assert owner.get("/admin/dead-letters").status_code == 403
