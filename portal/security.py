"""What every portal response carries, and who the request comes from.

- The client address: ``REMOTE_ADDR``, or X-Forwarded-For when (and only when) the
  request comes from a reverse proxy set in HOTSPOT_TRUSTED_PROXIES (werkzeug's
  ProxyFix, one hop).
- Headers: a Content-Security-Policy allowing only our own resources and the inline
  scripts and styles that carry this response's nonce, no framing.
- The session cookie: SameSite=Lax always, Secure when the portal URL is https.
- No form or query value holds NUL (400).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from typing import Any

from flask import Flask, abort, g, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from hotspot.services.trust import parse_address
from hotspot.settings import Settings, SettingsError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(text: str) -> list[Network]:
    networks = []
    for part in text.replace(";", ",").split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError as exc:
                raise SettingsError(
                    f"HOTSPOT_TRUSTED_PROXIES: not an address: {part!r}"
                ) from exc
    return networks


class TrustedProxies:
    """WSGI middleware: ProxyFix for requests from the trusted proxies; from anyone
    else the X-Forwarded-* headers are dropped, never believed."""

    def __init__(self, app: Any, proxies: Iterable[Network]) -> None:
        self.app = app
        self.fixed = ProxyFix(app, x_for=1, x_proto=1)
        self.proxies = list(proxies)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        ip = parse_address(environ.get("REMOTE_ADDR"))
        if ip is not None and any(ip in net for net in self.proxies):
            return self.fixed(environ, start_response)
        for key in [k for k in environ if k.startswith("HTTP_X_FORWARDED_")]:
            del environ[key]
        return self.app(environ, start_response)


def csp_nonce() -> str:
    """This response's nonce for inline ``<script>``/``<style>``."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def _headers(response: Response) -> Response:
    nonce = csp_nonce()
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; "
        f"script-src 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        # No form-action: the login form posts to the router, which redirects on.
        "frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def _refuse_nul() -> None:
    """No text a guest can type holds NUL (PostgreSQL cannot store it either)."""
    values = [*request.args.values(), *request.form.values()]
    if any("\x00" in v for v in values):
        abort(400)


def init_app(app: Flask, settings: Settings) -> None:
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = settings.portal_url.startswith("https://")
    app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]
        app.wsgi_app, proxy_networks(settings.trusted_proxies)
    )
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.before_request(_refuse_nul)
    app.after_request(_headers)
