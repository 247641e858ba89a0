"""The owner's staff in the cabinet: add a manager or a cashier (a generated
password shown once), switch a login off or on, give it a new password, reset its
two-step login. Only the owner (permission ``staff``); another owner's logins and
owner logins are the operator's. Every change is in the audit log. Views on the
cabinet blueprint."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, make_response, redirect, render_template, url_for
from flask_babel import gettext

from hotspot.errors import DomainError
from hotspot.models import Account
from hotspot.services import accounts as acc

from ..extensions import db
from ..i18n import error_text
from ..staff import audit, now, staff_required
from .forms import ActionForm, StaffForm
from .routes import bp


def _page(form: StaffForm, password: str | None = None, who: str = "") -> Any:
    """The staff list; a new password is shown this once (never cached)."""
    page = render_template(
        "cabinet/staff.html",
        form=form,
        password=password,
        password_for=who,
        staff=acc.list_staff(db.session, g.owner),
        roles=acc.STAFF_ROLES,
    )
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/staff", methods=["GET", "POST"])
@staff_required("staff")
def staff() -> Any:
    form = StaffForm()
    if form.validate_on_submit():
        password = acc.generate_password()
        try:
            account = acc.add_account(
                db.session, form.email.data, form.role.data, password, g.owner
            )
        except DomainError as exc:
            db.session.rollback()
            flash(error_text(exc), "error")
        else:
            audit("account.add", {"email": account.email, "role": account.role})
            return _page(StaffForm(formdata=None), password, account.email)
    return _page(form)


def _member(account_id: int) -> Account:
    """The owner's manager or cashier of the URL (a form with its CSRF token)."""
    if not ActionForm().validate():
        abort(400)
    try:
        return acc.staff_member(db.session, g.owner, account_id)
    except DomainError:
        abort(404)


@bp.post("/staff/<int:account_id>/disable")
@staff_required("staff")
def staff_disable(account_id: int) -> Any:
    account = _member(account_id)
    acc.set_disabled(db.session, account, True, now())
    audit("account.disable", {"email": account.email})
    flash(gettext("%(email)s can no longer log in.", email=account.email))
    return redirect(url_for(".staff"))


@bp.post("/staff/<int:account_id>/enable")
@staff_required("staff")
def staff_enable(account_id: int) -> Any:
    account = _member(account_id)
    acc.set_disabled(db.session, account, False, now())
    audit("account.enable", {"email": account.email})
    flash(gettext("%(email)s can log in again.", email=account.email))
    return redirect(url_for(".staff"))


@bp.post("/staff/<int:account_id>/password")
@staff_required("staff")
def staff_password(account_id: int) -> Any:
    """A new generated password, shown once; the login's web sessions end."""
    account = _member(account_id)
    password = acc.generate_password()
    acc.set_password(db.session, account, password)
    audit("account.password", {"email": account.email})
    return _page(StaffForm(formdata=None), password, account.email)


@bp.post("/staff/<int:account_id>/totp")
@staff_required("staff")
def staff_totp(account_id: int) -> Any:
    """Switch off the login's two-step login (a lost phone): it enrols again."""
    account = _member(account_id)
    acc.disable_totp(db.session, account)
    audit("account.totp_reset", {"email": account.email})
    flash(gettext("Two-step login of %(email)s is off.", email=account.email))
    return redirect(url_for(".staff"))
