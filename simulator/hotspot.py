"""The guest-facing HTTP side of the simulated hotspot (a WSGI app).

It behaves like a MikroTik hotspot whose login.html sends guests to an external
portal (docs/mikrotik.md):

- A device without a session gets, for any URL, the router's login page: a form
  that posts ``mac``, ``ip``, ``username``, ``link-login-only``, ``link-orig``,
  ``link-login``, ``link-status``, ``link-logout``, ``chap-id``,
  ``chap-challenge``, ``error``, ``server-name`` and ``identity`` to the portal and
  submits itself with JavaScript.
- ``POST /login`` (``username``, ``password``, ``dst``, ``popup``) logs in through
  RADIUS: a 302 to ``dst`` on Access-Accept, the login page again with ``error`` on
  failure (so the browser goes back to the portal).
- With a session, ``/status`` shows the session and every other URL an "Online"
  page standing in for the internet; ``/logout`` ends the session.

The simulator names the device of a browser with a cookie (a real router sees the
MAC). ``/_sim/...`` holds helper endpoints for tests and the demo; a real guest
never needs them:

- ``GET /_sim/health``: ``ok``.
- ``GET /_sim/device?mac=AA:BB:CC:DD:EE:FF[&ip=10.5.50.9][&next=/path]``: become
  that device (random MAC without ``mac``), then redirect to ``next`` (``/``).
- ``GET /_sim/sessions``: JSON list of active sessions (``?ended=1``: ended ones).
- ``POST /_sim/traffic?mac=..&down=..&up=..``: per-device traffic in bytes/s
  (``down=0&up=0`` makes a device idle; empty values restore the defaults).
- ``POST /_sim/disconnect?session_id=..|username=..|ip=..|mac=..[&cause=..]``: end
  sessions like ``/ip hotspot active remove`` (default cause Admin-Reset).
- ``POST /_sim/tick``: advance traffic, interims and limits now.
- ``POST /_sim/reboot``: the router loses power and starts again: its sessions
  end with no Stop, then it sends Accounting-On. JSON list of the sessions lost.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed, NotFound
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from .radius import format_mac
from .router import Device, Router, RouterConfig, Session

#: Cookie naming the simulated device of a browser (its MAC, hex digits only).
DEVICE_COOKIE = "sim_device"
COOKIE_MAX_AGE = 3 * 24 * 3600  # MikroTik's http-cookie-lifetime default

_NO_CACHE = {"Cache-Control": "no-cache", "Pragma": "no-cache", "Expires": "-1"}


def mikrotik_octal(data: bytes) -> str:
    """Escape bytes as RouterOS does for ``$(chap-id)``: ``\\371\\357\\015...``."""
    return "".join(f"\\{byte:03o}" for byte in data)


def format_uptime(seconds: float) -> str:
    """RouterOS style duration: ``1d2h3m4s``, ``5m0s``, ``0s``."""
    seconds = int(seconds)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    out = ""
    if days:
        out += f"{days}d"
    if days or hours:
        out += f"{hours}h"
    if days or hours or minutes:
        out += f"{minutes}m"
    return out + f"{seconds}s"


def format_bytes(count: int) -> str:
    """Human readable byte count (KiB, MiB, GiB)."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


#: ``$(name)``, ``$(if name)``, ``$(else)``, ``$(endif)`` in a hotspot page.
_VARIABLE = re.compile(r"\$\(([a-z][a-z0-9-]*)\)")
_CONDITION = re.compile(
    r"\$\(if ([a-z][a-z0-9-]*)\)(.*?)(?:\$\(else\)(.*?))?\$\(endif\)", re.S
)


def render_page(page: str, variables: dict[str, str]) -> str:
    """A hotspot HTML page as RouterOS serves it: ``$(if name)...$(else)...$(endif)``
    kept by whether the variable is set (not nested), then each ``$(name)`` replaced
    by its value as it is, ``$(name-esc)`` by its value URL-escaped, an unknown one
    by nothing."""

    def value(name: str) -> str:
        if name in variables:
            return variables[name]
        if name.endswith("-esc") and name[:-4] in variables:
            return quote(variables[name[:-4]], safe="")
        return ""

    page = _CONDITION.sub(
        lambda m: m.group(2) if value(m.group(1)) else (m.group(3) or ""), page
    )
    return _VARIABLE.sub(lambda m: value(m.group(1)), page)


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # no favicon request: it would render (and re-challenge) the login page
        '<link rel="icon" href="data:,">\n'
        f"<title>{_esc(title)}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _html(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/html", headers=dict(_NO_CACHE))


def _json(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data, indent=1, sort_keys=True),
        status=status,
        mimetype="application/json",
        headers=dict(_NO_CACHE),
    )


class HotspotApp:
    """WSGI application of one simulated router; ``app.router`` is its state."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.config: RouterConfig = router.config

    # -- WSGI -----------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except HTTPException as err:
            response = err.get_response(environ)  # type: ignore[assignment]
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route one request."""
        path = request.path
        if path.startswith("/_sim/"):
            return self._sim(request, path[len("/_sim/") :])
        if path == "/favicon.ico":
            # not a page: must not issue a new CHAP challenge for the device
            raise NotFound()
        device, is_new = self._device_of(request)
        self.router.note(device, f"{request.method} {path}")
        if path == "/login":
            response = self._login(request, device)
        elif path == "/logout":
            response = self._logout(request, device)
        elif path == "/status":
            response = self._status(request, device)
        else:
            response = self._browse(request, device)
        if is_new:
            self._set_device_cookie(response, device)
        return response

    # -- devices --------------------------------------------------------------------

    def _device_of(self, request: Request) -> tuple[Device, bool]:
        cookie = request.cookies.get(DEVICE_COOKIE)
        if cookie:
            try:
                return self.router.device(cookie), False
            except ValueError:
                pass
        return self.router.device(), True

    @staticmethod
    def _set_device_cookie(response: Response, device: Device) -> None:
        response.set_cookie(
            DEVICE_COOKIE,
            device.mac.replace(":", ""),
            max_age=COOKIE_MAX_AGE,
            path="/",
            httponly=True,
            samesite="Lax",
        )

    # -- links ----------------------------------------------------------------------

    def base_url(self, request: Request) -> str:
        """The router's URL as guests see it, ending in ``/``."""
        if self.config.public_url:
            return self.config.public_url.rstrip("/") + "/"
        return request.host_url

    def links(self, request: Request, orig: str) -> dict[str, str]:
        """The ``$(link-...)`` servlet variables."""
        base = self.base_url(request)
        return {
            "link-login-only": base + "login",
            "link-login": base + "login?dst=" + quote(orig, safe=""),
            "link-orig": orig,
            "link-status": base + "status",
            "link-logout": base + "logout",
        }

    def _orig_of(self, request: Request) -> str:
        """``$(link-orig)``: the URL the guest asked for."""
        if request.path == "/" and not request.query_string:
            return self.config.default_orig
        return request.url

    # -- pages ----------------------------------------------------------------------

    def login_variables(
        self, request: Request, device: Device, orig: str, error: str | None = None
    ) -> dict[str, str]:
        """The servlet variables of a login page (``$(mac)``, ``$(chap-id)``...).

        A new CHAP challenge is issued for every rendering (if http-chap is on).
        """
        stored = self.router.pop_error(device)
        if error is None:
            error = stored
        chap_id = chap_challenge = ""
        if "http-chap" in self.config.login_by:
            why = f"(login page for {request.method} {request.path})"
            ident, challenge = self.router.issue_chap_challenge(device, why)
            chap_id, chap_challenge = (
                mikrotik_octal(bytes([ident])),
                mikrotik_octal(challenge),
            )
        return {
            "mac": device.mac,
            "ip": device.ip,
            "username": "",
            **self.links(request, orig),
            "chap-id": chap_id,
            "chap-challenge": chap_challenge,
            "error": error or "",
            "server-name": self.config.server_name,
            "identity": self.config.nas_identifier,
        }

    def login_page(
        self, request: Request, device: Device, orig: str, error: str | None = None
    ) -> Response:
        """The router's login.html: the one configured (``login_html``, e.g. the
        page ``hotspot router script`` installs), rendered with RouterOS's variable
        substitution, or else a stock-like page auto-posting every variable to
        ``portal_url``."""
        fields = self.login_variables(request, device, orig, error)
        if self.config.login_html is not None:
            return _html(render_page(self.config.login_html, fields))
        inputs = "\n".join(
            f'<input type="hidden" name="{_esc(k)}" value="{_esc(v)}">'
            for k, v in fields.items()
        )
        error = fields["error"]
        error_html = f'<p class="error">{_esc(error)}</p>\n' if error else ""
        body = (
            f"{error_html}"
            '<form name="sendin" method="post" '
            f'action="{_esc(self.config.portal_url)}">\n{inputs}\n'
            "<p>Please log in to use the internet hotspot service.</p>\n"
            '<input type="submit" value="Continue">\n'
            "</form>\n"
            "<script>document.forms[0].submit();</script>"
        )
        return _html(_page("mikrotik hotspot > login", body))

    def status_page(self, request: Request, session: Session) -> Response:
        """status.html: the active session."""
        info = session.to_dict(self.router.clock())
        links = self.links(request, self.config.default_orig)
        time_left = info["time_left"]
        bytes_left = info["bytes_left"]
        rows = [
            ("user", info["username"]),
            ("IP address", info["ip"]),
            ("MAC address", info["mac"]),
            ("session id", info["session_id"]),
            ("uptime", format_uptime(info["uptime"])),
            ("bytes up", f"{format_bytes(info['input_octets'])}"),
            ("bytes down", f"{format_bytes(info['output_octets'])}"),
            (
                "time left",
                "unlimited" if time_left is None else format_uptime(time_left),
            ),
            (
                "bytes left",
                "unlimited" if bytes_left is None else format_bytes(bytes_left),
            ),
        ]
        table = "\n".join(
            f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in rows
        )
        body = (
            f"<h1>Welcome {_esc(info['username'])}!</h1>\n"
            "<p>You are logged in.</p>\n"
            f'<table id="status">\n{table}\n</table>\n'
            f'<p><a href="{_esc(links["link-logout"])}">log off</a></p>'
        )
        return _html(_page("mikrotik hotspot > status", body))

    def online_page(self, request: Request, session: Session) -> Response:
        """What a logged-in guest sees for any other URL: the "internet"."""
        links = self.links(request, request.url)
        body = (
            "<h1>Online</h1>\n"
            f"<p>You are online as {_esc(session.username)}.</p>\n"
            f'<p>Requested URL: <a id="url" href="{_esc(request.url)}">'
            f"{_esc(request.url)}</a></p>\n"
            f'<p><a href="{_esc(links["link-status"])}">status</a> | '
            f'<a href="{_esc(links["link-logout"])}">log off</a></p>'
        )
        return _html(_page("Online", body))

    # -- handlers -------------------------------------------------------------------

    def _login(self, request: Request, device: Device) -> Response:
        values = request.values
        dst = values.get("dst", "")
        if "username" not in values:
            session = self.router.session_for(device.mac)
            if session is not None:
                return redirect(dst) if dst else self.status_page(request, session)
            return self.login_page(request, device, dst or self.config.default_orig)
        username = values.get("username", "")
        password = values.get("password", "")
        links = self.links(request, dst or self.config.default_orig)
        result = self.router.login(
            device, username, password, link_logout=links["link-logout"]
        )
        if not result.ok:
            return self.login_page(
                request, device, dst or self.config.default_orig, result.error
            )
        assert result.session is not None
        if dst:
            return redirect(dst)
        return self.status_page(request, result.session)

    def _logout(self, request: Request, device: Device) -> Response:
        session = self.router.logout(device.mac, "User-Request")
        links = self.links(request, self.config.default_orig)
        if session is None:
            text = "<p>You are not logged in.</p>"
        else:
            info = session.to_dict(self.router.clock())
            text = (
                f"<p>You have just logged out, {_esc(session.username)}.</p>\n"
                f"<p>uptime {format_uptime(info['uptime'])}, "
                f"{format_bytes(info['input_octets'])} up, "
                f"{format_bytes(info['output_octets'])} down</p>"
            )
        body = (
            f"<h1>Logged out</h1>\n{text}\n"
            f'<p><a href="{_esc(links["link-login"])}">log in</a></p>'
        )
        return _html(_page("mikrotik hotspot > logout", body))

    def _status(self, request: Request, device: Device) -> Response:
        session = self.router.session_for(device.mac)
        if session is None:
            return self.login_page(request, device, self.config.default_orig)
        return self.status_page(request, session)

    def _browse(self, request: Request, device: Device) -> Response:
        session = self.router.session_for(device.mac)
        if session is None:
            return self.login_page(request, device, self._orig_of(request))
        return self.online_page(request, session)

    # -- /_sim/ ---------------------------------------------------------------------

    def _sim(self, request: Request, name: str) -> Response:
        args = request.values
        if name == "health":
            return Response("ok\n", mimetype="text/plain")
        if name == "device":
            try:
                device = self.router.device(args.get("mac") or None, args.get("ip"))
            except ValueError as err:
                raise BadRequest(str(err)) from None
            target = args.get("next", "/")
            if not target.startswith("/"):
                raise BadRequest("next must be a local path")
            response = redirect(target)
            self._set_device_cookie(response, device)
            return response
        if name == "sessions":
            if args.get("ended"):
                return _json(self.router.ended_sessions())
            return _json(self.router.sessions())
        if name in ("traffic", "disconnect", "tick", "reboot"):
            if request.method != "POST":
                raise MethodNotAllowed(valid_methods=["POST"])
            return self._sim_post(name, args)
        raise NotFound()

    def _sim_post(self, name: str, args: Any) -> Response:
        if name == "tick":
            self.router.tick()
            return _json({"sessions": len(self.router.active_sessions())})
        if name == "reboot":
            return _json([s.session_id for s in self.router.reboot()])
        if name == "traffic":
            try:
                mac = format_mac(args.get("mac", ""))
                down = int(args["down"]) if args.get("down") else None
                up = int(args["up"]) if args.get("up") else None
            except ValueError as err:
                raise BadRequest(str(err)) from None
            device = self.router.set_traffic(mac, down, up)
            return _json(
                {
                    "mac": device.mac,
                    "rate_down": device.rate_down,
                    "rate_up": device.rate_up,
                }
            )
        keys = {k: args.get(k) or None for k in ("session_id", "username", "ip", "mac")}
        try:
            ended = self.router.disconnect(
                **keys, cause=args.get("cause") or "Admin-Reset"
            )
        except ValueError as err:
            raise BadRequest(str(err)) from None
        return _json([s.session_id for s in ended])


def create_app(config: RouterConfig | Router | None = None) -> HotspotApp:
    """Build the WSGI app for a router (a :class:`Router` or its config).

    The app does not start the router's background thread: call
    ``app.router.start()`` (:func:`simulator.server.start_simulator` does it all).
    """
    router = config if isinstance(config, Router) else Router(config)
    return HotspotApp(router)
