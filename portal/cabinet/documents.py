"""Hotel registrations and ticket lists in the cabinet: the document logins made
(filtered by period, kind and router, masked), and the registrations the venue
enters for guests to match against (added one by one, imported as CSV, removed).
Views on the cabinet blueprint."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import DateTimeLocalField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from hotspot.errors import DomainError
from hotspot.models import Router
from hotspot.services import documents as docs
from hotspot.services.identification import import_registrations
from hotspot.venues import owner_timezone

from ..extensions import db
from ..i18n import error_text
from ..pages import all_rows, csv_response, paginate
from ..staff import audit, now, staff_required
from .forms import ActionForm
from .routes import _owner_router, bp


def _kinds() -> list[SelectChoice]:
    return [
        SelectChoice("hotel", lazy_gettext("Hotel registration")),
        SelectChoice("ticket", lazy_gettext("Travel ticket")),
    ]


class RegistrationForm(FlaskForm):
    kind = SelectField(lazy_gettext("Kind"), choices=_kinds)
    reference = StringField(
        lazy_gettext("Room or ticket number"),
        validators=[DataRequired(), Length(max=40)],
    )
    surname = StringField(
        lazy_gettext("Surname"), validators=[DataRequired(), Length(max=100)]
    )
    valid_from = DateTimeLocalField(
        lazy_gettext("Valid from"), validators=[DataRequired()]
    )
    valid_until = DateTimeLocalField(
        lazy_gettext("Valid until"), validators=[DataRequired()]
    )


class RegistrationImportForm(FlaskForm):
    kind = SelectField(lazy_gettext("Kind"), choices=_kinds)
    file = FileField(
        lazy_gettext("CSV file (reference, surname, valid from, valid until)"),
        validators=[FileRequired()],
    )


def _local(value: dt.datetime, tz: str) -> dt.datetime:
    return value.replace(tzinfo=ZoneInfo(tz))


def _period(tz: str) -> tuple[dt.date | None, dt.date | None]:
    """The ``from``/``to`` dates of the query (the owner's days), or None."""
    out: list[dt.date | None] = []
    for name in ("from", "to"):
        try:
            out.append(dt.date.fromisoformat(request.args.get(name, "")))
        except ValueError:
            out.append(None)
    return out[0], out[1]


def _bounds(
    start: dt.date | None, end: dt.date | None, tz: str
) -> tuple[dt.datetime | None, dt.datetime | None]:
    zone = ZoneInfo(tz)
    since = dt.datetime.combine(start, dt.time(), zone) if start else None
    until = (
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
        if end
        else None
    )
    return since, until


IDENT_HEADER = ["at", "kind", "reference", "surname", "mac", "router", "expires"]


def ident_rows(items: list[Any], tz: str) -> list[list[Any]]:
    zone = ZoneInfo(tz)
    rows = []
    for ident, nas in items:
        ref, name = docs.split_reference(ident)
        rows.append(
            [
                ident.created_at.astimezone(zone).isoformat(timespec="minutes"),
                ident.method,
                docs.mask_reference(ident.method, ref),
                docs.mask_name(name),
                ident.mac,
                nas or "",
                ident.expires_at.astimezone(zone).isoformat(timespec="minutes"),
            ]
        )
    return rows


@bp.get("/documents")
@staff_required("documents")
def documents() -> Any:
    """The document logins made at the owner's venues."""
    tz = owner_timezone(g.owner)
    router = _owner_router(request.args.get("router", type=int), g.owner.id)
    kind = request.args.get("kind") if request.args.get("kind") in docs.KINDS else None
    start, end = _period(tz)
    since, until = _bounds(start, end, tz)
    query = docs.identifications_query(
        g.owner.id, kind, router.id if router else None, since, until
    )
    if request.args.get("format") == "csv":
        rows = ident_rows(all_rows(query, scalars=False), tz)
        return csv_response("document-logins.csv", IDENT_HEADER, rows)
    page = paginate(query, scalars=False)
    routers = db.session.scalars(
        select(Router)
        .where(Router.owner_id == g.owner.id)
        .order_by(Router.nas_identifier)
    ).all()
    return render_template(
        "cabinet/documents.html",
        page=page,
        rows=ident_rows(page.items, tz),
        routers=routers,
        router=router,
        kind=kind,
        start=start,
        end=end,
    )


REG_HEADER = ["reference", "surname", "valid_from", "valid_until"]


def _registrations_csv(items: list[Any], kind: str | None, tz: str) -> Any:
    """The venue's own list as it typed it (in full), in the import's format and
    the venue's time; the kind is a fifth column unless one kind is shown."""
    zone = ZoneInfo(tz)
    rows = [
        [
            r.reference,
            r.surname,
            r.valid_from.astimezone(zone).isoformat(),
            r.valid_until.astimezone(zone).isoformat(),
        ]
        + ([] if kind else [r.kind])
        for r in items
    ]
    header = REG_HEADER + ([] if kind else ["kind"])
    return csv_response(f"registrations-{kind or 'all'}.csv", header, rows)


@bp.route("/registrations", methods=["GET", "POST"])
@staff_required("documents")
def registrations() -> Any:
    """The registrations guests match against: add one, import, remove."""
    tz = owner_timezone(g.owner)
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            reg = docs.add_registration(
                db.session,
                g.owner,
                form.kind.data,
                form.reference.data,
                form.surname.data,
                _local(form.valid_from.data, tz),
                _local(form.valid_until.data, tz),
            )
        except DomainError as exc:
            db.session.rollback()
            flash(error_text(exc), "error")
        else:
            audit("registration.add", _detail(reg))
            flash(gettext("Added."))
            return redirect(url_for(".registrations"))
    kind = request.args.get("kind") if request.args.get("kind") in docs.KINDS else None
    valid_at = now() if request.args.get("current") else None
    query = docs.registrations_query(g.owner.id, kind, valid_at)
    if request.args.get("format") == "csv":
        return _registrations_csv(all_rows(query), kind, tz)
    return render_template(
        "cabinet/registrations.html",
        form=form,
        import_form=RegistrationImportForm(),
        page=paginate(query),
        kind=kind,
        current=bool(valid_at),
        mask_name=docs.mask_name,
        zone=ZoneInfo(tz),
    )


def _detail(reg: Any) -> dict[str, Any]:
    return {
        "kind": reg.kind,
        "reference": docs.mask_reference(reg.kind, reg.reference),
        "surname": docs.mask_name(reg.surname),
    }


@bp.post("/registrations/import")
@staff_required("documents")
def registrations_import() -> Any:
    form = RegistrationImportForm()
    if not form.validate_on_submit():
        abort(400)
    text = form.file.data.read(2_000_000).decode("utf-8-sig", errors="replace")
    try:
        count = import_registrations(
            db.session, g.owner, form.kind.data, text, ZoneInfo(owner_timezone(g.owner))
        )
    except DomainError as exc:
        db.session.rollback()
        flash(gettext("Nothing imported: %(why)s", why=error_text(exc)), "error")
    else:
        audit("registration.import", {"kind": form.kind.data, "added": count})
        flash(gettext("Imported %(n)d registrations.", n=count))
    return redirect(url_for(".registrations"))


@bp.post("/registrations/<int:registration_id>/remove")
@staff_required("documents")
def registration_remove(registration_id: int) -> Any:
    if not ActionForm().validate():
        abort(400)
    try:
        reg = docs.remove_registration(db.session, g.owner, registration_id)
    except DomainError:
        abort(404)
    audit("registration.remove", _detail(reg))
    return redirect(url_for(".registrations"))
