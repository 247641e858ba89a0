"""/api/v1/ads: an owner's banners (uploaded as multipart form data: ``image``,
``name``, ``link``, optional ``starts_at``/``ends_at`` (ISO times), ``weight`` and
``routers`` (NAS identifiers, comma separated)) and their statistics per banner and
day. Registered on the API blueprint."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g, jsonify, request

from hotspot.errors import InvalidInput
from hotspot.services.ads import (
    MAX_UPLOAD,
    ad_stats,
    add_banner,
    banner_dict,
    list_banners,
)
from hotspot.venues import OwnerPolicy

from ..extensions import db
from .routes import _now, bp, owner_required


def _time(name: str) -> dt.datetime | None:
    value = request.form.get(name, "").strip()
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name}: an ISO date and time") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


@bp.get("/ads")
@owner_required
def ads() -> Any:
    return jsonify([banner_dict(b) for b in list_banners(db.session, g.owner)])


@bp.post("/ads")
@owner_required
def ad_create() -> Any:
    if (request.content_length or 0) > MAX_UPLOAD + 65536:
        raise InvalidInput("the image is too large: at most 2 MB")
    upload = request.files.get("image")
    if upload is None:
        raise InvalidInput("image: a file is required")
    data = upload.stream.read(MAX_UPLOAD + 1)
    weight = request.form.get("weight", "1").strip()
    if not weight.isdigit():
        raise InvalidInput("weight: a whole number from 1 to 1000")
    routers = [r.strip() for r in request.form.get("routers", "").split(",")]
    banner = add_banner(
        db.session,
        g.owner,
        request.form.get("name", "").strip(),
        data,
        request.form.get("link", "").strip(),
        starts_at=_time("starts_at"),
        ends_at=_time("ends_at"),
        weight=int(weight),
        routers=[r for r in routers if r],
    )
    return jsonify(banner_dict(banner)), 201


@bp.get("/ads/stats")
@owner_required
def ad_statistics() -> Any:
    """``?days=N`` (default 7, at most 366): per banner and day."""
    days = request.args.get("days", "7")
    if not days.isdigit() or not 1 <= int(days) <= 366:
        raise InvalidInput("days: 1 to 366")
    now = _now()
    policy = OwnerPolicy.of(g.owner)
    rows = ad_stats(
        db.session, g.owner, now - dt.timedelta(days=int(days)), now, policy.timezone
    )
    return jsonify(rows)
