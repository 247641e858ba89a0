"""The MikroTik external login page and its flows.

The router's login.html auto-posts its servlet variables here (mac, ip,
link-login-only, link-orig, chap-id, chap-challenge, error, identity). The guest
proves who they are, the core issues a one-time login ticket bound to the MAC and the
router, and the browser posts the user name and the ticket password (as a CHAP
response when the router offered CHAP) back to link-login-only.

This module holds the entry from the router (the hotspot context, who vouches for
it) and what every flow shares; each flow is a module of its own on the same
blueprint: voucher, phone, document, free, ads, status.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from werkzeug.wrappers import Response

from hotspot.messages import KEY_BY_MESSAGE
from hotspot.models import Router, Tariff
from hotspot.policy import Reject
from hotspot.routers.login import (
    chap_password_for,
    decode_chap_id,
    is_chap_challenge,
    is_hotspot_link,
    is_router_link,
    router_context,
)
from hotspot.services.access import PortalLogin, normalise_mac
from hotspot.services.guest import guest_offer
from hotspot.services.identification import (
    Identified,
    returning_device,
)
from hotspot.services.sessions import keepalive_grace
from hotspot.services.trust import (
    CloudNames,
    HotspotHosts,
    RouterUnreachable,
    Vouchers,
    list_hosts,
    router_by_id,
    router_for_request,
    vouched,
)
from hotspot.venues import OwnerPolicy

from ..extensions import csrf, db
from ..i18n import message_text
from .cached import cached_page
from .forms import DocumentForm, PhoneForm, VoucherForm

bp = Blueprint("guest", __name__)
log = logging.getLogger(__name__)

CONTEXT_KEY = "hotspot"
PREFILL_KEY = "card_code"
#: In the hotspot context: the venue's terms of use were accepted on this visit.
TERMS_KEY = "terms"
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
    """The router relays RADIUS's Reply-Message (English); show our wording of it in
    the guest's language. RouterOS's own texts are shown as plain text (escaped),
    printable characters only and at most 120 of them."""
    key = KEY_BY_MESSAGE.get(text.strip())
    if key:
        return message_text(key)
    return " ".join("".join(c for c in text if c.isprintable()).split())[:120]


def _not_from_a_router() -> tuple[str, int]:
    text = gettext("Please connect through the venue's WiFi and open any web page.")
    return render_template("error.html", message=text), 400


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
    """Entry from the router: remember the hotspot context for this browser. The
    stock templates post it or put it in the query string (GET /login), by name or
    as ``-esc`` variants."""
    form = request.values
    values = router_context(form, _FIELDS)
    mac = normalise_mac(values["mac"])
    if not mac or not is_router_link(values["link-login-only"]):
        return _not_from_a_router()
    router = router_for_request(
        db.session,
        values["identity"].strip(),
        request.remote_addr,
        _vouchers(),
        mac=mac,
        ip=values["ip"].strip()[:45],
    )
    if router is None:
        log.info(
            "login page refused: no router %r known by %s",
            values["identity"][:64],
            request.remote_addr,
        )
    if router is None or not _context_fits(router, values):
        session.pop(CONTEXT_KEY, None)
        return _not_from_a_router()
    if not router.enabled:
        # As RADIUS says it: the owner or the operator switched this hotspot off.
        session.pop(CONTEXT_KEY, None)
        return render_template(
            "error.html", message=message_text("router_disabled")
        ), 403
    values["mac"] = mac
    values["router"] = str(router.id)
    session[CONTEXT_KEY] = values
    error = form.get("error", "").strip()
    if not error:
        # A device identified here within its 24 hours comes back without an SMS.
        back = returning_device(db.session, _settings(), router, mac, _now())
        if back is not None:
            return _router_login(back.username, back.password, values)
    return _render_login(error=_router_error(error) if error else None)


def _context_fits(router: Router, values: dict[str, str]) -> bool:
    """Credentials go to the router's own hotspot only, and a CHAP response can be
    made from what it offered."""
    if not is_hotspot_link(values["link-login-only"], router.hotspot_hosts):
        log.warning(
            "router %s: link-login-only %r is not one of its hotspot hosts",
            router.nas_identifier,
            values["link-login-only"][:100],
        )
        return False
    if values["chap-id"] or values["chap-challenge"]:
        return decode_chap_id(values["chap-id"]) is not None and is_chap_challenge(
            values["chap-challenge"]
        )
    return True


@bp.get("/login")
def login() -> str | Response | tuple[str, int]:
    code = request.args.get("code", "").strip()
    if code and len(code) <= 40 and code.replace("-", "").isalnum():
        # A card's QR code: remember the number for when the router sends the
        # guest here, so only the PIN is left to type.
        session[PREFILL_KEY] = code
    if "mac" in request.args or "mac-esc" in request.args:
        return from_router()  # a login.html that redirects instead of posting
    if not _context():
        return _not_from_a_router()
    return _render_login()


def _settings() -> Any:
    return current_app.config["HOTSPOT_SETTINGS"]


def _now() -> Any:
    return current_app.config["HOTSPOT_CLOCK"].now()


def _vouchers() -> Vouchers:
    """The IP Cloud names and the routers' APIs, each with its cache (one per
    app)."""
    found = current_app.extensions.get("hotspot_vouchers")
    if found is None:
        found = Vouchers(
            CloudNames(current_app.config["HOTSPOT_RESOLVER"]),
            HotspotHosts(current_app.config.get("HOTSPOT_HOST_LISTER") or list_hosts),
        )
        current_app.extensions["hotspot_vouchers"] = found
    return found


@bp.errorhandler(RouterUnreachable)
def _router_unreachable(exc: RouterUnreachable) -> tuple[str, int]:
    """The router was to confirm the device over its API and did not answer."""
    log.warning("router %s: its API could not confirm a device", exc)
    text = gettext(
        "The venue's router could not confirm your device just now. "
        "Please try again in a minute."
    )
    return render_template("error.html", message=text), 503


def _router() -> Router | None:
    """The router of this browser's hotspot context, while the request still comes
    through it: no ticket is ever issued to a request from elsewhere."""
    ctx = _context() or {}
    router_id = ctx.get("router", "")
    if not router_id.isdigit():
        return None
    mac, ip = ctx.get("mac", ""), ctx.get("ip", "").strip()[:45]
    # Checked once per request and context: a page asks for it several times (the
    # view, the venue's look, the language), a new context from the router anew.
    key = (router_id, mac, ip)
    known = g.get("guest_router")
    if known is not None and known[0] == key:
        return known[1]  # type: ignore[no-any-return]
    router = router_by_id(db.session, int(router_id))
    if router is not None and not (
        router.enabled and vouched(router, request.remote_addr, _vouchers(), mac, ip)
    ):
        router = None
    g.guest_router = (key, router)
    return router


def terms_accepted(router: Router | None) -> bool:
    """Where the venue requires its terms of use accepted before access: this POST
    accepts them (the box of every login form), or an earlier one of this visit did
    (kept in the hotspot context, which a new page from the router starts afresh)."""
    if router is None or not OwnerPolicy.of(router.owner).terms_required:
        return True
    ctx = _context()
    if ctx is None:
        return False
    if request.form.get("accept_terms") == "yes":
        if ctx.get(TERMS_KEY) != "yes":
            ctx[TERMS_KEY] = "yes"
            session[CONTEXT_KEY] = ctx
        return True
    return ctx.get(TERMS_KEY) == "yes"


def terms_error() -> str:
    return gettext("Please accept the terms of use.")


def _render_login(
    form: VoucherForm | None = None,
    error: str | None = None,
    phone_form: PhoneForm | None = None,
    document_form: DocumentForm | None = None,
) -> str:
    router = _router()
    policy = OwnerPolicy.of(router.owner) if router else OwnerPolicy()
    free_access = bool(router and guest_offer(db.session, router.owner))

    def render() -> str:
        return render_template(
            "guest/login.html",
            form=form or VoucherForm(code=session.get(PREFILL_KEY, "")),
            phone_form=phone_form or PhoneForm(),
            document_form=document_form or DocumentForm(),
            documents=policy.documents,
            error=error,
            router=router,
            free_access=free_access,
            venue=router.owner.display_name if router else None,
        )

    if form or error or phone_form or document_form or session.get(PREFILL_KEY):
        return render()
    ctx = _context() or {}
    return cached_page((router and router.id, free_access, ctx.get(TERMS_KEY)), render)


def _finish(
    result: PortalLogin | Reject | Identified, ctx: dict[str, str], on_error: Any
) -> Any:
    """Log in, or explain (the request's commit keeps attempt counters)."""
    if isinstance(result, Identified):
        return redirect(url_for("guest.free"))
    if isinstance(result, Reject):
        return on_error(message_text(result.reason)), 422
    return _router_login(result.username, result.password, ctx)


def _router_login(
    username: str, password: str, ctx: dict[str, str], tariff: Tariff | None = None
) -> str:
    """The auto-submitting form that logs the device in at the router (``tariff``:
    the card's, when the caller has it: not looked up again)."""
    session.pop(PREFILL_KEY, None)
    if ctx.get("chap-id"):
        password = chap_password_for(
            ctx["chap-id"], password, ctx.get("chap-challenge", "")
        )
    if tariff is not None:
        keepalive = bool(tariff.keepalive)
    else:
        router_id = ctx.get("router", "")
        router = (
            router_by_id(db.session, int(router_id)) if router_id.isdigit() else None
        )
        keepalive = router is not None and bool(
            keepalive_grace(db.session, router.owner_id, username)
        )
    return render_template(
        "guest/redirect.html",
        action=ctx["link-login-only"],
        username=username,
        password=password,
        # A keep-alive card lands on the status page, which keeps it online.
        dst=url_for("guest.status", _external=True)
        if keepalive
        else ctx.get("link-orig", ""),
    )


@bp.get("/demo/sms")
def demo_outbox() -> Any:
    """The development outbox: the SMS the demo stack 'sent'. Only in the demo
    (HOTSPOT_DEMO=1) and only an outbox provider's; real gateways never show here."""
    from hotspot.sms.providers.outbox import OutboxProvider, read_outbox

    from ..sms import providers

    if not _settings().demo:
        return _not_found()
    boxes = [p for p in providers(current_app) if isinstance(p, OutboxProvider)]
    if not boxes:
        return _not_found()
    messages = [m for box in boxes for m in read_outbox(box.path)][-20:]
    return render_template("guest/outbox.html", messages=list(reversed(messages)))


def _not_found() -> tuple[str, int]:
    return render_template("error.html", message=gettext("Page not found.")), 404


# The flows' routes are on bp too.
from . import document as _document  # noqa: E402, F401
from . import phone as _phone  # noqa: E402, F401
from . import status as _status  # noqa: E402, F401
from . import voucher as _voucher  # noqa: E402, F401
