"""The onboarding script of a router from the cabinet (hotspot.routers.script).

The script must carry the RADIUS secret and the API password, which no page
shows. Asking for it makes new ones: a POST (CSRF, the owner only, audited
without the secrets) stores a fresh RADIUS secret and API password and answers the
script as a download that is never cached. Nothing old is ever sent back, so a
leaked download stops working at the next one, and a page (its HTML, a browser's
history or cache, a screenshot) never holds a secret. The cost, said on the page:
the router stops logging guests in until the new script is pasted into it.
Adding a router (the owner only, up to the operator's max_routers_per_owner)
stores a generated secret nobody sees and leads to that page: the download
carries it. Views on the cabinet blueprint."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext

from hotspot.errors import DomainError
from hotspot.models import Router
from hotspot.routers.script import onboarding_for, render
from hotspot.services.tenancy import (
    RouterQuota,
    add_owner_router,
    generate_router_secret,
    update_router,
)

from ..extensions import db
from ..i18n import error_text
from ..staff import audit, staff_required
from .forms import ActionForm, RouterForm
from .routes import bp


def _router(router_id: int) -> Router:
    router = db.session.get(Router, router_id)
    if router is None or router.owner_id != g.owner.id:
        abort(404)
    return router


@bp.route("/routers/new", methods=["GET", "POST"])
@staff_required("onboarding")
def router_new() -> Any:
    """Add a router: its name and address; then its onboarding script."""
    form = RouterForm()
    limit = current_app.config["HOTSPOT_SETTINGS"].max_routers_per_owner
    if form.validate_on_submit():
        try:
            router = add_owner_router(
                db.session,
                g.owner,
                form.nas_identifier.data.strip(),
                form.ip_address.data.strip(),
                limit,
                (form.title.data or "").strip(),
            )
        except RouterQuota:
            db.session.rollback()
            flash(gettext("You have as many routers as you may add."), "error")
        except DomainError as exc:
            db.session.rollback()
            flash(error_text(exc), "error")
        else:
            audit(
                "router.add",
                {"nas_id": router.nas_identifier, "ip": str(router.ip_address)},
            )
            flash(gettext("Router added. Now download its onboarding script."))
            return redirect(url_for("cabinet.router_onboarding", router_id=router.id))
    return render_template("cabinet/router_new.html", form=form, limit=limit)


@bp.get("/routers/<int:router_id>/onboarding")
@staff_required("onboarding")
def router_onboarding(router_id: int) -> Any:
    """What the script does and what downloading it changes."""
    return render_template("cabinet/onboarding.html", router=_router(router_id))


@bp.post("/routers/<int:router_id>/script")
@staff_required("onboarding")
def router_script(router_id: int) -> Any:
    """New secrets, and the script carrying them as a download."""
    router = _router(router_id)
    if not ActionForm().validate():
        abort(400)
    settings = current_app.config["HOTSPOT_SETTINGS"]
    update_router(db.session, router, secret=generate_router_secret())
    onboarding = onboarding_for(router, settings, new_api_password=True)
    db.session.flush()
    audit("router.script", {"nas_id": router.nas_identifier, "new_secrets": True})
    name = re.sub(r"[^A-Za-z0-9._-]", "_", router.nas_identifier)[:60]
    return Response(
        render(onboarding),
        mimetype="text/plain",
        headers={
            "Content-Disposition": f"attachment; filename=onboarding-{name}.rsc",
            "Cache-Control": "no-store",
            "X-Robots-Tag": "noindex",
        },
    )
