"""The admin's views (the operator only). They reuse the cabinet's with no owner
scope (owner None: every owner)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from hotspot.errors import DomainError, InvalidInput
from hotspot.models import AuditEntry, Owner, RadiusSession, Router, SmsMessage
from hotspot.services import flows, stats
from hotspot.services.accounting import dead_letters_query
from hotspot.services.accounts import add_account, generate_password, list_staff
from hotspot.services.audit import audit_query
from hotspot.services.tenancy import add_owner
from hotspot.venues import DEFAULT_TIMEZONE

from ..cabinet import routes as cabinet
from ..cabinet.ads import ad_statistics
from ..cabinet.forms import FlowSearchForm, OwnerForm, StaffForm
from ..extensions import db
from ..i18n import error_text
from ..pages import all_rows, csv_response, keyset_list, paginate
from ..staff import audit, now, staff_required

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.context_processor
def _layout() -> dict[str, str]:
    """The cabinet's list templates the admin shares (SMS, sessions, audit) are
    framed by the admin's layout and link to its endpoints."""
    return {"layout": "admin/layout.html", "area": "admin"}


def operator(view: Any) -> Any:
    return staff_required("admin", operator=True)(view)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    return cabinet.login_page("admin/login.html", "admin.index")


def _spool_dir() -> Path:
    settings = current_app.config["HOTSPOT_SETTINGS"]
    return Path(settings.var_dir) / "radius" / "radacct" / "spool"


@bp.get("/")
@operator
def index() -> Any:
    owner_id = request.args.get("owner", type=int)
    if owner_id is not None and db.session.get(Owner, owner_id) is None:
        abort(404)
    data = cabinet.chart_data(owner_id, DEFAULT_TIMEZONE)
    if request.args.get("format") == "csv":
        return cabinet._stats_csv(data)
    owners = db.session.scalars(select(Owner).order_by(Owner.name).limit(500)).all()
    return render_template(
        "admin/index.html",
        health=stats.health(db.session, _spool_dir(), now()),
        owners=owners,
        owner_id=owner_id,
        now=now(),
        **data,
    )


@bp.route("/owners", methods=["GET", "POST"])
@operator
def owners() -> Any:
    form = OwnerForm()
    if form.validate_on_submit():
        try:
            owner = add_owner(
                db.session, form.name.data.strip(), form.display_name.data or ""
            )
        except DomainError as exc:
            db.session.rollback()
            flash(error_text(exc), "error")
        else:
            audit("owner.add", {"name": owner.name}, owner_id=owner.id)
            return redirect(url_for(".owner", owner_id=owner.id))
    query = select(Owner).order_by(Owner.name)
    if request.args.get("format") == "csv":
        return csv_response(
            "owners.csv",
            ["id", "name", "display_name", "created"],
            [
                [o.id, o.name, o.display_name, o.created_at.isoformat()]
                for o in all_rows(query)
            ],
        )
    return render_template("admin/owners.html", form=form, page=paginate(query))


@bp.route("/owners/<int:owner_id>", methods=["GET", "POST"])
@operator
def owner(owner_id: int) -> Any:
    """One owner: routers, staff; add a cabinet login (its password shown once)."""
    owner = db.session.get(Owner, owner_id)
    if owner is None:
        abort(404)
    form, password = StaffForm(), None
    form.role.choices = [SelectChoice("owner", gettext("Owner")), *form.role.choices]
    if form.validate_on_submit():
        password = generate_password()
        try:
            account = add_account(
                db.session, form.email.data, form.role.data, password, owner
            )
        except DomainError as exc:
            db.session.rollback()
            flash(error_text(exc), "error")
            password = None
        else:
            audit(
                "account.add",
                {"email": account.email, "role": account.role},
                owner_id=owner.id,
            )
    routers = db.session.scalars(
        select(Router)
        .where(Router.owner_id == owner.id)
        .order_by(Router.nas_identifier)
    ).all()
    return render_template(
        "admin/owner.html",
        owner=owner,
        form=form,
        password=password,
        staff=list_staff(db.session, owner),
        statuses=stats.router_statuses(db.session, list(routers)),
        now=now(),
    )


def _owner_or_404(owner_id: int) -> Owner:
    owner = db.session.get(Owner, owner_id)
    if owner is None:
        abort(404)
    return owner


@bp.get("/owners/<int:owner_id>/bandwidth")
@operator
def owner_bandwidth(owner_id: int) -> Any:
    """One owner's traffic per router and top users, as their cabinet shows them
    (read-only: the limits stay the owner's)."""
    owner = _owner_or_404(owner_id)
    data = cabinet.usage_data(owner)
    if not isinstance(data, dict):
        return data
    return render_template("admin/owner_bandwidth.html", owner=owner, **data)


@bp.get("/owners/<int:owner_id>/ads")
@operator
def owner_ads(owner_id: int) -> Any:
    """One owner's banners and their statistics (read-only)."""
    owner = _owner_or_404(owner_id)
    data = ad_statistics(owner)
    if not isinstance(data, dict):
        return data
    return render_template("admin/owner_ads.html", owner=owner, **data)


@bp.get("/routers")
@operator
def routers() -> Any:
    query = select(Router).order_by(Router.nas_identifier)
    if request.args.get("format") == "csv":
        rows = stats.router_statuses(db.session, all_rows(query))
        return csv_response(
            "routers.csv",
            ["owner", *cabinet.ROUTER_HEADER],
            [
                [s.router.owner.name, *r]
                for s, r in zip(rows, cabinet.router_rows(rows), strict=True)
            ],
        )
    page = paginate(query)
    return render_template(
        "admin/routers.html",
        page=page,
        statuses=stats.router_statuses(db.session, page.items),
        now=now(),
    )


@bp.get("/sessions")
@operator
def sessions() -> Any:
    data = cabinet.live_page(None, None)
    if not isinstance(data, dict):
        return data
    return render_template("cabinet/sessions.html", **data)


def _session_owner(session_id: int) -> Owner:
    """The owner of the router a session is at (the operator acts as that owner)."""
    rs = db.session.get(RadiusSession, session_id)
    router = db.session.get(Router, rs.router_id) if rs else None
    if router is None:
        abort(404)
    return router.owner


@bp.post("/sessions/<int:session_id>/disconnect")
@operator
def session_disconnect(session_id: int) -> Any:
    return cabinet.act_on_session(_session_owner(session_id), session_id, speed=False)


@bp.post("/sessions/<int:session_id>/speed")
@operator
def session_speed(session_id: int) -> Any:
    return cabinet.act_on_session(_session_owner(session_id), session_id, speed=True)


@bp.get("/dead-letters")
@operator
def dead_letters() -> Any:
    """Accounting the spool reader could not store, the newest first."""
    query = dead_letters_query()
    if request.args.get("format") == "csv":
        return csv_response(
            "accounting-dead-letters.csv",
            ["id", "created", "router", "reason", "fields"],
            [
                [
                    d.id,
                    d.created_at.isoformat(),
                    d.router,
                    d.reason,
                    json.dumps(d.fields),
                ]
                for d in all_rows(query)
            ],
        )
    return render_template(
        "admin/dead_letters.html", page=paginate(query), json_text=json.dumps
    )


@bp.get("/sms")
@operator
def sms() -> Any:
    status = request.args.get("status") or None
    query = stats.sms_query(None, status)
    if request.args.get("format") == "csv":
        return csv_response(
            "sms.csv", cabinet.SMS_HEADER, cabinet.sms_rows(all_rows(query))
        )
    page = keyset_list(query, (SmsMessage.created_at, SmsMessage.id))
    return render_template(
        "cabinet/sms.html",
        page=page,
        rows=cabinet.sms_rows(page.items),
        totals=stats.sms_totals(
            db.session, None, now() - cabinet.dt.timedelta(days=30)
        ),
        status=status,
    )


@bp.route("/blacklist", methods=["GET", "POST"])
@operator
def blacklist() -> Any:
    return cabinet.blacklist_view(None, "admin/blacklist.html")


@bp.post("/blacklist/<int:entry_id>/remove")
@operator
def blacklist_remove(entry_id: int) -> Any:
    cabinet.remove_blacklisted(entry_id, None)
    return redirect(url_for(".blacklist"))


@bp.post("/blacklist/import")
@operator
def blacklist_import() -> Any:
    cabinet._flash_import(*cabinet.import_blacklist(None))
    return redirect(url_for(".blacklist"))


@bp.get("/audit")
@operator
def audit_log() -> Any:
    query = audit_query(None)
    if request.args.get("format") == "csv":
        return csv_response(
            "audit.csv", cabinet.AUDIT_HEADER, cabinet.audit_rows(all_rows(query))
        )
    return render_template(
        "cabinet/audit.html", page=keyset_list(query, (AuditEntry.at, AuditEntry.id))
    )


def _flow_query(form: FlowSearchForm) -> dict[str, Any]:
    """The service's keyword arguments for the form's "search by"."""
    value = form.value.data.strip()
    if form.kind.data == "dst":
        return {"dst": value}
    if form.kind.data == "document":
        return {"document": value}
    card = form.kind.data == "card"
    return {
        "subject": flows.subject_of(None if card else value, value if card else None)
    }


def _flow_output(form: FlowSearchForm, period: flows.Period) -> Any:
    """Runs the audited search (the CLI's service): rows, or a download."""
    actor, reason = g.account.email, form.reason.data
    query = _flow_query(form)
    if form.output.data == "evidence":
        if "dst" in query:
            raise InvalidInput("evidence is for one person", "evidence_person")
        body, digest = flows.evidence(db.session, actor, reason, period, **query)
        db.session.commit()
        name = f"evidence-{digest[:12]}.json"
        return Response(
            body,
            mimetype="application/json",
            headers={
                "Content-Disposition": f"attachment; filename={name}",
                "X-Content-SHA256": digest,
                "Cache-Control": "no-store",
            },
        )
    rows = flows.report(db.session, actor, reason, period, **query)
    db.session.commit()
    if form.output.data == "csv":
        return csv_response(
            "flows.csv",
            flows.REPORT_FIELDS,
            [[r[f] for f in flows.REPORT_FIELDS] for r in rows],
        )
    return rows


@bp.route("/flows", methods=["GET", "POST"])
@operator
def flow_report() -> Any:
    """The flow log, operators only: every search needs a reason and is audited."""
    form, rows = FlowSearchForm(), None
    if form.validate_on_submit():
        try:
            period = flows.Period(
                flows.moment(form.start.data), flows.moment(form.end.data)
            )
            result = _flow_output(form, period)
        except DomainError as exc:
            db.session.rollback()
            flash(error_text(exc), "error")
        else:
            if isinstance(result, Response):
                return result
            rows = result
    return render_template("admin/flows.html", form=form, rows=rows)


# Pages in modules of their own, on bp too.
from . import gateways as _gateways  # noqa: E402, F401
from . import prices as _prices  # noqa: E402, F401
