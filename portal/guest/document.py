"""The document flow: a hotel registration or a travel ticket, with the surname."""

from __future__ import annotations

from typing import Any

from flask import (
    redirect,
    request,
    url_for,
)

from hotspot.services.identification import (
    identify_by_document,
)

from ..extensions import db
from ..i18n import message_text
from .forms import DocumentForm
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


@bp.post("/login/document")
def document() -> Any:
    ctx = _context()
    if not ctx:
        return redirect(url_for("guest.login"))
    form = DocumentForm()
    router = _router()
    if not form.validate_on_submit() or router is None:
        text = message_text("document_not_found")
        return _render_login(document_form=form, error=text), 422
    if not terms_accepted(router):
        return _render_login(document_form=form, error=terms_error()), 422
    result = identify_by_document(
        db.session,
        _settings(),
        router,
        form.kind.data,
        form.reference.data,
        form.surname.data,
        ctx["mac"],
        _now(),
        client_ip=request.remote_addr,
    )
    return _finish(
        result, ctx, lambda err: _render_login(document_form=form, error=err)
    )
