"""JSON API for integrations (/api/v1): the owner's tariffs, vouchers and cards, with
per-owner API tokens (``Authorization: Bearer hs_...``), and the SMS gateways'
delivery reports. Every query is scoped by the token's owner."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from hotspot.cards import render_html, render_pdf
from hotspot.crypto import PinCipher
from hotspot.errors import AlreadyExists, DomainError, NotFound
from hotspot.services.identification import (
    blacklist_dict,
    blacklist_phone,
    list_blacklist,
    unblock_phone,
)
from hotspot.services.sessions import (
    disconnect_session,
    live_sessions,
    session_dicts,
)
from hotspot.services.tariffs import (
    add_tariff,
    archive_tariff,
    delete_tariff,
    get_tariff,
    list_tariffs,
    tariff_dict,
)
from hotspot.services.tenancy import (
    get_router,
    list_routers,
    owner_for_token,
    router_dict,
    set_router_enabled,
    update_router,
)
from hotspot.services.vouchers import (
    batch_sheet,
    export_batch_csv,
    generate_vouchers,
    list_vouchers,
    revoke_voucher,
    voucher_dict,
)
from hotspot.sms.dispatch import apply_report
from hotspot.units import UnitError, parse_duration
from hotspot.venues import update_settings, venue_settings

from ..extensions import csrf, db
from ..sms import providers
from .schemas import (
    BlacklistIn,
    BodyError,
    RouterIn,
    SettingsIn,
    TariffIn,
    VouchersIn,
    parse,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # token-authenticated, no cookies


def _now() -> Any:
    return current_app.config["HOTSPOT_CLOCK"].now()


def _cipher() -> PinCipher:
    return PinCipher(current_app.config["HOTSPOT_SETTINGS"].pin_key)


def owner_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        owner = owner_for_token(db.session, token, _now()) if token else None
        if owner is None:
            return jsonify(
                error="unauthorized", message="A valid API token is required."
            ), 401
        g.owner = owner
        try:
            return view(*args, **kwargs)
        except DomainError as exc:
            db.session.rollback()
            status = (
                404
                if isinstance(exc, NotFound)
                else (409 if isinstance(exc, AlreadyExists) else 400)
            )
            body = {"error": exc.key, "message": exc.message}
            if isinstance(exc, BodyError):
                body.update(field=exc.field, reason=exc.reason)
            return jsonify(body), status

    return wrapper


def _body(model: Any) -> Any:
    """The JSON body as ``model`` (portal.api.schemas), or a 400 naming the field."""
    return parse(model, request.get_json(silent=True))


@bp.get("/tariffs")
@owner_required
def tariffs() -> Any:
    archived = request.args.get("archived") in ("1", "true", "yes")
    return jsonify(
        [tariff_dict(t) for t in list_tariffs(db.session, g.owner, archived)]
    )


@bp.post("/tariffs")
@owner_required
def tariff_create() -> Any:
    d = _body(TariffIn)
    t = add_tariff(db.session, g.owner, **d.model_dump())
    return jsonify(tariff_dict(t)), 201


@bp.post("/tariffs/<name>/archive")
@owner_required
def tariff_archive(name: str) -> Any:
    return jsonify(tariff_dict(archive_tariff(db.session, g.owner, name)))


@bp.delete("/tariffs/<name>")
@owner_required
def tariff_delete(name: str) -> Any:
    delete_tariff(db.session, g.owner, name)
    return "", 204


@bp.post("/vouchers")
@owner_required
def voucher_generate() -> Any:
    d = _body(VouchersIn)
    try:
        expiry = parse_duration(d.unsold_expiry) if d.unsold_expiry else None
    except UnitError as exc:
        raise BodyError("unsold_expiry", str(exc)) from exc
    issued = generate_vouchers(
        db.session,
        g.owner,
        get_tariff(db.session, g.owner, d.tariff),
        d.count,
        _cipher(),
        code_length=d.code_length,
        pin_length=d.pin_length,
        pin_alphabet=d.pin_alphabet,
        prefix=d.prefix.upper(),
        face_value=d.face_value,
        unsold_expiry=expiry,
        note=d.note,
        now=_now(),
    )
    return jsonify(
        batch=issued[0].voucher.batch_id,
        vouchers=[{"code": v.code, "pin": v.pin} for v in issued],
    ), 201


@bp.get("/vouchers")
@owner_required
def vouchers() -> Any:
    batch = request.args.get("batch", type=int)
    status = request.args.get("status") or None
    return jsonify(
        [
            voucher_dict(v)
            for v in list_vouchers(db.session, g.owner, batch_id=batch, status=status)
        ]
    )


@bp.post("/vouchers/<code>/revoke")
@owner_required
def voucher_revoke(code: str) -> Any:
    return jsonify(voucher_dict(revoke_voucher(db.session, g.owner, code, _now())))


@bp.get("/sessions")
@owner_required
def sessions() -> Any:
    """The owner's sessions online (``?router=<nas id>``: at one router)."""
    nas_id = request.args.get("router")
    router = get_router(db.session, nas_id, g.owner) if nas_id else None
    names = {r.id: r.nas_identifier for r in list_routers(db.session, g.owner)}
    rows = live_sessions(db.session, owner=g.owner, router=router)
    return jsonify(session_dicts(db.session, rows, names))


@bp.post("/sessions/<int:session_id>/disconnect")
@owner_required
def session_disconnect(session_id: int) -> Any:
    """Cut a session: a Disconnect is queued and sent within seconds (202)."""
    rs = disconnect_session(db.session, g.owner, session_id, _now())
    return jsonify(session_dicts(db.session, [rs])[0]), 202


@bp.get("/batches/<int:batch_id>/export.csv")
@owner_required
def batch_export(batch_id: int) -> Any:
    text = export_batch_csv(db.session, g.owner, batch_id, _cipher())
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename=batch-{batch_id}.csv",
            "Cache-Control": "no-store",
        },
    )


@bp.get("/batches/<int:batch_id>/cards.<fmt>")
@owner_required
def batch_cards(batch_id: int, fmt: str) -> Any:
    if fmt not in ("html", "pdf"):
        raise NotFound("format: html or pdf")
    per_page = min(max(request.args.get("per_page", 10, type=int), 1), 20)
    sheet = batch_sheet(
        db.session,
        g.owner,
        batch_id,
        _cipher(),
        current_app.config["HOTSPOT_SETTINGS"].portal_url,
        per_page,
        request.args.get("lang", "en"),
    )
    if fmt == "pdf":
        return Response(
            render_pdf(sheet),
            mimetype="application/pdf",
            headers={"Cache-Control": "no-store"},
        )
    return Response(
        render_html(sheet), mimetype="text/html", headers={"Cache-Control": "no-store"}
    )


@bp.get("/settings")
@owner_required
def settings_show() -> Any:
    return jsonify(venue_settings(db.session, g.owner))


@bp.patch("/settings")
@owner_required
def settings_update() -> Any:
    """Change venue settings: ``{"otp_length": 4, "documents": ["hotel"]}``."""
    changes = _body(SettingsIn).model_dump()
    gateways = [p.name for p in providers(current_app)]
    return jsonify(update_settings(db.session, g.owner, changes, gateways))


@bp.get("/routers")
@owner_required
def routers() -> Any:
    return jsonify([router_dict(r) for r in list_routers(db.session, g.owner)])


@bp.patch("/routers/<nas_id>")
@owner_required
def router_update(nas_id: str) -> Any:
    d = _body(RouterIn)
    router = update_router(
        db.session,
        get_router(db.session, nas_id, g.owner),
        ip_address=d.ip,
        secret=d.secret,
        require_message_authenticator=d.require_message_authenticator,
        title=d.title,
    )
    return jsonify(router_dict(router))


@bp.post("/routers/<nas_id>/<action>")
@owner_required
def router_switch(nas_id: str, action: str) -> Any:
    if action not in ("enable", "disable"):
        raise NotFound("action: enable or disable")
    router = get_router(db.session, nas_id, g.owner)
    return jsonify(
        router_dict(set_router_enabled(db.session, router, action == "enable"))
    )


@bp.get("/blacklist")
@owner_required
def blacklist() -> Any:
    return jsonify([blacklist_dict(e) for e in list_blacklist(db.session, g.owner)])


@bp.post("/blacklist")
@owner_required
def blacklist_add() -> Any:
    d = _body(BlacklistIn)
    return jsonify(
        blacklist_dict(blacklist_phone(db.session, g.owner, d.phone, d.reason))
    ), 201


@bp.delete("/blacklist/<phone>")
@owner_required
def blacklist_remove(phone: str) -> Any:
    unblock_phone(db.session, g.owner, phone)
    return "", 204


@bp.post("/sms/report/<name>")
def sms_report(name: str) -> Any:
    """Delivery report callback of the gateway configured under ``name``;
    authenticated by the provider (URL token or Twilio's signature)."""
    provider = next((p for p in providers(current_app) if p.name == name), None)
    if provider is None:
        return jsonify(error="unknown provider"), 404
    payload = request.get_json(silent=True) if request.is_json else None
    data = payload if isinstance(payload, dict) else request.form.to_dict()
    report = provider.parse_report(data, dict(request.headers), request.url)
    if report is None:
        return jsonify(error="report not accepted"), 403
    row = apply_report(db.session, name, report, _now())
    return jsonify(status="ok", known=row is not None)
