"""The card flow: a voucher (card number and PIN) checked by the portal."""

from __future__ import annotations

from typing import Any

from flask import (
    redirect,
    url_for,
)
from flask_babel import gettext

from hotspot.services.access import voucher_login

from ..extensions import db
from ..i18n import message_text
from .forms import VoucherForm
from .routes import (
    _context,
    _finish,
    _now,
    _render_login,
    _router,
    _settings,
    bp,
    terms_accepted,
    terms_error,
)


@bp.post("/login/voucher")
def voucher() -> Any:
    ctx = _context()
    if not ctx:
        return redirect(url_for("guest.login"))
    form = VoucherForm()
    if not form.validate_on_submit():
        text = gettext("Please enter the card number and the PIN.")
        return _render_login(form, error=text), 422
    router = _router()
    if router is None:
        return _render_login(form, error=message_text("router_unknown")), 422
    if not terms_accepted(router):
        return _render_login(form, error=terms_error()), 422
    result = voucher_login(
        db.session,
        _settings(),
        router,
        form.code.data,
        form.pin.data,
        ctx["mac"],
        _now(),
    )
    return _finish(result, ctx, lambda err: _render_login(form, error=err))
