"""The bandwidth page's limits: each router's total (the parent queue the queue
sync keeps on the router), the venue's default per-user speed (its guest
tariff's) and per-user overrides for a phone or a card (hotspot.services.speeds).
Owner and manager may change them. Registered on the cabinet blueprint."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext

from hotspot.errors import DomainError, NotFound
from hotspot.models import Router, Tariff
from hotspot.routers.control import set_router_control
from hotspot.services.speeds import (
    default_rate,
    list_overrides,
    remove_override,
    set_default_rate,
    set_override,
)

from ..extensions import db
from ..i18n import error_text
from ..staff import audit, now, staff_required
from .forms import ActionForm
from .routes import bp


def limits_context() -> dict[str, Any]:
    """What the bandwidth page shows of the limits (whoever sees the page, an
    owner or a manager, may change them)."""
    tariff = (
        db.session.get(Tariff, g.owner.guest_tariff_id)
        if g.owner.guest_tariff_id
        else None
    )
    return {
        "guest_tariff": tariff,
        "default_rate": default_rate(db.session, g.owner),
        "overrides": list_overrides(db.session, g.owner),
    }


def _checked() -> None:
    if not ActionForm().validate():
        abort(400)


def _back() -> Any:
    return redirect(url_for(".bandwidth") + "#limits")


def _failed(exc: DomainError) -> Any:
    db.session.rollback()
    flash(error_text(exc), "error")
    return _back()


@bp.post("/bandwidth/routers/<int:router_id>")
@staff_required("sessions")
def router_limit(router_id: int) -> Any:
    """A router's total limit and its hotspot network (both make the parent
    queue); the queue sync applies them within minutes."""
    router = db.session.get(Router, router_id)
    if router is None or router.owner_id != g.owner.id:
        abort(404)
    _checked()
    total = request.form.get("bandwidth", "").strip()
    network = request.form.get("network", "").strip()
    try:
        set_router_control(db.session, router, bandwidth=total, hotspot_network=network)
    except DomainError as exc:
        return _failed(exc)
    detail = {"router": router.nas_identifier, "bandwidth": router.bandwidth}
    audit("router.bandwidth", {**detail, "network": router.hotspot_network})
    flash(gettext("Saved: the router's queue follows within minutes."))
    return _back()


@bp.post("/bandwidth/default")
@staff_required("sessions")
def default_speed() -> Any:
    """The guest tariff's speed: phone logins and Free access get it."""
    _checked()
    if g.owner.guest_tariff_id is None:
        abort(404)
    rate = request.form.get("rate", "").strip()
    try:
        tariff, queued = set_default_rate(db.session, g.owner, rate, now())
    except DomainError as exc:
        return _failed(exc)
    detail = {"tariff": tariff.name, "rate": tariff.rate_limit, "online": queued}
    audit("speed.default", detail)
    flash(gettext("Saved: %(count)d sessions online get it now.", count=queued))
    return _back()


@bp.post("/bandwidth/overrides")
@staff_required("sessions")
def override_add() -> Any:
    _checked()
    who = request.form.get("who", "")
    try:
        found, queued = set_override(
            db.session, g.owner, who, request.form.get("rate", ""), now()
        )
    except DomainError as exc:
        return _failed(exc)
    label = next(
        o.label for o in list_overrides(db.session, g.owner) if o.id == found.id
    )
    audit("speed.override", {"user": label, "rate": found.rate_limit, "online": queued})
    flash(gettext("Saved: %(count)d sessions online get it now.", count=queued))
    return _back()


@bp.post("/bandwidth/overrides/<int:override_id>/remove")
@staff_required("sessions")
def override_remove(override_id: int) -> Any:
    _checked()
    label = next(
        (o.label for o in list_overrides(db.session, g.owner) if o.id == override_id),
        None,
    )
    try:
        remove_override(db.session, g.owner, override_id, now())
    except NotFound:
        abort(404)
    audit("speed.override_remove", {"user": label})
    flash(gettext("Removed."))
    return _back()
