"""The guest's status page after login: time and data left, a logout button, and
pings that keep a session of a ``keepalive`` tariff online (a session whose page
stays silent past the grace is cut: hotspot.services.sessions)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template

from hotspot.models import RadiusSession, Voucher
from hotspot.services.sessions import PING_SECONDS, device_session, record_ping

from ..extensions import db
from .routes import _context, _not_from_a_router, _now, _router, bp


def _logout_link(ctx: dict[str, str]) -> str:
    """The router's ``$(link-logout)``: its login URL's /logout."""
    base = ctx.get("link-login-only", "").rsplit("/", 1)[0]
    return base + "/logout" if base else ""


def _left(rs: RadiusSession) -> dict[str, int | None]:
    voucher = db.session.get(Voucher, rs.voucher_id) if rs.voucher_id else None
    if voucher is None:
        return {"seconds_left": None, "bytes_left": None}
    return {
        "seconds_left": None
        if voucher.time_limit is None
        else max(0, voucher.time_limit - voucher.used_seconds),
        "bytes_left": None
        if voucher.data_limit is None
        else max(0, voucher.data_limit - voucher.used_bytes),
    }


def _session() -> RadiusSession | None:
    ctx, router = _context(), _router()
    if ctx is None or router is None:
        return None
    return device_session(db.session, router.id, ctx["mac"])


@bp.get("/status")
def status() -> Any:
    ctx = _context()
    if ctx is None or _router() is None:
        return _not_from_a_router()
    rs = _session()
    return render_template(
        "guest/status.html",
        online=rs is not None,
        left=_left(rs) if rs else {},
        logout=_logout_link(ctx),
        orig=ctx.get("link-orig", ""),
        ping_seconds=PING_SECONDS,
    )


@bp.post("/status/ping")
def ping() -> Any:
    """The page is still open: note it for the session, answer what is left."""
    rs = _session()
    if rs is None:
        return jsonify(online=False), 404
    record_ping(db.session, rs, _now())
    db.session.commit()
    return jsonify(online=True, **_left(rs))
