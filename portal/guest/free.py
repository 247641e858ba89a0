"""The "Free" tab: the guest tariff's terms and the button (hotspot.services.guest).

Registered on the guest blueprint. Where the venue requires identification the guest
identifies first (the phone and document forms of the login page), then presses
"Free"; the device is logged in through a one-time ticket like every portal login.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError

from hotspot.cache import has_logo
from hotspot.models import GuestMode, Router, Tariff
from hotspot.policy import Reject
from hotspot.services.access import PortalLogin
from hotspot.services.guest import (
    AdPending,
    GuestOffer,
    UsedUp,
    free_login,
    guest_identity,
    guest_offer,
)
from hotspot.services.trust import RouterUnreachable
from hotspot.units import format_duration, format_size
from hotspot.venues import OwnerPolicy

from ..extensions import db
from ..i18n import language_links, message_text
from .ads import ShownAd, ad_for, after_login
from .cached import cached_page
from .forms import DocumentForm, PhoneForm
from .routes import (
    TERMS_KEY,
    _context,
    _not_from_a_router,
    _now,
    _router,
    _router_login,
    _settings,
    bp,
    terms_accepted,
    terms_error,
)


class FreeForm(FlaskForm):
    """Only the CSRF token (and the terms' box where the venue asks for it)."""


@bp.context_processor
def venue_look() -> dict[str, Any]:
    """The venue's colour, welcome text and languages on every guest page; the
    defaults while the database or the router cannot say (the error page of an
    outage)."""
    try:
        router = _router() if _context() else None
        policy = OwnerPolicy.of(router.owner) if router else OwnerPolicy()
        logo = router is not None and has_logo(db.session, router.owner_id)
    except (SQLAlchemyError, RouterUnreachable):
        router, policy, logo = None, OwnerPolicy(), False
    offered = policy.languages
    return {
        "logo_url": url_for("guest.venue_logo", owner_id=router.owner_id)
        if router is not None and logo
        else None,
        "accent": policy.accent_color,
        "terms_text": policy.terms_text,
        "terms_required": policy.terms_required,
        "terms_accepted": (_context() or {}).get(TERMS_KEY) == "yes",
        "welcome": policy.welcome_text,
        "language_links": lambda: [
            link for link in language_links() if link.code in offered
        ],
    }


@bp.record_once
def _offer_languages(state: Any) -> None:
    state.app.extensions["hotspot_languages"] = venue_languages


def venue_languages() -> tuple[str, ...] | None:
    """The languages this guest page's venue offers (None: not a venue's page)."""
    if request.blueprint != "guest" or not _context():
        return None
    try:
        router = _router()
    except (SQLAlchemyError, RouterUnreachable):
        return None
    return OwnerPolicy.of(router.owner).languages if router else None


def comes_back(
    back_at: dt.datetime | None, policy: OwnerPolicy, now: dt.datetime
) -> str:
    """When the allowance returns, in the venue's time zone: HH:MM, with the date
    when it is not today there."""
    if back_at is None:
        return ""
    local, today = back_at.astimezone(policy.zone), now.astimezone(policy.zone)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return local.strftime("%d.%m.%Y %H:%M")


def terms(tariff: Tariff) -> list[tuple[str, str]]:
    """The guest tariff's terms, as (what, how much) lines."""
    lines = []
    if tariff.time_limit:
        lines.append((gettext("Time"), format_duration(tariff.time_limit)))
    if tariff.data_limit:
        lines.append((gettext("Data"), format_size(tariff.data_limit)))
    if tariff.rate_limit:
        lines.append((gettext("Speed"), tariff.rate_limit.split(" ")[0]))
    if tariff.guest_mode == GuestMode.REGULAR and tariff.reset_period:
        lines.append((gettext("Again after"), format_duration(tariff.reset_period)))
    return lines


def _render(
    offer: GuestOffer,
    identified: bool,
    error: str | None = None,
    ad: ShownAd | None = None,
) -> Any:
    router = _router()
    policy = offer.policy

    def render() -> str:
        return render_template(
            "guest/free.html",
            form=FreeForm(),
            phone_form=PhoneForm(),
            document_form=DocumentForm(),
            documents=policy.documents,
            terms=terms(offer.tariff),
            no_pause=offer.tariff.guest_mode == GuestMode.NO_PAUSE,
            terms_text=policy.terms_text,
            terms_required=policy.terms_required,
            session_time=format_duration(offer.tariff.time_limit or 0),
            identified=identified,
            error=error,
            ad=ad,
            clicked=bool(request.args.get("clicked")),
            venue=router.owner.display_name if router else None,
        )

    if error:
        return render(), 422
    accepted = (_context() or {}).get(TERMS_KEY)
    return cached_page((router and router.id, identified, ad, accepted), render)


def _offer() -> tuple[Router | None, GuestOffer | None]:
    """This browser's router (None: not through a known router) and its offer."""
    router = _router()
    if not _context() or router is None:
        return None, None
    return router, guest_offer(db.session, router.owner)


@bp.get("/free")
def free() -> Any:
    router, offer = _offer()
    if router is None:
        return _not_from_a_router()
    if offer is None:
        return redirect(url_for("guest.login"))
    mac = (_context() or {})["mac"]
    required = offer.policy.guest_identification
    identity = guest_identity(db.session, router.owner_id, mac, _now(), required)
    if identity is None:
        return _render(offer, False)
    return _render(offer, True, ad=ad_for(router, mac, offer.policy.ad_delay))


@bp.post("/free")
def free_press() -> Any:
    router, offer = _offer()
    if router is None:
        return _not_from_a_router()
    if offer is None:
        return redirect(url_for("guest.login"))
    if not FreeForm().validate_on_submit():
        return _render(offer, True, message_text("bad_request"))
    if not terms_accepted(router):
        return _render(offer, True, terms_error())
    ctx = _context() or {}
    # The ticket is committed with the request, before the page is sent.
    result = free_login(db.session, _settings(), router, ctx["mac"], _now())
    if isinstance(result, PortalLogin):
        ctx = after_login(result.ticket, ctx)
        # The guest voucher is of the offer's tariff.
        return _router_login(result.username, result.password, ctx, offer.tariff)
    if isinstance(result, AdPending):
        ad = ad_for(router, ctx["mac"], offer.policy.ad_delay)
        return _render(offer, True, _why(result, offer), ad)
    identified = result.reason != "identification_required"
    return _render(offer, identified, _why(result, offer))


def _why(result: Reject, offer: GuestOffer) -> str:
    if isinstance(result, AdPending) and result.seconds > 0:
        return gettext("Please wait %(seconds)s more seconds.", seconds=result.seconds)
    if isinstance(result, UsedUp) and result.back_at is not None:
        return gettext(
            "Your free access is used up, it comes back at %(time)s.",
            time=comes_back(result.back_at, offer.policy, _now()),
        )
    return message_text(result.reason)
