"""Ads on the Free tab: the banner (picked by weight, its impression recorded), its
image, the click (recorded; the advertiser's link opens only once the device is
online: the router's redirect after login brings the guest to :func:`ad_open`)."""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, redirect, render_template, session, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from hotspot.models import LoginTicket, Router
from hotspot.models.ads import AdBanner, VenueLogo
from hotspot.services.ad_views import ViewBuffer
from hotspot.services.ads import ad_wait, device_key, pick_banner, record

from ..extensions import db
from .routes import CONTEXT_KEY, _context, _now, _router, _settings, bp

#: Session keys: the banner shown, the one clicked, the ticket that logged in.
SHOWN, CLICKED, TICKET = "ad_banner", "ad_clicked", "ad_ticket"
_START = threading.Lock()


@dataclass(frozen=True)
class ShownAd:
    id: int
    delay: int


def _device(mac: str) -> str:
    return device_key(_settings().secret_key, mac)


def show_ad(router: Router, mac: str, delay: int) -> ShownAd | None:
    """Pick a running banner and record its impression (the delay starts now)."""
    banner_id = pick_banner(db.session, router, _now())
    if banner_id is None:
        return None
    views = ad_views()
    if views is None:  # written with the request, before the page is sent
        record(db.session, banner_id, router, _device(mac), "view", _now())
    else:
        views.add(banner_id, router.id, _device(mac), _now())
    _remember(SHOWN, str(banner_id))
    return ShownAd(banner_id, delay)


def ad_views() -> ViewBuffer | None:
    """The app's impression buffer (HOTSPOT_AD_VIEW_INTERVAL seconds between
    writes, from the setting HOTSPOT_AD_VIEW_INTERVAL_MS; 0: each view written with
    its request)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    interval = float(app.config.get("HOTSPOT_AD_VIEW_INTERVAL", 0.2))
    if interval <= 0:
        return None
    with _START:
        views = app.extensions.get("hotspot_ad_views")
        if views is None:
            views = ViewBuffer(db.engine, interval=interval)
            app.extensions["hotspot_ad_views"] = views
            atexit.register(views.close)
    return views


def shown_again(delay_left: int) -> ShownAd | None:
    """The banner already shown (a reload, a refused press): no new impression."""
    banner = (_context() or {}).get(SHOWN, "")
    return ShownAd(int(banner), max(delay_left, 0)) if banner.isdigit() else None


def ad_for(router: Router, mac: str, delay: int) -> ShownAd | None:
    """The ad for this page: none when no banner runs; the one this device is
    watching (the wait goes on, nothing counted twice); else a new impression."""
    wait = ad_wait(
        db.session, router, mac, _device(mac), _now(), delay, _settings().ticket_ttl
    )
    if wait is None:
        return None
    again = shown_again(wait) if wait >= 0 else None
    return again or show_ad(router, mac, delay)


def _remember(key: str, value: str) -> None:
    ctx = _context()
    if ctx is not None:
        ctx[key] = value
        session[CONTEXT_KEY] = ctx


def after_login(ticket: LoginTicket, ctx: dict[str, str]) -> dict[str, str]:
    """The context to log in with: a clicked banner's link opens after login."""
    clicked = ctx.get(CLICKED, "")
    if not clicked.isdigit():
        return ctx
    _remember(TICKET, str(ticket.id))
    link = url_for("guest.ad_open", banner_id=int(clicked), _external=True)
    return {**ctx, "link-orig": link}


@bp.get("/ad/<int:banner_id>/image")
def ad_image(banner_id: int) -> Response:
    banner = db.session.get(AdBanner, banner_id)
    if banner is None or not banner.enabled:
        abort(404)
    response = Response(banner.image, mimetype=banner.content_type)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/venue/<int:owner_id>/logo")
def venue_logo(owner_id: int) -> Response:
    logo = db.session.get(VenueLogo, owner_id)
    if logo is None:
        abort(404)
    response = Response(logo.image, mimetype=logo.content_type)
    response.headers["Cache-Control"] = "public, max-age=600"
    return response


@bp.get("/ad/<int:banner_id>/click")
def ad_click(banner_id: int) -> Any:
    """The guest taps the banner before login: counted, and kept for after it."""
    router, ctx = _router(), _context()
    banner = db.session.get(AdBanner, banner_id)
    if router is None or ctx is None or banner is None:
        return redirect(url_for("guest.login"))
    if banner.owner_id == router.owner_id:
        record(db.session, banner.id, router, _device(ctx["mac"]), "click", _now())
        db.session.commit()
        _remember(CLICKED, str(banner.id))
    return redirect(url_for("guest.free", clicked=1))


@bp.get("/ad/<int:banner_id>/open")
def ad_open(banner_id: int) -> Any:
    """After login: the advertiser's link. Before it (no used ticket): never."""
    ctx = _context() or {}
    banner = db.session.get(AdBanner, banner_id)
    ticket_id = ctx.get(TICKET, "")
    ticket = (
        db.session.get(LoginTicket, int(ticket_id)) if ticket_id.isdigit() else None
    )
    if (
        banner is None
        or ctx.get(CLICKED) != str(banner_id)
        or ticket is None
        or ticket.used_at is None
    ):
        text = gettext("The advertiser's page opens once you are online.")
        return render_template("error.html", message=text), 403
    # Opened once: the next login goes where the guest was going.
    ctx.pop(CLICKED, None)
    ctx.pop(TICKET, None)
    session[CONTEXT_KEY] = ctx
    return redirect(banner.target_url)
