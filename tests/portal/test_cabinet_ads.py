"""The cabinet's ads page: upload (checked by content, as the API's), the views
and clicks per banner, weight, on/off, deletion and the delay, with CSRF; a
refused upload says why and loses nothing."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import Owner
from hotspot.models.ads import AdBanner
from hotspot.services.ads import MAX_UPLOAD, record
from hotspot.venues import OwnerPolicy
from portal import create_app
from tests import factories
from tests.portal.cabinet_helpers import csrf, log_in, make_account


def png(size=(80, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (250, 160, 0)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def csrf_app(settings):
    app = create_app({"TESTING": True}, settings=settings)
    yield app
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()


@pytest.fixture
def owner_client(csrf_app, session_factory):
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner)
    client = csrf_app.test_client()
    log_in(client, make_account(session_factory, "owner", owner).email)
    return client, owner, router


def _upload(client, data: bytes, filename="banner.png", **fields):
    """A multipart upload, encoded in memory (the test client would spool a large
    body to a file it never closes)."""
    values = {
        "csrf_token": csrf(client, "/cabinet/ads"),
        "name": "Summer sale",
        "link": "https://shop.example/sale",
        "weight": "3",
        **fields,
        "image": FileStorage(io.BytesIO(data), filename=filename),
    }
    boundary, body = encode_multipart(values)
    return client.post(
        "/cabinet/ads",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _banners(session_factory, owner: Owner) -> list[AdBanner]:
    with session_factory() as s:
        query = select(AdBanner).where(AdBanner.owner_id == owner.id)
        return list(s.scalars(query.order_by(AdBanner.id)))


def test_upload_then_the_list_shows_views_and_clicks(owner_client, session_factory):
    client, owner, router = owner_client
    r = _upload(client, png())
    assert r.status_code == 302
    (banner,) = _banners(session_factory, owner)
    assert (banner.name, banner.weight, banner.enabled) == ("Summer sale", 3, True)
    assert banner.content_type == "image/png"
    with transaction(session_factory) as s:
        for n in range(4):
            record(s, banner.id, router, f"{n % 2:032d}", "view", utcnow())
        record(s, banner.id, router, "0" * 32, "click", utcnow())
    page = client.get("/cabinet/ads").text
    row = page[page.index(f'id="ad-{banner.id}"') :].split("</tr>")[0]
    cells = [c.split("<")[0] for c in row.split('class="num">')[1:]]
    assert cells == ["4", "2", "1", "25.0%"]
    preview = client.get(f"/cabinet/ads/{banner.id}/image")
    assert preview.status_code == 200 and preview.data.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b"just some text, not an image", "banner.png", "not an image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "banner.svg", "SVG"),
        (png((5000, 10)), "wide.png", "at most 4096 pixels"),
        (b"\x89PNG" + b"0" * (MAX_UPLOAD + 10), "big.png", "too large"),
    ],
)
def test_a_refused_upload_says_why_and_loses_nothing(
    owner_client, session_factory, data, filename, reason
):
    client, owner, _ = owner_client
    assert _upload(client, png(), name="Kept").status_code == 302
    r = _upload(client, data, filename, name="Second", link="https://x.example/a")
    assert r.status_code in (413, 422)
    assert reason in r.text
    if r.status_code == 422:  # what was typed is still in the form
        assert 'value="Second"' in r.text and "https://x.example/a" in r.text
    assert [b.name for b in _banners(session_factory, owner)] == ["Kept"]


@pytest.mark.parametrize(
    ("locale", "refusal"),
    [
        ("ru", "это не изображение: загрузите PNG, JPEG, WebP или GIF"),
        ("uz_Cyrl", "бу расм эмас: PNG, JPEG, WebP ёки GIF юкланг"),
    ],
)
def test_a_refused_upload_says_why_in_the_cabinet_language(
    owner_client, locale, refusal
):
    client, _, _ = owner_client
    assert client.get(f"/cabinet/ads?lang={locale}").status_code == 200
    r = _upload(client, b"just some text, not an image", name="Second")
    assert r.status_code == 422
    assert refusal in r.text
    assert "not an image" not in r.text


def test_a_settings_error_is_in_the_cabinet_language(owner_client):
    """The core's settings check names the setting and what it expects, both
    translated; what the owner typed is shown as typed."""
    client, _, _ = owner_client
    client.get("/cabinet/settings?lang=ru")
    token = csrf(client, "/cabinet/settings")
    r = client.post(
        "/cabinet/settings", data={"csrf_token": token, "otp_length": "nine"}
    )
    assert "otp_length: ожидалось целое число от 4 до 6, получено &#39;nine&#39;" in (
        r.text
    )


@pytest.mark.parametrize(
    ("locale", "described"),
    [
        ("ru", "сколько секунд действует SMS-код"),
        ("uz", "SMS kod necha soniya amal qiladi"),
        ("uz_Cyrl", "SMS код неча сония амал қилади"),
        ("en", "seconds an SMS code is valid"),
    ],
)
def test_the_settings_are_described_in_the_cabinet_language(
    owner_client, locale, described
):
    """Each setting's description (the core's words) is translated, and no other
    language's is left on the page."""
    client, _, _ = owner_client
    page = client.get(f"/cabinet/settings?lang={locale}").text
    assert described in page
    for other in ("seconds an SMS code is valid", "сколько секунд действует SMS-код"):
        if other != described:
            assert other not in page


def test_weight_switch_delete_and_delay_need_the_token(owner_client, session_factory):
    client, owner, _ = owner_client
    _upload(client, png())
    (banner,) = _banners(session_factory, owner)
    base = f"/cabinet/ads/{banner.id}"
    assert client.post(f"{base}/disable").status_code == 400  # no CSRF token
    assert client.post(f"{base}/weight", data={"weight": "7"}).status_code == 400
    token = csrf(client, "/cabinet/ads")
    client.post(f"{base}/weight", data={"csrf_token": token, "weight": "7"})
    client.post(f"{base}/disable", data={"csrf_token": token})
    (banner,) = _banners(session_factory, owner)
    assert (banner.weight, banner.enabled) == (7, False)
    assert "(off)" in client.get("/cabinet/ads").text
    client.post(f"{base}/enable", data={"csrf_token": token})
    assert _banners(session_factory, owner)[0].enabled
    client.post("/cabinet/ads/delay", data={"csrf_token": token, "ad_delay": "12"})
    with session_factory() as s:
        assert OwnerPolicy.of(s.get(Owner, owner.id)).ad_delay == 12
    client.post(f"{base}/delete", data={"csrf_token": token})
    assert _banners(session_factory, owner) == []
    assert client.get(f"{base}/image").status_code == 404


def test_a_cashier_has_no_ads_page(csrf_app, session_factory):
    with transaction(session_factory) as s:
        owner = factories.owner(s)
    client = csrf_app.test_client()
    log_in(client, make_account(session_factory, "cashier", owner).email)
    assert client.get("/cabinet/ads").status_code == 403


def _table(page: str, table_id: str) -> list[list[str]]:
    body = page[page.index(f'id="{table_id}"') :].split("</table>")[0]
    rows = body.split("<tbody>")[1].split("</tr>")[:-1]
    return [[c.split("</td>")[0] for c in r.split("<td")[1:]] for r in rows]


def _cell(text: str) -> str:
    return text.split(">", 1)[1]


def test_schedule_and_routers_at_upload_and_later(owner_client, session_factory):
    client, owner, router = owner_client
    with transaction(session_factory) as s:
        other = factories.router(s, s.merge(owner))
        stranger = factories.router(s, factories.owner(s))
    r = _upload(
        client,
        png(),
        starts="2026-12-10",
        ends="2026-12-20",
        routers=router.nas_identifier,
    )
    assert r.status_code == 302
    (banner,) = _banners(session_factory, owner)
    assert banner.router_ids == [router.id]
    # Days in the venue's zone (Tashkent, UTC+5), the last one included.
    assert banner.starts_at.isoformat() == "2026-12-09T19:00:00+00:00"
    assert banner.ends_at.isoformat() == "2026-12-20T19:00:00+00:00"
    page = client.get("/cabinet/ads").text
    assert f'name="ad{banner.id}-starts" type="date" value="2026-12-10"' in page
    assert f'name="ad{banner.id}-ends" type="date" value="2026-12-20"' in page
    url = f"/cabinet/ads/{banner.id}/schedule"
    token = csrf(client, "/cabinet/ads")
    prefix = f"ad{banner.id}-"
    form = {f"{prefix}csrf_token": token, f"{prefix}starts": "2026-12-15"}
    assert client.post(url, data={f"{prefix}starts": "2026-12-15"}).status_code == 400
    assert _banners(session_factory, owner)[0].router_ids == [router.id]  # no token
    form[f"{prefix}routers"] = [router.nas_identifier, other.nas_identifier]
    client.post(url, data=form)
    (banner,) = _banners(session_factory, owner)
    assert (banner.starts_at.isoformat(), banner.ends_at) == (
        "2026-12-14T19:00:00+00:00",
        None,
    )
    assert sorted(banner.router_ids) == sorted([router.id, other.id])
    # Another owner's router, an end before the start: refused, nothing changes.
    for bad in (
        {f"{prefix}routers": stranger.nas_identifier},
        {f"{prefix}starts": "2026-12-15", f"{prefix}ends": "2026-12-01"},
    ):
        answer = client.post(url, data={f"{prefix}csrf_token": token, **bad})
        assert 'class="flash-error"' in client.get(answer.headers["Location"]).text
    assert sorted(_banners(session_factory, owner)[0].router_ids) == sorted(
        [router.id, other.id]
    )


def test_statistics_by_day_and_by_router(owner_client, session_factory):
    client, owner, router = owner_client
    with transaction(session_factory) as s:
        other = factories.router(s, s.merge(owner))
    _upload(client, png())
    (banner,) = _banners(session_factory, owner)
    now = utcnow()
    with transaction(session_factory) as s:
        for n in range(3):
            record(s, banner.id, router, f"{n:032d}", "view", now)
        record(s, banner.id, router, "0" * 32, "click", now)
        record(s, banner.id, other, "9" * 32, "view", now)
        yesterday = now - dt.timedelta(days=1)
        record(s, banner.id, other, "9" * 32, "view", yesterday)
        record(s, banner.id, other, "9" * 32, "click", yesterday)
    page = client.get("/cabinet/ads").text
    tz = ZoneInfo("Asia/Tashkent")
    by_day = [[_cell(c) for c in row] for row in _table(page, "ads-by-day")]
    assert by_day == [
        [str(yesterday.astimezone(tz).date()), "Summer sale", "1", "1", "1", "100.0%"],
        [str(now.astimezone(tz).date()), "Summer sale", "4", "4", "1", "25.0%"],
    ]
    by_router = [[_cell(c) for c in row] for row in _table(page, "ads-by-router")]
    assert sorted(by_router) == sorted(
        [
            [router.nas_identifier, "Summer sale", "3", "3", "1", "33.3%"],
            [other.nas_identifier, "Summer sale", "2", "1", "1", "50.0%"],
        ]
    )
