"""The phone flow: an SMS code, typed back, identifies the guest."""

from __future__ import annotations

from typing import Any

from flask import (
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext

from hotspot.models import Router
from hotspot.phones import display_masked
from hotspot.policy import Reject
from hotspot.services.access import PortalLogin
from hotspot.services.identification import (
    Identified,
    challenge_phone,
    request_code,
    resend_wait,
    verify_code,
)

from ..extensions import db
from ..i18n import message_text
from ..sms import sms_sender
from .forms import CodeForm, PhoneForm
from .routes import (
    CONTEXT_KEY,
    _context,
    _now,
    _render_login,
    _router,
    _router_login,
    _settings,
    bp,
    terms_accepted,
    terms_error,
)


@bp.post("/login/phone")
def phone() -> Any:
    ctx = _context()
    if not ctx:
        return redirect(url_for("guest.login"))
    form = PhoneForm()
    router = _router()
    if not form.validate_on_submit() or router is None:
        return _render_login(phone_form=form, error=message_text("phone_invalid")), 422
    if not terms_accepted(router):
        return _render_login(phone_form=form, error=terms_error()), 422
    return _send_code(router, form.phone.data, ctx, form)


def _send_code(
    router: Any, phone_text: str, ctx: dict[str, str], form: Any = None
) -> Any:
    result = request_code(
        db.session,
        router,
        phone_text,
        ctx["mac"],
        _now(),
        sms_sender(current_app),
        # The SMS in the guest's language.
        otp_text=lambda code: gettext("WiFi code: %(code)s", code=code),
        client_ip=request.remote_addr,
    )
    if isinstance(result, Reject):
        if result.reason == "sms_cooldown" and ctx.get("challenge"):
            return redirect(url_for("guest.code"))
        text = message_text(result.reason)
        return _render_login(phone_form=form, error=text), 422
    # The cookie keeps which code was sent and how to show the number, never the
    # number itself.
    ctx["challenge"] = str(result.challenge.id)
    ctx["phone_shown"] = display_masked(result.phone)
    session[CONTEXT_KEY] = ctx
    return redirect(url_for("guest.code"))


def _challenged() -> tuple[dict[str, str], Router, str] | None:
    """The context, router and phone of the code this browser was sent."""
    ctx = _context()
    router = _router()
    if not ctx or router is None:
        return None
    phone = challenge_phone(db.session, router, ctx.get("challenge", ""), ctx["mac"])
    return (ctx, router, phone) if phone else None


@bp.route("/login/code", methods=["GET", "POST"])
def code() -> Any:
    found = _challenged()
    if found is None:
        return redirect(url_for("guest.login"))
    ctx, router, phone = found
    form = CodeForm()
    error = None
    if request.method == "POST":
        if not terms_accepted(router):  # accepted with the phone, on this visit
            error = terms_error()
        elif form.validate_on_submit():
            result = verify_code(
                db.session,
                _settings(),
                router,
                phone,
                form.code.data,
                ctx["mac"],
                _now(),
            )
            if isinstance(result, PortalLogin):
                return _router_login(result.username, result.password, ctx)
            if isinstance(result, Identified):
                return redirect(url_for("guest.free"))
            error = message_text(result.reason)
        else:
            error = message_text("code_wrong")
    wait = resend_wait(db.session, router, phone, ctx["mac"], _now())
    page = render_template(
        "guest/code.html",
        form=form,
        phone=ctx.get("phone_shown") or display_masked(phone),
        wait=wait,
        error=error,
    )
    return (page, 422) if error else page


@bp.post("/login/resend")
def resend() -> Any:
    found = _challenged()
    if found is None:
        return redirect(url_for("guest.login"))
    ctx, router, phone = found
    CodeForm().validate_on_submit()  # CSRF is checked by CSRFProtect
    return _send_code(router, phone, ctx)
