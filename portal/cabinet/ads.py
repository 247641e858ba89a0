"""The cabinet's ads page: the venue's banners with their views and clicks, the
upload (checked by content in the core, hotspot.services.ads, as the API's), each
banner's weight, on/off and deletion, and the delay before the Free button.
Registered on the cabinet blueprint."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from hotspot.errors import DomainError, NotFound
from hotspot.models import AdBanner, Owner, Router
from hotspot.services.ads import (
    MAX_UPLOAD,
    ad_stats,
    add_banner,
    banner_totals,
    delete_banner,
    get_banner,
    list_banners,
    update_banner,
)
from hotspot.venues import OwnerPolicy, owner_timezone, update_settings

from ..extensions import db
from ..i18n import error_text
from ..pages import csv_response
from ..staff import audit, now, staff_required
from .forms import ActionForm, AdDelayForm, AdForm, AdScheduleForm, AdWeightForm
from .routes import bp

#: The statistics on the page: the last 30 days.
STATS_DAYS = 30


def _routers() -> list[Router]:
    query = select(Router).where(Router.owner_id == g.owner.id)
    return list(db.session.scalars(query.order_by(Router.nas_identifier)))


def _with_routers(form: AdScheduleForm, routers: list[Router]) -> AdScheduleForm:
    form.routers.choices = [
        (r.nas_identifier, r.title or r.nas_identifier) for r in routers
    ]
    return form


def _schedule(form: AdScheduleForm) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The form's days as times in the venue's zone: from the first day's start
    to the end of the last one."""
    tz = ZoneInfo(owner_timezone(g.owner))
    starts, ends = form.starts.data, form.ends.data
    return (
        dt.datetime.combine(starts, dt.time(), tz) if starts else None,
        dt.datetime.combine(ends + dt.timedelta(days=1), dt.time(), tz)
        if ends
        else None,
    )


def _schedule_form(banner: AdBanner, routers: list[Router]) -> AdScheduleForm:
    """A banner's own schedule form, filled with its dates and routers."""
    tz = ZoneInfo(owner_timezone(g.owner))
    last = (
        banner.ends_at.astimezone(tz) - dt.timedelta(days=1) if banner.ends_at else None
    )
    names = {r.id: r.nas_identifier for r in routers}
    form = AdScheduleForm(
        prefix=f"ad{banner.id}",
        formdata=None,
        starts=banner.starts_at.astimezone(tz).date() if banner.starts_at else None,
        ends=last.date() if last else None,
        routers=[names[i] for i in banner.router_ids or [] if i in names],
    )
    return _with_routers(form, routers)


STATS_FIELDS = ["banner", "name", "views", "devices", "clicks", "ctr"]


def ad_statistics(owner: Owner) -> Any:
    """The owner's banners and their views, devices, clicks and CTR of the last
    STATS_DAYS days, per day (in the owner's time zone) and per router (the
    cabinet's ads page and the admin's, one owner); ``?format=csv&list=days|
    routers``: that table as CSV."""
    since, tz = now() - dt.timedelta(days=STATS_DAYS), owner_timezone(owner)
    per_day = ad_stats(db.session, owner, since, now(), tz)
    per_router = ad_stats(db.session, owner, since, now(), tz, by="router")
    if request.args.get("format") == "csv":
        key = "router" if request.args.get("list") == "routers" else "day"
        rows = per_router if key == "router" else per_day
        return csv_response(
            f"ads-by-{key}.csv",
            [key, *STATS_FIELDS],
            [[r[f] for f in [key, *STATS_FIELDS]] for r in rows],
        )
    return {
        "banners": list_banners(db.session, owner),
        "totals": banner_totals(db.session, owner, since),
        "per_day": per_day,
        "per_router": per_router,
        "days": STATS_DAYS,
    }


def _page(form: AdForm, status: int = 200) -> Any:
    data = ad_statistics(g.owner)
    if not isinstance(data, dict):
        return data
    delay = AdDelayForm(ad_delay=OwnerPolicy.of(g.owner).ad_delay)
    routers = _routers()
    page = render_template(
        "cabinet/ads.html",
        form=_with_routers(form, routers),
        delay_form=delay,
        weight_form=AdWeightForm,
        schedules={b.id: _schedule_form(b, routers) for b in data["banners"]},
        **data,
    )
    return page, status


@bp.route("/ads", methods=["GET", "POST"])
@staff_required("ads")
def ads() -> Any:
    form = _with_routers(AdForm(), _routers())
    if request.method == "GET":
        return _page(form)
    if (request.content_length or 0) > MAX_UPLOAD + 65536:
        flash(gettext("The image is too large: at most 2 MB."), "error")
        return _page(form, 413)
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        banner = add_banner(
            db.session,
            g.owner,
            form.name.data.strip(),
            form.image.data.stream.read(MAX_UPLOAD + 1),
            form.link.data.strip(),
            weight=form.weight.data,
            starts_at=_schedule(form)[0],
            ends_at=_schedule(form)[1],
            routers=form.routers.data or (),
        )
    except DomainError as exc:
        # Nothing is kept of the refused upload; the form keeps what was typed.
        db.session.rollback()
        flash(error_text(exc), "error")
        return _page(form, 422)
    audit("ad.add", {"banner": banner.id, "name": banner.name})
    flash(gettext("Banner added."))
    return redirect(url_for(".ads"))


def _mine(banner_id: int) -> Any:
    try:
        return get_banner(db.session, g.owner, banner_id)
    except NotFound:
        abort(404)


@bp.get("/ads/<int:banner_id>/image")
@staff_required("ads")
def ad_preview(banner_id: int) -> Response:
    """The banner as uploaded (re-encoded), switched off ones too."""
    banner = _mine(banner_id)
    response = Response(banner.image, mimetype=banner.content_type)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.post("/ads/<int:banner_id>/weight")
@staff_required("ads")
def ad_weight(banner_id: int) -> Any:
    banner = _mine(banner_id)
    form = AdWeightForm()
    if not form.validate_on_submit():
        flash(gettext("Weight: a whole number from 1 to 1000."), "error")
        return redirect(url_for(".ads"))
    update_banner(db.session, g.owner, banner.id, weight=form.weight.data)
    audit("ad.weight", {"banner": banner.id, "weight": form.weight.data})
    return redirect(url_for(".ads"))


@bp.post("/ads/<int:banner_id>/schedule")
@staff_required("ads")
def ad_schedule(banner_id: int) -> Any:
    """The dates a banner runs and its routers."""
    banner = _mine(banner_id)
    form = _with_routers(AdScheduleForm(prefix=f"ad{banner.id}"), _routers())
    if not form.validate_on_submit():
        flash(gettext("Dates: from and until as days; routers: yours."), "error")
        return redirect(url_for(".ads"))
    try:
        update_banner(
            db.session,
            g.owner,
            banner.id,
            schedule=_schedule(form),
            routers=form.routers.data or (),
        )
    except DomainError as exc:
        db.session.rollback()
        flash(error_text(exc), "error")
        return redirect(url_for(".ads"))
    detail = {"banner": banner.id, "starts": str(form.starts.data or "")}
    detail |= {"ends": str(form.ends.data or ""), "routers": form.routers.data}
    audit("ad.schedule", detail)
    flash(gettext("Saved."))
    return redirect(url_for(".ads"))


@bp.post("/ads/<int:banner_id>/<any(enable, disable):action>")
@staff_required("ads")
def ad_switch(banner_id: int, action: str) -> Any:
    banner = _mine(banner_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    update_banner(db.session, g.owner, banner.id, enabled=action == "enable")
    audit(f"ad.{action}", {"banner": banner.id})
    return redirect(url_for(".ads"))


@bp.post("/ads/<int:banner_id>/delete")
@staff_required("ads")
def ad_delete(banner_id: int) -> Any:
    banner = _mine(banner_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = delete_banner(db.session, g.owner, banner.id)
    audit("ad.delete", {"banner": banner_id, "name": name})
    flash(gettext("Banner deleted."))
    return redirect(url_for(".ads"))


@bp.post("/ads/delay")
@staff_required("ads")
def ad_delay() -> Any:
    form = AdDelayForm()
    if not form.validate_on_submit():
        flash(gettext("The delay: 0 to 120 seconds."), "error")
        return redirect(url_for(".ads"))
    update_settings(db.session, g.owner, {"ad_delay": form.ad_delay.data})
    audit("settings.update", {"changes": {"ad_delay": form.ad_delay.data}})
    flash(gettext("Settings saved."))
    return redirect(url_for(".ads"))
