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
from hotspot.services.tariffs import (
    add_tariff,
    archive_tariff,
    delete_tariff,
    get_tariff,
    list_tariffs,
    tariff_dict,
)
from hotspot.services.tenancy import owner_for_token
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

from ..extensions import csrf, db
from ..sms import providers

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
            result = view(*args, **kwargs)
            db.session.commit()
            return result
        except DomainError as exc:
            db.session.rollback()
            status = (
                404
                if isinstance(exc, NotFound)
                else (409 if isinstance(exc, AlreadyExists) else 400)
            )
            return jsonify(error=exc.key, message=exc.message), status
        except (ValueError, TypeError, KeyError):
            db.session.rollback()
            return jsonify(error="bad_request", message="Malformed request."), 400

    return wrapper


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("a JSON object is expected", key="bad_request")
    return data


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
    d = _body()
    t = add_tariff(
        db.session,
        g.owner,
        str(d.get("name", "")),
        time=d.get("time"),
        data=d.get("data"),
        rate=d.get("rate"),
        validity=d.get("validity"),
        idle=d.get("idle"),
        price=d.get("price", 0),
        currency=str(d.get("currency", "UZS")),
        kind=str(d.get("kind", "prepaid")),
        validity_from=str(d.get("validity_from", "first_use")),
        price_per_mb=d.get("price_per_mb"),
        price_per_minute=d.get("price_per_minute"),
        max_devices=int(d.get("max_devices", 1)),
    )
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
    d = _body()
    try:
        expiry = parse_duration(d["unsold_expiry"]) if d.get("unsold_expiry") else None
    except UnitError as exc:
        raise DomainError(str(exc), key="invalid_input") from exc
    issued = generate_vouchers(
        db.session,
        g.owner,
        get_tariff(db.session, g.owner, str(d.get("tariff", ""))),
        int(d.get("count", 1)),
        _cipher(),
        code_length=int(d.get("code_length", 10)),
        pin_length=int(d.get("pin_length", 6)),
        pin_alphabet=str(d.get("pin_alphabet", "digits")),
        prefix=str(d.get("prefix", "")).upper(),
        face_value=d.get("face_value"),
        unsold_expiry=expiry,
        note=str(d.get("note", "")),
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
    db.session.commit()
    return jsonify(status="ok", known=row is not None)
