"""The MikroTik external login page and its flows.

The router's login.html auto-posts its servlet variables here (mac, ip,
link-login-only, link-orig, chap-id, chap-challenge, error, identity). The guest
proves who they are, the core issues a one-time login ticket bound to the MAC and the
router, and the browser posts the user name and the ticket password (as a CHAP
response when the router offered CHAP) back to link-login-only.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from hotspot.messages import KEY_BY_MESSAGE, message
from hotspot.mikrotik import chap_password_for, is_router_link
from hotspot.policy import Reject
from hotspot.services.access import normalise_mac, router_by_nas_identifier, voucher_login

from ..extensions import csrf, db
from .forms import VoucherForm

bp = Blueprint("guest", __name__)

CONTEXT_KEY = "hotspot"
_FIELDS = (
    "mac",
    "ip",
    "link-login-only",
    "link-orig",
    "chap-id",
    "chap-challenge",
    "identity",
    "server-name",
)


def _context() -> dict[str, str] | None:
    ctx = session.get(CONTEXT_KEY)
    return ctx if isinstance(ctx, dict) else None


def _router_error(text: str) -> str:
    """The router relays RADIUS's Reply-Message; show our wording of it."""
    key = KEY_BY_MESSAGE.get(text.strip())
    return message(key) if key else text.strip()[:200]


@bp.get("/")
def index() -> str | Response:
    if _context():
        return redirect(url_for("guest.login"))
    return render_template(
        "guest/index.html", demo_url=current_app.config.get("DEMO_ROUTER_URL")
    )


@bp.post("/login")
@csrf.exempt  # posted by the router's login.html, a page we do not serve
def from_router() -> str | Response | tuple[str, int]:
    """Entry from the router: remember the hotspot context for this browser."""
    form = request.form
    values = {name: form.get(name, "")[:512] for name in _FIELDS}
    mac = normalise_mac(values["mac"])
    if not mac or not is_router_link(values["link-login-only"]):
        return render_template(
            "error.html",
            message="Please connect through the venue's WiFi and open any web page.",
        ), 400
    values["mac"] = mac
    session[CONTEXT_KEY] = values
    error = form.get("error", "").strip()
    return _render_login(error=_router_error(error) if error else None)


@bp.get("/login")
def login() -> str | tuple[str, int]:
    if not _context():
        return render_template(
            "error.html",
            message="Please connect through the venue's WiFi and open any web page.",
        ), 400
    return _render_login()


def _render_login(
    form: VoucherForm | None = None, error: str | None = None
) -> str:
    form = form or VoucherForm(code=request.args.get("code", ""))
    ctx = _context() or {}
    router = router_by_nas_identifier(db.session, ctx.get("identity", ""))
    return render_template(
        "guest/login.html",
        form=form,
        error=error,
        router=router,
        venue=router.owner.display_name if router else None,
    )


@bp.post("/login/voucher")
def voucher() -> Any:
    ctx = _context()
    if not ctx:
        return redirect(url_for("guest.login"))
    form = VoucherForm()
    if not form.validate_on_submit():
        return _render_login(form, error="Please enter the card number and the PIN."), 422
    router = router_by_nas_identifier(db.session, ctx.get("identity", ""))
    if router is None:
        return _render_login(form, error=message("router_unknown")), 422
    settings = current_app.config["HOTSPOT_SETTINGS"]
    now = current_app.config["HOTSPOT_CLOCK"].now()
    result = voucher_login(
        db.session, settings, router, form.code.data, form.pin.data, ctx["mac"], now
    )
    if isinstance(result, Reject):
        db.session.rollback()
        return _render_login(form, error=result.message), 422
    db.session.commit()
    return _router_login(result.username, result.password, ctx)


def _router_login(username: str, password: str, ctx: dict[str, str]) -> str:
    """The auto-submitting form that logs the device in at the router."""
    if ctx.get("chap-id"):
        password = chap_password_for(ctx["chap-id"], password, ctx.get("chap-challenge", ""))
    return render_template(
        "guest/redirect.html",
        action=ctx["link-login-only"],
        username=username,
        password=password,
        dst=ctx.get("link-orig", ""),
    )
