"""JSON endpoints for integrations: SMS delivery reports (more under /api/v1 later)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from hotspot.sms.dispatch import apply_report

from ..extensions import csrf, db
from ..sms import providers

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.post("/sms/report/<name>")
@csrf.exempt  # called by the SMS gateway, authenticated by token or signature
def sms_report(name: str) -> Any:
    """Delivery report callback of the gateway configured under ``name``."""
    provider = next((p for p in providers(current_app) if p.name == name), None)
    if provider is None:
        return jsonify(error="unknown provider"), 404
    payload = request.get_json(silent=True) if request.is_json else None
    data = payload if isinstance(payload, dict) else request.form.to_dict()
    report = provider.parse_report(data, dict(request.headers), request.url)
    if report is None:
        return jsonify(error="report not accepted"), 403
    now = current_app.config["HOTSPOT_CLOCK"].now()
    row = apply_report(db.session, name, report, now)
    db.session.commit()
    return jsonify(status="ok", known=row is not None)
