"""The cabinet's bandwidth page: traffic per router (from the rollups) and the top
users (from the sessions) of a period in the owner's time zone, with CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

from hotspot.db import transaction
from hotspot.models import RadiusSession
from hotspot.services.stats import refresh_rollups
from tests import factories
from tests.portal.cabinet_helpers import log_in, make_account

UTC = dt.UTC


def _session(s, router, user, started, down, up, voucher_id=None):
    s.add(
        RadiusSession(
            router_id=router.id,
            acct_session_id=uuid.uuid4().hex[:12],
            username=user,
            started_at=started,
            updated_at=started,
            stopped_at=started + dt.timedelta(minutes=30),
            session_time=1800,
            input_octets=up,
            output_octets=down,
            voucher_id=voucher_id,
        )
    )


def _venue(session_factory, settings):
    """March 2026 in Tashkent (UTC+5) starts at 19:00 UTC on 28 February."""
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        hall = factories.router(s, owner)
        bar = factories.router(s, owner)
        card = factories.voucher(s, owner, settings.pin_key, time="1h")
        other = factories.router(s, factories.owner(s))
        # 01:00 on 1 March local: March.
        _session(
            s,
            hall,
            "998901234567",
            dt.datetime(2026, 2, 28, 20, tzinfo=UTC),
            5_000_000,
            1_000,
        )
        # 23:30 on 1 March local.
        _session(
            s,
            hall,
            "998901234567",
            dt.datetime(2026, 3, 1, 18, 30, tzinfo=UTC),
            2_000_000,
            1_000,
        )
        _session(
            s,
            bar,
            card.code,
            dt.datetime(2026, 3, 10, 12, tzinfo=UTC),
            3_000_000,
            500,
            card.voucher.id,
        )
        # 01:00 on 1 April local: not March.
        _session(
            s,
            bar,
            "998909999999",
            dt.datetime(2026, 3, 31, 20, tzinfo=UTC),
            90_000_000,
            0,
        )
        # Before March local (23:00 on 28 February).
        _session(
            s,
            bar,
            "998908888888",
            dt.datetime(2026, 2, 28, 18, tzinfo=UTC),
            80_000_000,
            0,
        )
        # Another owner's guest.
        _session(
            s, other, "998907777777", dt.datetime(2026, 3, 5, tzinfo=UTC), 70_000_000, 0
        )
        refresh_rollups(
            s,
            dt.datetime(2026, 4, 2, tzinfo=UTC),
            since=dt.datetime(2026, 2, 27, tzinfo=UTC),
        )
        return owner, hall, bar, card


def test_per_router_and_top_users_in_the_owners_month(app, session_factory, settings):
    owner, hall, bar, card = _venue(session_factory, settings)
    web = app.test_client()
    log_in(web, make_account(session_factory, "manager", owner).email)
    march = "/cabinet/bandwidth?unit=day&date=2026-03-15"
    page = web.get(march)
    assert page.status_code == 200
    assert "99890*****67" in page.text and "998901234567" not in page.text
    routers = list(
        csv.reader(io.StringIO(web.get(march + "&format=csv&list=routers").text))
    )
    assert routers[0] == [
        "name",
        "title",
        "sessions",
        "bytes_in",
        "bytes_out",
        "seconds",
    ]
    by_name = {r[0]: r for r in routers[1:]}
    assert by_name[hall.nas_identifier][2:5] == ["2", "2000", "7000000"]
    assert by_name[bar.nas_identifier][2:5] == ["1", "500", "3000000"]
    users = list(
        csv.reader(io.StringIO(web.get(march + "&format=csv&list=users").text))
    )
    assert [u[0] for u in users[1:]] == ["99890*****67", card.code]
    assert users[1][2:5] == ["2", "2000", "7000000"]
    # One router's top users; another owner's router is unknown.
    only_bar = web.get(march + f"&router={bar.id}&format=csv&list=users").text
    assert card.code in only_bar and "99890*****67" not in only_bar
    april = web.get("/cabinet/bandwidth?unit=day&date=2026-04-01&format=csv&list=users")
    assert "99890*****99" in april.text


def test_cashier_may_not_see_bandwidth(app, session_factory, settings):
    owner, *_ = _venue(session_factory, settings)
    web = app.test_client()
    log_in(web, make_account(session_factory, "cashier", owner).email)
    assert web.get("/cabinet/bandwidth").status_code == 403
