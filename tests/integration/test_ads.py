"""Ads in the core: uploads checked by content and re-encoded, banners picked by
weight where and when they run, the server-enforced delay before Free access, and
statistics per banner and day from insert-only events."""

from __future__ import annotations

import collections
import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import select

from hotspot.errors import InvalidInput
from hotspot.models.ads import AdEvent
from hotspot.services.access import PortalLogin
from hotspot.services.ads import (
    MAX_UPLOAD,
    ad_stats,
    add_banner,
    check_image,
    device_key,
    pick_banner,
    record,
)
from hotspot.services.guest import AdPending, free_login
from hotspot.services.tariffs import add_tariff
from hotspot.venues import update_settings
from tests import factories

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
MAC = "02:AD:00:00:00:01"


def image(fmt: str, size: tuple[int, int] = (40, 20), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt, **save)
    return out.getvalue()


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"),
     ("GIF", "image/gif")],
)  # fmt: skip
def test_images_are_checked_by_content_and_re_encoded(fmt, content_type):
    data = image(fmt) + b"<script>trailing</script>"
    encoded, kind, width, height = check_image(data)
    assert (kind, width, height) == (content_type, 40, 20)
    assert b"<script>" not in encoded
    with Image.open(io.BytesIO(encoded)) as again:
        assert again.format == fmt


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"MZ\x90\x00 an executable", "not an image"),
        (SVG, "SVG"),
        (b"  <svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
        (image("PNG")[:60], "not an image"),
        (image("BMP"), "BMP images are refused"),
        (image("PNG", (5000, 10)), "at most 4096 pixels"),
        (b"\x89PNG" + b"\0" * MAX_UPLOAD, "at most 2 MB"),
    ],
    ids=["binary", "svg", "svg-spaces", "truncated", "bmp", "huge-canvas", "big"],
)
def test_uploads_refused_with_a_clear_reason(data, reason):
    with pytest.raises(InvalidInput, match=reason):
        check_image(data)


def _venue(session, delay: int = 5):
    owner = factories.owner(session)
    router = factories.router(session, owner)
    tariff = add_tariff(
        session, owner, "free", time="30m", guest=True, guest_mode="no-pause"
    )
    update_settings(
        session,
        owner,
        {
            "guest_tariff": tariff.name,
            "guest_access": "on",
            "guest_identification": "off",
            "ad_delay": str(delay),
        },
    )
    return owner, router


def _banner(session, owner, name="b", **kwargs):
    return add_banner(
        session, owner, name, image("PNG"), "https://shop.example/", **kwargs
    )


def test_banners_run_by_dates_routers_and_weight(db_session):
    owner, router = _venue(db_session)
    other = factories.router(db_session, owner)
    assert pick_banner(db_session, router, NOW) is None
    heavy = _banner(db_session, owner, "heavy", weight=9)
    light = _banner(db_session, owner, "light", weight=1)
    _banner(db_session, owner, "old", ends_at=NOW)
    _banner(db_session, owner, "later", starts_at=NOW + dt.timedelta(days=1))
    _banner(db_session, owner, "elsewhere", routers=[other.nas_identifier])
    picks = collections.Counter(
        pick_banner(db_session, router, NOW) for _ in range(400)
    )
    assert set(picks) == {heavy.id, light.id}
    assert picks[heavy.id] > 5 * picks[light.id]
    with pytest.raises(InvalidInput, match="link"):
        add_banner(db_session, owner, "x", image("PNG"), "javascript:alert(1)")


def test_no_ticket_before_the_delay_since_the_device_was_shown(db_session, settings):
    owner, router = _venue(db_session, delay=5)
    banner = _banner(db_session, owner)
    # Never shown: refused.
    refused = free_login(db_session, settings, router, MAC, NOW)
    assert isinstance(refused, AdPending) and refused.seconds == -1
    device = device_key(settings.secret_key, MAC)
    record(db_session, banner.id, router, device, "view", NOW)
    refused = free_login(
        db_session, settings, router, MAC, NOW + dt.timedelta(seconds=2)
    )
    assert isinstance(refused, AdPending) and refused.seconds == 3
    later = NOW + dt.timedelta(seconds=5)
    assert isinstance(free_login(db_session, settings, router, MAC, later), PortalLogin)
    # The next login needs the ad again (the view came before the last ticket).
    again = free_login(
        db_session, settings, router, MAC, later + dt.timedelta(seconds=10)
    )
    assert isinstance(again, AdPending) and again.seconds == -1


def test_without_a_running_banner_there_is_no_wait(db_session, settings):
    _, router = _venue(db_session, delay=30)
    assert isinstance(free_login(db_session, settings, router, MAC, NOW), PortalLogin)


def test_events_hold_a_keyed_hash_of_the_mac_never_the_mac(db_session, settings):
    owner, router = _venue(db_session)
    banner = _banner(db_session, owner)
    key = device_key(settings.secret_key, MAC)
    record(db_session, banner.id, router, key, "view", NOW)
    stored = db_session.scalar(
        select(AdEvent.device).where(AdEvent.banner_id == banner.id)
    )
    assert stored == key and MAC.replace(":", "").lower() not in stored
    assert device_key("another-key", MAC) != key
    assert device_key(settings.secret_key, MAC.lower()) == key


def test_stats_per_banner_and_day_in_the_venue_time(db_session, settings):
    owner, router = _venue(db_session)
    a, b = _banner(db_session, owner, "a"), _banner(db_session, owner, "b")
    devices = [
        device_key(settings.secret_key, f"02:00:00:00:00:0{i}") for i in range(4)
    ]
    # 19:30 UTC is already the next day in Tashkent (UTC+5).
    day1, day2 = NOW, NOW + dt.timedelta(hours=7, minutes=30)
    for device in devices:
        record(db_session, a.id, router, device, "view", day1)
    record(db_session, a.id, router, devices[0], "view", day1)  # the same device again
    record(db_session, a.id, router, devices[0], "click", day1)
    record(db_session, b.id, router, devices[1], "view", day2)
    rows = ad_stats(
        db_session, owner, NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1)
    )
    assert rows == [
        {"banner": a.id, "name": "a", "day": "2026-06-01", "views": 5, "devices": 4,
         "clicks": 1, "ctr": 0.2},
        {"banner": b.id, "name": "b", "day": "2026-06-02", "views": 1, "devices": 1,
         "clicks": 0, "ctr": 0.0},
    ]  # fmt: skip
