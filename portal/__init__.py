"""The Flask portal: the MikroTik external login page (guest), later the owner cabinet
(cabinet), the operator (admin) and the JSON API (api)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, render_template
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.wrappers import Response

from hotspot.clock import Clock, SystemClock
from hotspot.db import describe_db_error, ping_idle
from hotspot.services.trust import resolve
from hotspot.settings import Settings

from . import i18n, security
from .extensions import csrf, db
from .i18n import message_text

log = logging.getLogger(__name__)

#: Seconds a new database connection may take before the portal gives up.
CONNECT_TIMEOUT = 3


def healthz() -> tuple[dict[str, str], int]:
    """200 {"status": "ok"}, or 503 "degraded" while the database is unreachable."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        log.warning("health check: database unreachable (%s)", describe_db_error(exc))
        return {"status": "degraded", "database": "unreachable"}, 503
    return {"status": "ok"}, 200


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    settings: Settings | None = None,
    clock: Clock | None = None,
) -> Flask:
    """Application factory. Nothing is read from the environment at import time."""
    settings = settings or Settings.from_env()
    settings.require("secret_key", "pin_key")
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url_for("portal"),
        # Pooled connections idle for a while are checked before use (ping_idle
        # below), so the portal reconnects by itself after a database outage; a
        # connection attempt gives up quickly.
        SQLALCHEMY_ENGINE_OPTIONS={
            "connect_args": {"connect_timeout": CONNECT_TIMEOUT},
        },
        SESSION_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=3600,
        HOTSPOT_SETTINGS=settings,
        HOTSPOT_CLOCK=clock or SystemClock(),
        DEMO_ROUTER_URL=settings.demo_router_url or None,
        #: name -> addresses, for routers known by their IP Cloud name.
        HOTSPOT_RESOLVER=resolve,
        #: Seconds between the writes of ad impressions (portal.guest.ads.ad_views).
        HOTSPOT_AD_VIEW_INTERVAL=settings.ad_view_interval_ms / 1000,
    )
    security.init_app(app, settings)
    if config:
        app.config.update(config)

    db.init_app(app)
    with app.app_context():
        ping_idle(db.engine)
    csrf.init_app(app)
    i18n.init_app(app)

    from .guest import free as _free  # noqa: F401 - registers the Free tab
    from .guest.routes import bp as guest_bp

    app.register_blueprint(guest_bp)

    from .api import ads as _ads  # noqa: F401 - registers /api/v1/ads
    from .api.routes import bp as api_bp

    app.register_blueprint(api_bp)

    from .admin.routes import bp as admin_bp
    from .cabinet import ads as _cabinet_ads  # noqa: F401 - the ads page
    from .cabinet.routes import bp as cabinet_bp

    app.register_blueprint(cabinet_bp)
    app.register_blueprint(admin_bp)

    app.add_url_rule("/healthz", "healthz", healthz)

    _answer_handlers(app)
    return app


def _answer_handlers(app: Flask) -> None:
    """What every answer passes through: the transaction boundary, the language's
    Vary header, and the error pages."""

    @app.after_request
    def commit_the_request(response: Response) -> Response:
        """The one transaction boundary of the portal: what a view did is committed
        once it has answered, a refusal too (attempt counters and the SMS history
        are kept); a failure (5xx) rolls it back. Views only flush."""
        if response.status_code < 500:
            db.session.commit()  # a failure here becomes the 500 answer below
            return response
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass  # the database is gone (an outage): nothing to keep anyway
        return response

    @app.after_request
    def vary_on_language(response: Response) -> Response:
        if response.mimetype == "text/html":
            response.vary.add("Accept-Language")
        return response

    @app.errorhandler(404)
    def not_found(_: Exception) -> tuple[str, int]:
        return render_template("error.html", message=gettext("Page not found.")), 404

    @app.errorhandler(CSRFError)
    def form_expired(_: Exception) -> tuple[str, int]:
        text = gettext("This page has expired, please go back and start again.")
        return render_template("error.html", message=text), 400

    @app.errorhandler(400)
    def bad_request(_: Exception) -> tuple[str, int]:
        return render_template("error.html", message=message_text("bad_request")), 400

    @app.errorhandler(500)
    def server_error(_: Exception) -> tuple[str, int]:
        return render_template(
            "error.html", message=message_text("service_unavailable")
        ), 500
