"""The venue's look on the portal (name, colour, welcome text, terms of use, the
languages offered: what hotspot.venues holds), with a preview of the guest login
page beside the form.

The preview is our guest template rendered with the form's values (nothing is
saved), in a frame of this site: the form posts to it (``formtarget``), so it works
without script; static/cabinet/look.js re-posts it as the owner types. Its answer
may be framed by our own pages only and can submit no form."""

from __future__ import annotations

from typing import Any

from flask import (
    g,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hotspot.models import VenueLogo
from hotspot.venues import (
    BY_NAME,
    GUEST_LANGUAGES,
    MAX_TERMS,
    MAX_WELCOME,
    OwnerPolicy,
)

from ..extensions import db
from ..guest.forms import DocumentForm, PhoneForm, VoucherForm
from ..i18n import LANGUAGE_NAMES, language_links
from ..security import csp_nonce
from ..staff import staff_required
from .routes import bp, save_settings

#: The settings this page edits (all in owners.policy but the name).
LOOK = ("accent_color", "welcome_text", "terms_text", "terms_required", "languages")


class LookForm(FlaskForm):
    display_name = StringField(
        lazy_gettext("Venue name"), validators=[Optional(), Length(max=200)]
    )
    accent_color = StringField(lazy_gettext("Colour"), validators=[Length(max=7)])
    welcome_text = TextAreaField(
        lazy_gettext("Welcome text"), validators=[Optional(), Length(max=MAX_WELCOME)]
    )
    terms_text = TextAreaField(
        lazy_gettext("Terms of use"), validators=[Optional(), Length(max=MAX_TERMS)]
    )
    terms_required = BooleanField(
        lazy_gettext("Guests accept the terms before free access")
    )
    languages = SelectMultipleField(
        lazy_gettext("Languages offered"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in GUEST_LANGUAGES],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def _values(form: LookForm) -> dict[str, Any]:
    return {
        "display_name": (form.display_name.data or "").strip(),
        "accent_color": (form.accent_color.data or "").strip(),
        "welcome_text": form.welcome_text.data or "",
        "terms_text": form.terms_text.data or "",
        "terms_required": bool(form.terms_required.data),
        "languages": list(form.languages.data or []),
    }


def _form_for_owner() -> LookForm:
    policy = OwnerPolicy.of(g.owner)
    data = {name: getattr(policy, name) for name in LOOK}
    data["languages"] = list(policy.languages)
    data["display_name"] = g.owner.display_name
    return LookForm(data=data) if request.method == "GET" else LookForm()


@bp.route("/look", methods=["GET", "POST"])
@staff_required("settings")
def look() -> Any:
    form = _form_for_owner()
    if form.validate_on_submit():
        values, policy = _values(form), OwnerPolicy.of(g.owner)
        changes = {
            k: v
            for k, v in values.items()
            if v != (g.owner.display_name if k == "display_name" else _now(policy, k))
        }
        saved = save_settings(changes, ".look")
        if saved is not None:
            return saved
    return render_template("cabinet/look.html", form=form)


def _now(policy: OwnerPolicy, name: str) -> Any:
    value = getattr(policy, name)
    return list(value) if isinstance(value, tuple) else value


def preview_policy(values: dict[str, Any]) -> OwnerPolicy:
    """The owner's policy with the form's look on top; a value the setting would
    refuse keeps what is saved (the preview shows what saving could give)."""
    stored = dict(g.owner.policy or {})
    for name in LOOK:
        try:
            stored[name] = BY_NAME[name].parse(values[name])
        except (ValueError, KeyError):
            continue
    return OwnerPolicy.from_mapping(stored)


@bp.route("/look/preview", methods=["GET", "POST"])
@staff_required("settings")
def look_preview() -> Any:
    """The guest login page as it would look (GET: as saved)."""
    form = LookForm()
    if request.method == "POST" and form.validate_on_submit():
        values = _values(form)
        name = values["display_name"] or g.owner.display_name
    else:
        values, name = {}, g.owner.display_name
    policy = preview_policy(values)
    offered = policy.languages
    page = render_template(
        "guest/login.html",
        form=VoucherForm(formdata=None),
        phone_form=PhoneForm(formdata=None),
        document_form=DocumentForm(formdata=None),
        documents=policy.documents,
        error=None,
        router=None,
        free_access=policy.guest_access,
        venue=name[:200],
        accent=policy.accent_color,
        welcome=policy.welcome_text,
        logo_url=url_for("guest.venue_logo", owner_id=g.owner.id)
        if db.session.get(VenueLogo, g.owner.id)
        else None,
        language_links=lambda: [x for x in language_links() if x.code in offered],
    )
    response = make_response(page)
    nonce = csp_nonce()
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'nonce-{nonce}'; "
        f"style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'self'"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response
