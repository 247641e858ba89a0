"""The cabinet's ads page: the venue's banners with their views and clicks, the
upload (checked by content in the core, hotspot.services.ads, as the API's), each
banner's weight, on/off and deletion, and the delay before the Free button.
Registered on the cabinet blueprint."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from hotspot.errors import DomainError, NotFound
from hotspot.services.ads import (
    MAX_UPLOAD,
    add_banner,
    banner_totals,
    delete_banner,
    get_banner,
    list_banners,
    update_banner,
)
from hotspot.venues import OwnerPolicy, update_settings

from ..extensions import db
from ..staff import audit, now, staff_required
from .forms import ActionForm, AdDelayForm, AdForm, AdWeightForm
from .routes import bp, error_text

#: The statistics on the page: the last 30 days.
STATS_DAYS = 30


def _page(form: AdForm, status: int = 200) -> Any:
    since = now() - dt.timedelta(days=STATS_DAYS)
    delay = AdDelayForm(ad_delay=OwnerPolicy.of(g.owner).ad_delay)
    page = render_template(
        "cabinet/ads.html",
        form=form,
        delay_form=delay,
        weight_form=AdWeightForm,
        banners=list_banners(db.session, g.owner),
        totals=banner_totals(db.session, g.owner, since),
        days=STATS_DAYS,
    )
    return page, status


@bp.route("/ads", methods=["GET", "POST"])
@staff_required("ads")
def ads() -> Any:
    form = AdForm()
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
