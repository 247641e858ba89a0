"""Run a simulated router: its HTTP hotspot plus the router's background thread.

This is where the simulator's listeners are assembled, for the CLI and for tests::

    from simulator import RouterConfig, start_simulator

    with start_simulator(RouterConfig(auth_port=..., acct_port=...)) as sim:
        requests.get(sim.url + "/_sim/health")
        sim.router.sessions()
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .coa import CoaListener
from .hotspot import HotspotApp, create_app
from .router import Router, RouterConfig
from .routeros import RouterOsServer

log = logging.getLogger("simulator.server")
http_log = logging.getLogger("simulator.http")


class _RequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, logging to ``simulator.http`` (access lines at DEBUG)."""

    # Set here so that werkzeug does not patch its own handler class.
    protocol_version = "HTTP/1.1"

    def log(self, type: str, message: str, *args: Any) -> None:
        level = logging.DEBUG if type == "info" else getattr(logging, type.upper())
        http_log.log(level, "%s " + message, self.address_string(), *args)


def _listen_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket; unlike werkzeug's own bind, errors raise OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


@dataclass
class RunningSimulator:
    """A started simulator; stop it with :meth:`stop` or a ``with`` block."""

    router: Router
    app: HotspotApp
    host: str
    port: int
    _http: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _stopped: bool = field(default=False, repr=False)
    #: The incoming RADIUS listener (Disconnect/CoA), when ``coa_port`` is set.
    coa: CoaListener | None = None
    #: The RouterOS API server, when ``api_port`` is set.
    api: RouterOsServer | None = None

    @property
    def url(self) -> str:
        """Base URL of the HTTP hotspot, without a trailing slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self, *, send_stop: bool = False) -> None:
        """Stop HTTP and the router (``send_stop``: Accounting-Stop for all).

        Calling it again does nothing.
        """
        if self._stopped:
            return
        self._stopped = True
        if self.coa is not None:
            self.coa.stop()
        if self.api is not None:
            self.api.stop()
        self._http.shutdown()
        self._thread.join()
        self._http.server_close()
        self.router.stop(send_stop=send_stop)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_simulator(
    config: RouterConfig | Router | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> RunningSimulator:
    """Start the HTTP hotspot in a thread (port 0: a free port) and the router.

    If ``config.public_url`` is unset, links point at the address guests used.

    Long because it wires the simulated router's parts (HTTP, RADIUS, CoA listener,
    RouterOS API) in the order they depend on each other.
    """
    app = create_app(config)
    sock = _listen_socket(host, port)
    try:
        http = make_server(
            host,
            sock.getsockname()[1],
            app,
            threaded=True,
            request_handler=_RequestHandler,
            fd=sock.fileno(),
        )
    finally:
        sock.close()  # werkzeug works on a duplicate of the descriptor
    thread = threading.Thread(
        target=http.serve_forever,
        kwargs={"poll_interval": 0.1},
        name=f"sim-http-{http.port}",
        daemon=True,
    )
    thread.start()
    app.router.start()
    coa = None
    if app.config.coa_port is not None:
        coa = CoaListener(
            app.router,
            host=app.config.bind_address or "127.0.0.1",
            port=app.config.coa_port,
            secret=app.config.secret,
            require_message_authenticator=app.config.coa_require_message_authenticator,
        ).start()
        log.info("incoming RADIUS (Disconnect/CoA) on %s:%s", coa.host, coa.port)
    api = None
    if app.config.api_port is not None:
        api = RouterOsServer(
            app.router,
            app.config.bind_address or "127.0.0.1",
            app.config.api_port,
            app.config.api_username,
            app.config.api_password,
        ).start()
        log.info("RouterOS API on port %s", api.port)
    log.info(
        "hotspot %s listening on http://%s:%s, RADIUS %s:%s/%s, portal %s",
        app.config.nas_identifier,
        host,
        http.port,
        app.config.radius_host,
        app.config.auth_port,
        app.config.acct_port,
        app.config.portal_url,
    )
    return RunningSimulator(
        router=app.router,
        app=app,
        host=host,
        port=http.port,
        _http=http,
        _thread=thread,
        coa=coa,
        api=api,
    )
