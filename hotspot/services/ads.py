"""Advertising before access: banners, the server-enforced delay, statistics.

Uploads are checked by their content (Pillow), never by their name or declared
type, and re-encoded, which drops whatever else the file carried (metadata, trailing
data, scripts); SVG is refused. A guest's device is recorded as a keyed hash of its
MAC (:func:`device_key`), never the MAC. Every impression and click is one inserted
row (``ad_events``): nothing is updated per view, so a busy venue never waits on a
counter's lock; statistics are a query over the events.

The delay: no ticket is issued through the Free button while a banner runs for the
router before ``ad_delay`` seconds have passed since this device was shown one, and
each login needs a view newer than the device's previous ticket
(:func:`ad_wait`), so skipping the page's script does not skip the ad.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from ..cache import VENUE
from ..errors import InvalidInput, NotFound
from ..models import LoginTicket, Owner, Router
from ..models.ads import AdBanner, AdEvent, VenueLogo
from .ad_views import pending_view

#: Largest upload accepted.
MAX_UPLOAD = 2 * 1024 * 1024
#: Largest image, in pixels a side: a small file may claim a huge canvas.
MAX_SIDE = 4096
#: Formats accepted (what Pillow finds in the content) and how they are served.
FORMATS = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
#: A view older than this does not count for the delay (the guest wandered off).
VIEW_VALID = dt.timedelta(minutes=30)
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def check_image(data: bytes) -> tuple[bytes, str, int, int]:
    """The upload re-encoded, its content type and size; InvalidInput saying why
    it is refused."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_UPLOAD:
        raise InvalidInput(
            "the image is too large: at most %(mb)s MB", mb=MAX_UPLOAD // (1024 * 1024)
        )
    if data[:512].lstrip().startswith(b"<"):
        raise InvalidInput(
            "SVG and other text files are refused: upload PNG, JPEG, WebP or GIF"
        )
    broken = InvalidInput("not an image: upload PNG, JPEG, WebP or GIF")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind, size = probe.format or "", probe.size
            probe.verify()
    except Image.DecompressionBombError:
        raise InvalidInput("the image is too large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise broken from None
    if kind not in FORMATS:
        raise InvalidInput(
            "%(kind)s images are refused: upload PNG, JPEG, WebP or GIF", kind=kind
        )
    if max(size) > MAX_SIDE:
        raise InvalidInput(
            "the image is too large: at most %(side)s pixels a side", side=MAX_SIDE
        )
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            return _reencode(img, kind), FORMATS[kind], size[0], size[1]
    except (OSError, SyntaxError, ValueError):
        raise broken from None


def _reencode(img: Any, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "GIF":
        img.save(out, "GIF", save_all=getattr(img, "n_frames", 1) > 1)
    elif kind == "JPEG":
        img.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif kind == "PNG":
        keep = (
            img if img.mode in ("RGB", "RGBA", "L", "LA", "P") else img.convert("RGBA")
        )
        keep.save(out, "PNG", optimize=True)
    else:
        img.save(out, "WEBP", quality=85)
    return out.getvalue()


def add_banner(
    session: Session,
    owner: Owner,
    name: str,
    data: bytes,
    target_url: str,
    *,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    weight: int = 1,
    routers: Iterable[str] = (),
) -> AdBanner:
    """A banner of ``owner``; ``routers``: NAS identifiers (none: all routers)."""
    if not name or len(name) > 64:
        raise InvalidInput("banner name: 1 to 64 characters")
    if len(target_url) > 500 or not _URL.match(target_url):
        raise InvalidInput("link: an http:// or https:// address")
    if not 1 <= weight <= 1000:
        raise InvalidInput("weight: 1 to 1000")
    _check_dates(starts_at, ends_at)
    router_ids = _router_ids(session, owner, routers)
    image, content_type, width, height = check_image(data)
    banner = AdBanner(
        owner_id=owner.id,
        name=name,
        image=image,
        content_type=content_type,
        width=width,
        height=height,
        target_url=target_url,
        starts_at=starts_at,
        ends_at=ends_at,
        weight=weight,
        router_ids=router_ids,
        enabled=True,
    )
    session.add(banner)
    session.flush()
    return banner


def _check_dates(starts_at: dt.datetime | None, ends_at: dt.datetime | None) -> None:
    if starts_at and ends_at and ends_at <= starts_at:
        raise InvalidInput("the end date must be after the start date")


def _router_ids(session: Session, owner: Owner, routers: Iterable[str]) -> list[int]:
    """The ids of the owner's routers by NAS identifier (another's is unknown)."""
    router_ids = []
    for nas_id in routers:
        router = session.scalar(
            select(Router).where(
                Router.owner_id == owner.id, Router.nas_identifier == nas_id
            )
        )
        if router is None:
            raise NotFound(
                "no router %(nas)r for %(owner)s", nas=nas_id, owner=owner.name
            )
        router_ids.append(router.id)
    return router_ids


def banner_dict(b: AdBanner) -> dict[str, object]:
    return {
        "id": b.id,
        "name": b.name,
        "content_type": b.content_type,
        "width": b.width,
        "height": b.height,
        "target_url": b.target_url,
        "starts_at": b.starts_at.isoformat() if b.starts_at else None,
        "ends_at": b.ends_at.isoformat() if b.ends_at else None,
        "weight": b.weight,
        "router_ids": list(b.router_ids or []),
        "enabled": b.enabled,
    }


def list_banners(session: Session, owner: Owner) -> list[AdBanner]:
    query = select(AdBanner).where(AdBanner.owner_id == owner.id).order_by(AdBanner.id)
    return list(session.scalars(query))


def get_banner(session: Session, owner: Owner, banner_id: int) -> AdBanner:
    """The owner's banner; NotFound for another owner's (or none)."""
    banner = session.get(AdBanner, banner_id)
    if banner is None or banner.owner_id != owner.id:
        raise NotFound("no banner %(id)s for %(owner)s", id=banner_id, owner=owner.name)
    return banner


def update_banner(
    session: Session,
    owner: Owner,
    banner_id: int,
    *,
    weight: int | None = None,
    enabled: bool | None = None,
    schedule: tuple[dt.datetime | None, dt.datetime | None] | None = None,
    routers: Iterable[str] | None = None,
) -> AdBanner:
    """Change a banner's weight, switch it on or off, set the dates it runs
    (``schedule``: start and end, None for open) or the routers it runs on (NAS
    identifiers; none: every router)."""
    banner = get_banner(session, owner, banner_id)
    if schedule is not None:
        _check_dates(*schedule)
        banner.starts_at, banner.ends_at = schedule
    if routers is not None:
        banner.router_ids = _router_ids(session, owner, routers)
    if weight is not None:
        if not 1 <= weight <= 1000:
            raise InvalidInput("weight: 1 to 1000")
        banner.weight = weight
    if enabled is not None:
        banner.enabled = enabled
    session.flush()
    return banner


def delete_banner(session: Session, owner: Owner, banner_id: int) -> str:
    """Delete a banner with its events; its name."""
    banner = get_banner(session, owner, banner_id)
    name = banner.name
    session.delete(banner)
    session.flush()
    return name


def banner_totals(
    session: Session, owner: Owner, since: dt.datetime
) -> dict[int, dict[str, int]]:
    """Per banner of the owner since ``since``: views, unique devices, clicks."""
    rows = session.execute(
        select(
            AdEvent.banner_id,
            func.count().filter(AdEvent.kind == "view"),
            func.count(AdEvent.device.distinct()).filter(AdEvent.kind == "view"),
            func.count().filter(AdEvent.kind == "click"),
        )
        .join(AdBanner, AdBanner.id == AdEvent.banner_id)
        .where(AdBanner.owner_id == owner.id, AdEvent.at >= since)
        .group_by(AdEvent.banner_id)
    )
    return {r[0]: {"views": r[1], "devices": r[2], "clicks": r[3]} for r in rows}


def running_banners(session: Session, router: Router, now: dt.datetime) -> list[Any]:
    """(id, weight) of the banners running at this router now (no image loaded;
    the owner's enabled banners are cached for a few seconds, the dates and the
    routers are checked here)."""
    return [
        (b.id, b.weight)
        for b in VENUE.get(
            ("banners", router.owner_id), lambda: _enabled(session, router.owner_id)
        )
        if (b.starts_at is None or b.starts_at <= now)
        and (b.ends_at is None or b.ends_at > now)
        and (not b.router_ids or router.id in b.router_ids)
    ]


def _enabled(session: Session, owner_id: int) -> tuple[Any, ...]:
    columns = (AdBanner.id, AdBanner.weight, AdBanner.starts_at, AdBanner.ends_at)
    rows = session.execute(
        select(*columns, AdBanner.router_ids)
        .where(AdBanner.owner_id == owner_id, AdBanner.enabled)
        .order_by(AdBanner.id)
    )
    return tuple(rows)


def pick_banner(session: Session, router: Router, now: dt.datetime) -> int | None:
    """A running banner's id, picked by weight; None when none runs."""
    banners = running_banners(session, router, now)
    if not banners:
        return None
    point = secrets.randbelow(sum(w for _, w in banners))
    for banner_id, weight in banners:
        point -= weight
        if point < 0:
            return int(banner_id)
    return int(banners[-1][0])


def device_key(secret_key: str, mac: str) -> str:
    """A keyed hash of the MAC: the same device counts once, and the MAC cannot be
    read back (nor found by hashing every MAC without the key)."""
    key = hashlib.sha256(b"hotspot-ad-device:" + secret_key.encode()).digest()
    return hmac.new(key, mac.upper().encode(), hashlib.sha256).hexdigest()[:32]


_RECORD = text(
    "WITH off AS (SELECT set_config('synchronous_commit', 'off', true))"
    " INSERT INTO ad_events (banner_id, router_id, kind, device, at)"
    " SELECT :b, :r, :k, :d, :at FROM off"
)


def record(
    session: Session,
    banner_id: int,
    router: Router,
    device: str,
    kind: str,
    now: dt.datetime,
) -> None:
    """One impression or click: one plain insert statement, no ORM object. Its
    commit does not wait for the disk (statistics: a crash may lose the last
    instant's, never a login's): the same statement turns that off for its
    transaction, so the row costs one round trip before the commit."""
    session.execute(
        _RECORD,
        {"b": banner_id, "r": router.id, "k": kind, "d": device, "at": now},
    )


#: The device's newest view at the router (within VIEW_VALID) and the expiry of its
#: newest ticket there, in one statement built once (asked on every ad page).
_LAST_VIEW_AND_TICKET = select(
    select(func.max(AdEvent.at))
    .where(
        AdEvent.router_id == bindparam("router"),
        AdEvent.device == bindparam("device"),
        AdEvent.kind == "view",
        AdEvent.at > bindparam("since"),
    )
    .scalar_subquery(),
    select(func.max(LoginTicket.expires_at))
    .where(
        LoginTicket.router_id == bindparam("router"),
        LoginTicket.mac == bindparam("mac"),
    )
    .scalar_subquery(),
)


def ad_wait(
    session: Session,
    router: Router,
    mac: str,
    device: str,
    now: dt.datetime,
    delay: int,
    ticket_ttl: int,
) -> int | None:
    """Seconds this device must still wait before a ticket (0: none); -1 when it
    has not been shown an ad since its last ticket; None when no banner runs.
    (A ticket was issued ``ticket_ttl`` before its expiry, by the same clock.)"""
    if not running_banners(session, router, now):
        return None
    # Before the query: a view written meanwhile is in the table by then.
    buffered = pending_view(router.id, device)
    shown, last_expiry = session.execute(
        _LAST_VIEW_AND_TICKET,
        {"router": router.id, "device": device, "mac": mac, "since": now - VIEW_VALID},
    ).one()
    if buffered is not None and buffered > now - VIEW_VALID:
        shown = max(shown, buffered) if shown else buffered
    last_ticket = (
        last_expiry - dt.timedelta(seconds=ticket_ttl) if last_expiry else None
    )
    if shown is None or (last_ticket is not None and shown <= last_ticket):
        return -1
    return max(0, delay - int((now - shown).total_seconds()))


_STATS = """
SELECT e.banner_id, b.name, {key} AS key,
       count(*) FILTER (WHERE e.kind = 'view') AS views,
       count(DISTINCT e.device) FILTER (WHERE e.kind = 'view') AS devices,
       count(*) FILTER (WHERE e.kind = 'click') AS clicks
  FROM ad_events e JOIN ad_banners b ON b.id = e.banner_id
  LEFT JOIN routers r ON r.id = e.router_id
 WHERE b.owner_id = :owner AND e.at >= :since AND e.at < :until
 GROUP BY 1, 2, 3
 ORDER BY 3, 1
"""
#: What ``ad_stats`` groups by, besides the banner.
_STATS_KEYS = {
    "day": "(e.at AT TIME ZONE :tz)::date",
    "router": "coalesce(r.nas_identifier, '')",
}


def ad_stats(
    session: Session,
    owner: Owner,
    since: dt.datetime,
    until: dt.datetime,
    timezone: str = "Asia/Tashkent",
    by: str = "day",
) -> list[dict[str, object]]:
    """Per banner and day (in the venue's time zone), or per banner and router
    (``by="router"``: its NAS identifier, "" for a router since removed): views,
    unique devices, clicks and click-through rate (clicks / views)."""
    rows = session.execute(
        text(_STATS.format(key=_STATS_KEYS[by])),
        {"owner": owner.id, "since": since, "until": until, "tz": timezone},
    )
    return [
        {
            "banner": r.banner_id,
            "name": r.name,
            by: r.key.isoformat() if by == "day" else r.key,
            "views": r.views,
            "devices": r.devices,
            "clicks": r.clicks,
            "ctr": round(r.clicks / r.views, 4) if r.views else 0.0,
        }
        for r in rows
    ]


#: Largest logo accepted.
MAX_LOGO = 512 * 1024


def set_logo(
    session: Session, owner: Owner, data: bytes | None, now: dt.datetime
) -> VenueLogo | None:
    """The venue's logo (checked and re-encoded like a banner); None removes it."""
    logo = session.get(VenueLogo, owner.id)
    if data is None:
        if logo is not None:
            session.delete(logo)
            session.flush()
        return None
    if len(data) > MAX_LOGO:
        raise InvalidInput("the logo is too large: at most 512 KB")
    image, content_type, _, _ = check_image(data)
    if logo is None:
        logo = VenueLogo(owner_id=owner.id)
        session.add(logo)
    logo.image, logo.content_type, logo.updated_at = image, content_type, now
    session.flush()
    return logo
