"""The Flask portal: the MikroTik external login page (guest), later the owner cabinet
(cabinet), the operator (admin) and the JSON API (api)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, render_template

from hotspot.clock import Clock, SystemClock
from hotspot.settings import Settings

from .extensions import csrf, db


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
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=3600,
        HOTSPOT_SETTINGS=settings,
        HOTSPOT_CLOCK=clock or SystemClock(),
        DEMO_ROUTER_URL=settings.demo_router_url or None,
    )
    if config:
        app.config.update(config)

    db.init_app(app)
    csrf.init_app(app)

    from .guest.routes import bp as guest_bp

    app.register_blueprint(guest_bp)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.errorhandler(404)
    def not_found(_: Exception) -> tuple[str, int]:
        return render_template("error.html", message="Page not found."), 404

    @app.errorhandler(400)
    def bad_request(exc: Exception) -> tuple[str, int]:
        text = getattr(exc, "description", None) or "The request could not be understood."
        return render_template("error.html", message=text), 400

    @app.errorhandler(500)
    def server_error(_: Exception) -> tuple[str, int]:
        return render_template(
            "error.html",
            message="The service is temporarily unavailable, please try again.",
        ), 500

    return app
