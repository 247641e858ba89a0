"""The cabinet's views: each parses the request, calls the core scoped by the
logged-in account's owner, renders. Lists paginate and export as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import segno
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
    session,
    url_for,
)
from flask_babel import format_date, format_decimal, gettext
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from hotspot.cards import render_html, render_pdf
from hotspot.crypto import PinCipher
from hotspot.errors import DomainError, NotFound
from hotspot.models import (
    Account,
    AuditEntry,
    Owner,
    PhoneBlacklist,
    Router,
    SmsMessage,
    Tariff,
    Voucher,
    VoucherBatch,
)
from hotspot.phones import mask
from hotspot.routers.outbox import SessionAction, session_actions
from hotspot.services import accounts as acc
from hotspot.services import stats
from hotspot.services.audit import audit_query, count_rows
from hotspot.services.identification import blacklist_phone
from hotspot.services.sessions import (
    change_session_speed,
    disconnect_session,
    guest_labels,
    shown_username,
)
from hotspot.services.sms_costs import message_costs
from hotspot.services.tariffs import add_tariff, archive_tariff
from hotspot.services.vouchers import batch_sheet, generate_vouchers, revoke_voucher
from hotspot.venues import SETTINGS, owner_timezone, update_settings, venue_settings

from ..charts import bar_chart
from ..extensions import db
from ..i18n import error_text, translate
from ..pages import all_rows, csv_response, keyset_list, keyset_paginate, paginate
from ..security import csp_nonce
from ..sms import providers
from ..staff import (
    PENDING_FOR,
    PENDING_KEY,
    audit,
    client_address,
    log_in,
    log_out,
    now,
    safe_next,
    staff_required,
)
from .forms import (
    ActionForm,
    BlacklistForm,
    CardsForm,
    CodeForm,
    ImportForm,
    LoginForm,
    SettingsForm,
    TariffForm,
)

bp = Blueprint("cabinet", __name__, url_prefix="/cabinet", template_folder="templates")


def page_url(**changes: Any) -> str:
    """This page's URL with some query arguments changed (pager, CSV, filters)."""
    args = {**request.args.to_dict(), **changes}
    args = {k: v for k, v in args.items() if v not in (None, "")}
    return url_for(
        request.endpoint or "cabinet.index", **(request.view_args or {}), **args
    )


@bp.app_template_filter("size")
def size(octets: int | None) -> str:
    """Bytes as the language writes them: 1,5 MB, 2.3 GB..."""
    value = float(octets or 0)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            break
        value /= 1000
    return f"{format_decimal(round(value, 1))} {unit}"


@bp.app_template_filter("hours")
def hours(seconds: int | None) -> str:
    return format_decimal(round((seconds or 0) / 3600, 1))


def action_text(action: SessionAction | None) -> str:
    """A session's newest router action as the outbox has it: queued (perhaps
    retrying), sent or failed."""
    if action is None:
        return ""
    what = (
        gettext("Speed %(rate)s", rate=action.rate_limit)
        if action.kind == "coa"
        else gettext("Disconnect")
    )
    if action.state == "done":
        state, detail = gettext("sent"), action.result
    elif action.state == "failed":
        state, detail = gettext("failed"), action.last_error
    elif action.attempts:
        state, detail = gettext("queued, retrying"), action.last_error
    else:
        state, detail = gettext("queued"), None
    return f"{what}: {state} ({detail})" if detail else f"{what}: {state}"


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    return {
        "may": acc.may,
        "action_text": action_text,
        "action_form": ActionForm,
        "page_url": page_url,
        "timedelta": dt.timedelta,
    }


# -- login -------------------------------------------------------------------------
def login_page(template: str, home: str) -> Any:
    """The login form (shared with the admin); a TOTP code follows when enrolled."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            account = acc.authenticate(
                db.session, form.email.data, form.password.data, client_address(), now()
            )
        except acc.LoginRefused as exc:
            db.session.commit()  # the failed attempt counts
            error = error_text(exc)
        else:
            target = safe_next(request.args.get("next"), url_for(home))
            if account.totp_enabled:
                session[PENDING_KEY] = {
                    "id": account.id,
                    "at": now().timestamp(),
                    "next": target,
                }
                db.session.commit()
                return redirect(url_for("cabinet.login_code"))
            return _finish_login(account, target)
    return render_template(template, form=form, error=error), (401 if error else 200)


def _finish_login(account: Account, target: str) -> Any:
    acc.note_login(account, now())
    log_in(account)
    g.account = account
    audit("account.login", {"email": account.email}, owner_id=account.owner_id)
    db.session.commit()
    return redirect(target)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    return login_page("cabinet/login.html", "cabinet.index")


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> Any:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or (
        now().timestamp() - pending.get("at", 0) > PENDING_FOR.total_seconds()
    ):
        session.pop(PENDING_KEY, None)
        return redirect(url_for("cabinet.login"))
    account = db.session.get(Account, pending.get("id"))
    if account is None:
        abort(404)
    form, error = CodeForm(), None
    if form.validate_on_submit():
        try:
            acc.second_factor(
                db.session, account, form.code.data, client_address(), now()
            )
        except acc.LoginRefused as exc:
            db.session.commit()
            error = error_text(exc)
        else:
            session.pop(PENDING_KEY, None)
            return _finish_login(account, safe_next(pending.get("next"), "/cabinet/"))
    return render_template("cabinet/code.html", form=form, error=error), (
        401 if error else 200
    )


@bp.post("/logout")
def logout() -> Any:
    if ActionForm().validate_on_submit():
        log_out()
    return redirect(url_for("cabinet.login"))


@bp.route("/security", methods=["GET", "POST"])
@staff_required("self")
def security() -> Any:
    """Enrol (or switch off) the TOTP second factor of the logged-in account."""
    account: Account = g.account
    form, error = CodeForm(), None
    if (
        request.method == "POST"
        and request.form.get("disable")
        and ActionForm().validate()
    ):
        acc.disable_totp(db.session, account)
        audit("account.totp_off", {"email": account.email})
        flash(gettext("Two-step login is off."))
        return redirect(url_for(".security"))
    enrolment = None if account.totp_enabled else acc.start_totp(db.session, account)
    if enrolment and form.validate_on_submit():
        try:
            acc.confirm_totp(db.session, account, form.code.data, now())
        except DomainError:
            error = gettext("Wrong code. Check the time on your phone.")
        else:
            audit("account.totp_on", {"email": account.email})
            flash(gettext("Two-step login is on."))
            return redirect(url_for(".security"))
    qr = segno.make(enrolment.uri).svg_data_uri(scale=4) if enrolment else None
    return render_template(
        "cabinet/security.html", form=form, enrolment=enrolment, qr=qr, error=error
    )


# -- dashboard ---------------------------------------------------------------------
def _owner_router(router_id: int | None, owner_id: int | None) -> Router | None:
    """A router of the owner (None: the owner's every router); another's: 404."""
    if router_id is None:
        return None
    router = db.session.get(Router, router_id)
    if router is None or (owner_id is not None and router.owner_id != owner_id):
        abort(404)
    return router


def _label(unit: str, start: dt.datetime) -> str:
    if unit == "hour":
        return start.strftime("%H")
    if unit == "day":
        return start.strftime("%d")
    if unit == "week":
        return start.strftime("%d.%m")
    return format_date(start.date(), "LLL")


def period_args(
    owner_id: int | None, tz: str
) -> tuple[str, dt.date, Router | None, stats.Period]:
    """The period (``?unit=&date=``, default this month by day) and the router
    (``?router=``, the owner's) a page asks for."""
    unit = request.args.get("unit", "day")
    if unit not in stats.UNITS:
        unit = "day"
    try:
        anchor = dt.date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        anchor = now().astimezone(stats.ZoneInfo(tz)).date()
    router = _owner_router(request.args.get("router", type=int), owner_id)
    return unit, anchor, router, stats.period_for(unit, anchor)


def chart_data(owner_id: int | None, tz: str) -> dict[str, Any]:
    """What the dashboard (the cabinet's, or the admin's over every owner) shows."""
    unit, anchor, router, period = period_args(owner_id, tz)
    buckets = stats.series(
        db.session, owner_id, period, tz, router.id if router else None
    )
    labels = [_label(unit, b.start) for b in buckets]
    charts = {
        "sessions": bar_chart(
            [b.sessions for b in buckets], labels, gettext("Sessions")
        ),
        "guests": bar_chart(
            [b.guests for b in buckets], labels, gettext("Unique guests")
        ),
        "traffic": bar_chart(
            [b.octets for b in buckets], labels, gettext("Traffic, bytes")
        ),
        "time": bar_chart(
            [b.session_time / 3600 for b in buckets], labels, gettext("Time, hours")
        ),
    }
    return {
        "unit": unit,
        "anchor": anchor,
        "router": router,
        "period": period,
        "buckets": buckets,
        "labels": labels,
        "charts": charts,
        "total": stats.totals(buckets),
        "tz": tz,
    }


def _stats_csv(data: dict[str, Any]) -> Response:
    header = ["start", "sessions", "unique_guests", "bytes_in", "bytes_out", "seconds"]
    rows = [
        [
            b.start.isoformat(),
            b.sessions,
            b.guests,
            b.input_octets,
            b.output_octets,
            b.session_time,
        ]
        for b in data["buckets"]
    ]
    return csv_response(f"sessions-by-{data['unit']}.csv", header, rows)


@bp.get("/")
@staff_required("cards")
def index() -> Any:
    if not acc.may(g.account, "dashboard"):
        return redirect(url_for(".cards"))
    data = chart_data(g.owner.id, owner_timezone(g.owner))
    if request.args.get("format") == "csv":
        return _stats_csv(data)
    return render_template(
        "cabinet/dashboard.html", routers=owner_routers(g.owner.id), **data
    )


def owner_routers(owner_id: int) -> list[Router]:
    return list(
        db.session.scalars(
            select(Router)
            .where(Router.owner_id == owner_id)
            .order_by(Router.nas_identifier)
        )
    )


# -- bandwidth ---------------------------------------------------------------------
USAGE_HEADER = ["name", "title", "sessions", "bytes_in", "bytes_out", "seconds"]


def usage_rows(items: list[stats.Usage]) -> list[list[Any]]:
    return [
        [
            u.name if u.card else mask(u.name),
            u.title,
            u.sessions,
            u.input_octets,
            u.output_octets,
            u.session_time,
        ]
        for u in items
    ]


def usage_data(owner: Owner) -> Any:
    """Traffic per router and the top users of the period a page asks for, in the
    owner's time zone (the cabinet's bandwidth page and the admin's, one owner);
    ``?format=csv&list=routers|users``: that table as CSV."""
    tz = owner_timezone(owner)
    unit, anchor, router, period = period_args(owner.id, tz)
    per_router = stats.router_usage(db.session, owner.id, period, tz)
    users = stats.top_users(
        db.session, owner.id, period, tz, router.id if router else None
    )
    if request.args.get("format") == "csv":
        which = "users" if request.args.get("list") == "users" else "routers"
        chosen = users if which == "users" else per_router
        return csv_response(
            f"bandwidth-{which}-{period.start.date()}.csv",
            USAGE_HEADER,
            usage_rows(chosen),
        )
    return {
        "unit": unit,
        "anchor": anchor,
        "router": router,
        "period": period,
        "tz": tz,
        "routers": owner_routers(owner.id),
        "per_router": per_router,
        "users": users,
        "user_rows": usage_rows(users),
    }


@bp.get("/bandwidth")
@staff_required("dashboard")
def bandwidth() -> Any:
    """The usage (usage_data) and, below it, the limits (portal.cabinet.speeds)."""
    from .speeds import limits_context

    data = usage_data(g.owner)
    if not isinstance(data, dict):
        return data
    return render_template("cabinet/bandwidth.html", **data, **limits_context())


# -- live sessions -----------------------------------------------------------------
LIVE_HEADER = ["user", "mac", "ip", "router", "since", "bytes_in", "bytes_out"]


def live_rows(items: list[Any]) -> list[list[Any]]:
    labels = guest_labels(db.session, [s.username for s, _nas, _title in items])
    return [
        [
            # A card shows its number; an identified guest the masked phone.
            shown_username(s, labels),
            s.mac,
            s.framed_ip,
            nas,
            s.started_at.isoformat(),
            s.input_octets,
            s.output_octets,
        ]
        for s, nas, _title in items
    ]


def live_page(owner_id: int | None, router: Router | None) -> Any:
    """The live sessions of an owner (None: every owner's), a keyset page of
    them, or all of them as CSV; with each one's newest router action."""
    query = stats.live_query(owner_id, router.id if router else None)
    if request.args.get("format") == "csv":
        return csv_response(
            "live-sessions.csv", LIVE_HEADER, live_rows(all_rows(query, scalars=False))
        )
    router_id = router.id if router else None

    def fetch(cursor: Any, newer: bool, limit: int) -> list[Any]:
        window = stats.live_window(owner_id, router_id, cursor, newer, limit)
        return list(db.session.execute(window).all())

    page = keyset_paginate(
        fetch,
        count_rows(db.session, query),
        (dt.datetime, int),
        lambda item: (item[0].started_at, item[0].id),
    )
    ids = [item[0].id for item in page.items]
    return {
        "page": page,
        "rows": live_rows(page.items),
        "router": router,
        "actions": session_actions(db.session, ids),
    }


@bp.get("/sessions")
@staff_required("sessions")
def sessions() -> Any:
    router = _owner_router(request.args.get("router", type=int), g.owner.id)
    data = live_page(g.owner.id, router)
    if not isinstance(data, dict):
        return data
    return render_template("cabinet/sessions.html", **data)


def act_on_session(owner: Owner, session_id: int, speed: bool) -> Any:
    """Disconnect one session, or change its speed, through the outbox (shared
    with the admin); back to the page the button was on."""
    if not ActionForm().validate():
        abort(400)
    rate = (request.form.get("rate") or "").strip()
    try:
        if speed:
            rs = change_session_speed(db.session, owner, session_id, rate, now())
        else:
            rs = disconnect_session(db.session, owner, session_id, now())
    except NotFound:
        abort(404)
    except DomainError as exc:
        db.session.rollback()
        flash(error_text(exc), "error")
    else:
        detail = {"session": rs.id, "user": live_rows([(rs, "", "")])[0][0]}
        if speed:
            detail["rate"] = rate
        audit("session.speed" if speed else "session.disconnect", detail, owner.id)
        flash(gettext("Queued: the router gets it within seconds."))
    return redirect(safe_next(request.form.get("back"), url_for(".sessions")))


@bp.post("/sessions/<int:session_id>/disconnect")
@staff_required("sessions")
def session_disconnect(session_id: int) -> Any:
    return act_on_session(g.owner, session_id, speed=False)


@bp.post("/sessions/<int:session_id>/speed")
@staff_required("sessions")
def session_speed(session_id: int) -> Any:
    return act_on_session(g.owner, session_id, speed=True)


# -- SMS ---------------------------------------------------------------------------
SMS_HEADER = [
    "created",
    "phone",
    "status",
    "gateway",
    "error",
    "sent",
    "delivered",
    "cost",
]


def sms_rows(items: list[Any]) -> list[list[Any]]:
    # Money is for the owner (and the operator) only.
    costs = (
        message_costs(db.session, [m.id for m in items])
        if acc.may(g.account, "tariffs")
        else {}
    )
    return [
        [
            m.created_at.isoformat(),
            mask(m.phone),
            m.status,
            m.provider,
            m.error,
            m.sent_at.isoformat() if m.sent_at else None,
            m.delivered_at.isoformat() if m.delivered_at else None,
            costs.get(m.id),
        ]
        for m in items
    ]


@bp.get("/sms")
@staff_required("sms")
def sms() -> Any:
    status = request.args.get("status") or None
    query = stats.sms_query(g.owner.id, status)
    if request.args.get("format") == "csv":
        return csv_response("sms.csv", SMS_HEADER, sms_rows(all_rows(query)))
    page = keyset_list(query, (SmsMessage.created_at, SmsMessage.id))
    since = now() - dt.timedelta(days=30)
    return render_template(
        "cabinet/sms.html",
        page=page,
        rows=sms_rows(page.items),
        totals=stats.sms_totals(db.session, g.owner.id, since),
        status=status,
    )


# -- blacklist ---------------------------------------------------------------------
def blacklist_view(owner_id: int | None, template: str) -> Any:
    """The blacklist of an owner (None: the operator's, for every venue)."""
    owner = g.owner if owner_id is not None else None
    form = BlacklistForm()
    if form.validate_on_submit():
        try:
            entry = blacklist_phone(
                db.session, owner, form.phone.data, form.reason.data or ""
            )
        except DomainError as exc:
            db.session.rollback()
            flash(error_text(exc), "error")
        else:
            audit("blacklist.add", {"phone": mask(entry.phone), "reason": entry.reason})
            flash(gettext("Blocked %(phone)s.", phone=mask(entry.phone)))
            return redirect(request.path)
    query = select(PhoneBlacklist).order_by(PhoneBlacklist.id.desc())
    query = query.where(
        PhoneBlacklist.owner_id.is_(None)
        if owner_id is None
        else PhoneBlacklist.owner_id == owner_id
    )
    if request.args.get("format") == "csv":
        return csv_response(
            "blacklist.csv",
            ["phone", "reason", "since"],
            [[e.phone, e.reason, e.created_at.isoformat()] for e in all_rows(query)],
        )
    return render_template(
        template, form=form, page=paginate(query), import_form=ImportForm(), mask=mask
    )


def remove_blacklisted(entry_id: int, owner_id: int | None) -> None:
    entry = db.session.get(PhoneBlacklist, entry_id)
    if entry is None or entry.owner_id != owner_id or not ActionForm().validate():
        abort(404)
    db.session.delete(entry)
    audit("blacklist.remove", {"phone": mask(entry.phone)})


def import_blacklist(owner_id: int | None) -> tuple[int, list[str]]:
    """Block every phone of the uploaded CSV (phone[,reason]); returns how many and
    the lines refused."""
    form = ImportForm()
    if not form.validate_on_submit():
        abort(400)
    owner = g.owner if owner_id is not None else None
    text = form.file.data.read(1_000_000).decode("utf-8-sig", errors="replace")
    added, refused = 0, []
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not row[0].strip() or row[0].strip().lower() == "phone":
            continue
        try:
            with db.session.begin_nested():
                blacklist_phone(
                    db.session, owner, row[0], (row[1] if len(row) > 1 else "")
                )
            added += 1
        except DomainError:
            refused.append(f"{n}: {row[0][:32]}")
    audit("blacklist.import", {"added": added, "refused": len(refused)})
    return added, refused


def _flash_import(added: int, refused: list[str]) -> None:
    flash(gettext("Imported %(n)d phone numbers.", n=added))
    if refused:
        flash(
            gettext(
                "Not phone numbers (line: text): %(lines)s",
                lines=", ".join(refused[:20]),
            ),
            "error",
        )


@bp.route("/blacklist", methods=["GET", "POST"])
@staff_required("blacklist")
def blacklist() -> Any:
    return blacklist_view(g.owner.id, "cabinet/blacklist.html")


@bp.post("/blacklist/<int:entry_id>/remove")
@staff_required("blacklist")
def blacklist_remove(entry_id: int) -> Any:
    remove_blacklisted(entry_id, g.owner.id)
    return redirect(url_for(".blacklist"))


@bp.post("/blacklist/import")
@staff_required("blacklist")
def blacklist_import() -> Any:
    _flash_import(*import_blacklist(g.owner.id))
    return redirect(url_for(".blacklist"))


# -- tariffs -----------------------------------------------------------------------
@bp.route("/tariffs", methods=["GET", "POST"])
@staff_required("tariffs")
def tariffs() -> Any:
    form = TariffForm()
    if form.validate_on_submit():
        try:
            t = add_tariff(
                db.session,
                g.owner,
                form.name.data.strip(),
                time=form.time.data or None,
                data=form.data.data or None,
                rate=form.rate.data or None,
                validity=form.validity.data or None,
                price=form.price.data or 0,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(error_text(exc), "error")
        else:
            audit("tariff.add", {"name": t.name})
            return redirect(url_for(".tariffs"))
    query = (
        select(Tariff)
        .where(Tariff.owner_id == g.owner.id)
        .order_by(Tariff.archived, Tariff.name)
    )
    if request.args.get("format") == "csv":
        return csv_response(
            "tariffs.csv",
            ["name", "time_limit", "data_limit", "rate_limit", "price", "archived"],
            [
                [t.name, t.time_limit, t.data_limit, t.rate_limit, t.price, t.archived]
                for t in all_rows(query)
            ],
        )
    return render_template("cabinet/tariffs.html", form=form, page=paginate(query))


@bp.post("/tariffs/<int:tariff_id>/archive")
@staff_required("tariffs")
def tariff_archive(tariff_id: int) -> Any:
    tariff = db.session.get(Tariff, tariff_id)
    if tariff is None or tariff.owner_id != g.owner.id or not ActionForm().validate():
        abort(404)
    archive_tariff(db.session, g.owner, tariff.name)
    audit("tariff.archive", {"name": tariff.name})
    return redirect(url_for(".tariffs"))


# -- vouchers ----------------------------------------------------------------------
@bp.get("/vouchers")
@staff_required("vouchers")
def vouchers() -> Any:
    query = (
        select(Voucher)
        .where(Voucher.owner_id == g.owner.id)
        .order_by(Voucher.id.desc())
    )
    status = request.args.get("status") or None
    if status:
        query = query.where(Voucher.status == status)
    batch = request.args.get("batch", type=int)
    if batch is not None:
        query = query.where(Voucher.batch_id == batch)
    if request.args.get("format") == "csv":
        return csv_response(
            "vouchers.csv",
            ["code", "status", "batch", "created", "used_seconds", "used_bytes"],
            [
                [
                    v.code,
                    v.status,
                    v.batch_id,
                    v.created_at.isoformat(),
                    v.used_seconds,
                    v.used_bytes,
                ]
                for v in all_rows(query)
            ],
        )
    return render_template("cabinet/vouchers.html", page=paginate(query), status=status)


@bp.post("/vouchers/<int:voucher_id>/revoke")
@staff_required("vouchers")
def voucher_revoke(voucher_id: int) -> Any:
    voucher = db.session.get(Voucher, voucher_id)
    if voucher is None or voucher.owner_id != g.owner.id or not ActionForm().validate():
        abort(404)
    revoke_voucher(db.session, g.owner, voucher.code, now())
    audit("voucher.revoke", {"code": voucher.code})
    return redirect(
        request.referrer if safe_next(request.referrer, "") else url_for(".vouchers")
    )


# -- cards (batches and printing) --------------------------------------------------
def _cipher() -> PinCipher:
    return PinCipher(current_app.config["HOTSPOT_SETTINGS"].pin_key)


@bp.route("/cards", methods=["GET", "POST"])
@staff_required("cards")
def cards() -> Any:
    form = CardsForm()
    on_sale = db.session.scalars(
        select(Tariff)
        .where(Tariff.owner_id == g.owner.id, Tariff.archived.is_(False))
        .order_by(Tariff.name)
    ).all()
    form.tariff.choices = [SelectChoice(str(t.id), t.name) for t in on_sale]
    if form.validate_on_submit():
        tariff = next(t for t in on_sale if str(t.id) == form.tariff.data)
        issued = generate_vouchers(
            db.session,
            g.owner,
            tariff,
            form.count.data,
            _cipher(),
            note=form.note.data or "",
            now=now(),
        )
        batch_id = issued[0].voucher.batch_id
        audit(
            "cards.generate",
            {"batch": batch_id, "count": len(issued), "tariff": tariff.name},
        )
        return redirect(url_for(".batch_print", batch_id=batch_id))
    query = (
        select(VoucherBatch)
        .where(VoucherBatch.owner_id == g.owner.id)
        .order_by(VoucherBatch.id.desc())
    )
    names = {
        t.id: t.name
        for t in db.session.scalars(select(Tariff).where(Tariff.owner_id == g.owner.id))
    }
    return render_template(
        "cabinet/cards.html", form=form, page=paginate(query), names=names
    )


@bp.get("/cards/<int:batch_id>/print")
@staff_required("cards")
def batch_print(batch_id: int) -> Any:
    """The batch's print sheet (HTML, or ``?format=pdf``)."""
    batch = db.session.get(VoucherBatch, batch_id)
    if batch is None or batch.owner_id != g.owner.id:
        abort(404)
    sheet = batch_sheet(
        db.session,
        g.owner,
        batch_id,
        _cipher(),
        current_app.config["HOTSPOT_SETTINGS"].portal_url,
    )
    audit(
        "cards.print", {"batch": batch_id, "format": request.args.get("format", "html")}
    )
    headers = {"Cache-Control": "no-store"}
    if request.args.get("format") == "pdf":
        return Response(render_pdf(sheet), mimetype="application/pdf", headers=headers)
    page = render_html(sheet).replace("<style>", f'<style nonce="{csp_nonce()}">', 1)
    return Response(page, mimetype="text/html", headers=headers)


# -- routers -----------------------------------------------------------------------
def router_rows(statuses: list[stats.RouterStatus]) -> list[list[Any]]:
    return [
        [
            s.router.nas_identifier,
            s.router.title,
            str(s.router.ip_address),
            s.router.enabled,
            s.open_sessions,
            s.last_seen.isoformat() if s.last_seen else None,
            s.last_request.isoformat() if s.last_request else None,
            f"{s.last_error.kind}: {s.last_error.error}" if s.last_error else None,
        ]
        for s in statuses
    ]


ROUTER_HEADER = [
    "nas_id",
    "title",
    "ip",
    "enabled",
    "sessions_now",
    "last_accounting",
    "last_request",
    "last_error",
]


@bp.get("/routers")
@staff_required("routers")
def routers() -> Any:
    query = (
        select(Router)
        .where(Router.owner_id == g.owner.id)
        .order_by(Router.nas_identifier)
    )
    if request.args.get("format") == "csv":
        rows = stats.router_statuses(db.session, all_rows(query))
        return csv_response("routers.csv", ROUTER_HEADER, router_rows(rows))
    page = paginate(query)
    return render_template(
        "cabinet/routers.html",
        page=page,
        statuses=stats.router_statuses(db.session, page.items),
        now=now(),
    )


# -- settings ----------------------------------------------------------------------
def _settings_form(values: dict[str, Any]) -> SettingsForm:
    from wtforms import StringField

    class Form(SettingsForm):
        pass

    for s in (*SETTINGS,):
        setattr(Form, s.name, StringField(s.name, description=translate(s.help)))
    for name in ("display_name", "timezone", "guest_tariff"):
        setattr(Form, name, StringField(name))
    shown = {
        k: ",".join(v) if isinstance(v, list) else ("" if v is None else str(v))
        for k, v in values.items()
    }
    return Form(data=shown) if request.method == "GET" else Form()


@bp.route("/settings", methods=["GET", "POST"])
@staff_required("settings")
def settings() -> Any:
    values = venue_settings(db.session, g.owner)
    form = _settings_form(values)
    if form.validate_on_submit():
        changes = {
            name: field.data
            for name, field in form._fields.items()
            if name != "csrf_token"
            and name in request.form
            and field.data != _shown(values.get(name))
        }
        saved = save_settings(changes, ".settings")
        if saved is not None:
            return saved
    return render_template("cabinet/settings.html", form=form)


def save_settings(changes: dict[str, Any], page: str) -> Any:
    """Apply a settings form's ``changes`` to the owner's venue (audited): the
    redirect back to ``page``, or None with the error flashed (nothing changed)."""
    try:
        gateways = [p.name for p in providers(current_app)]
        update_settings(db.session, g.owner, changes, gateways)
    except DomainError as exc:
        db.session.rollback()
        flash(error_text(exc), "error")
        return None
    if changes:
        audit("settings.update", {"changes": changes})
    flash(gettext("Settings saved."))
    return redirect(url_for(page))


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(value)
    return "" if value is None else str(value)


# -- audit -------------------------------------------------------------------------
AUDIT_HEADER = ["at", "actor", "action", "detail", "reason", "address"]


def audit_rows(items: list[Any]) -> list[list[Any]]:
    return [
        [e.at.isoformat(), e.actor, e.action, e.detail, e.reason, e.address]
        for e in items
    ]


@bp.get("/audit")
@staff_required("audit")
def audit_log() -> Any:
    query = audit_query(g.owner.id)
    if request.args.get("format") == "csv":
        return csv_response("audit.csv", AUDIT_HEADER, audit_rows(all_rows(query)))
    return render_template(
        "cabinet/audit.html", page=keyset_list(query, (AuditEntry.at, AuditEntry.id))
    )


# Pages in modules of their own, on bp too.
from . import documents as _documents  # noqa: E402, F401
from . import look as _look  # noqa: E402, F401
from . import onboarding as _onboarding  # noqa: E402, F401
from . import sms_cost as _sms_cost  # noqa: E402, F401
from . import speeds as _speeds  # noqa: E402, F401
from . import team as _team  # noqa: E402, F401
