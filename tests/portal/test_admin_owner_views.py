"""The operator's read-only views of one owner's bandwidth and ads statistics:
the cabinet's tables and CSV, in that owner's time zone; owners get 403."""

from __future__ import annotations

import csv
import io

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.services.ads import add_banner, record
from tests import factories
from tests.portal.cabinet_helpers import log_in, make_account
from tests.portal.test_bandwidth import _venue
from tests.portal.test_cabinet_ads import png


def _operator(app, session_factory):
    web = app.test_client()
    who = make_account(session_factory, "operator", None)
    log_in(web, who.email, "/admin/login")
    return web


def test_the_operator_sees_an_owners_traffic_and_top_users(
    app, session_factory, settings
):
    owner, hall, bar, card = _venue(session_factory, settings)
    web = _operator(app, session_factory)
    assert (
        f"/admin/owners/{owner.id}/bandwidth"
        in web.get(f"/admin/owners/{owner.id}").text
    )
    march = f"/admin/owners/{owner.id}/bandwidth?unit=day&date=2026-03-15"
    page = web.get(march)
    assert page.status_code == 200
    assert "99890*****67" in page.text and "998901234567" not in page.text
    assert hall.nas_identifier in page.text and 'id="override-add"' not in page.text
    routers = list(
        csv.reader(io.StringIO(web.get(march + "&format=csv&list=routers").text))
    )
    by_name = {r[0]: r for r in routers[1:]}
    assert by_name[hall.nas_identifier][2:5] == ["2", "2000", "7000000"]
    users = list(
        csv.reader(io.StringIO(web.get(march + "&format=csv&list=users").text))
    )
    # The owner's month in Tashkent: the 1 April (local) session is not in it.
    assert [u[0] for u in users[1:]] == ["99890*****67", card.code]


def test_the_operator_sees_an_owners_banner_statistics(app, session_factory):
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner)
        banner = add_banner(s, owner, "Winter sale", png(), "https://example.com")
        for n in range(4):
            record(s, banner.id, router, f"{n:032d}", "view", utcnow())
        record(s, banner.id, router, "0" * 32, "click", utcnow())
        ids = owner.id, router.nas_identifier
    web = _operator(app, session_factory)
    page = web.get(f"/admin/owners/{ids[0]}/ads")
    assert page.status_code == 200
    assert "Winter sale" in page.text and "25.0%" in page.text
    assert 'id="ad-upload"' not in page.text and "/weight" not in page.text
    rows = list(
        csv.reader(
            io.StringIO(
                web.get(f"/admin/owners/{ids[0]}/ads?format=csv&list=routers").text
            )
        )
    )
    assert rows[0] == ["router", "banner", "name", "views", "devices", "clicks", "ctr"]
    assert rows[1][0] == ids[1] and rows[1][3:6] == ["4", "4", "1"]


def test_owners_may_not_see_the_operators_owner_views(app, session_factory, settings):
    owner, *_ = _venue(session_factory, settings)
    web = app.test_client()
    log_in(web, make_account(session_factory, "owner", owner).email)
    for view in ("bandwidth", "ads"):
        assert web.get(f"/admin/owners/{owner.id}/{view}").status_code == 403
