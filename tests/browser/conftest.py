"""Headless Chromium (Debian's package) driven by Playwright, against the real
portal served on a free port, the router simulator and FreeRADIUS."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from devstack.postgres import free_port
from hotspot.settings import Settings
from portal import create_app
from tests.conftest import Venue

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def eskiz() -> Iterator[object]:
    """A local stand-in for the Eskiz.uz SMS gateway (its real HTTP API)."""
    from tests.sms.fakes import EskizFake

    gateway = EskizFake().start()
    yield gateway
    gateway.stop()


@pytest.fixture(scope="session")
def portal_url(settings: Settings, eskiz: object) -> Iterator[str]:
    import json

    port = free_port()
    sms = [
        {
            "type": "eskiz",
            "name": "eskiz",
            "base_url": eskiz.url,  # type: ignore[attr-defined]
            "email": eskiz.EMAIL,
            "password": eskiz.PASSWORD,  # type: ignore[attr-defined]
            "trust_env": False,
            "read_timeout": 3,
        }
    ]
    app = create_app(
        settings=settings.with_(
            portal_url=f"http://127.0.0.1:{port}",
            sms_providers=json.dumps(sms),
        )
    )
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(5)
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    """A page in a fresh browser context; options for the context (e.g.
    ``{"locale": "ru-RU"}``) come by indirect parametrisation."""
    options = getattr(request, "param", None) or {}
    context = browser.new_context(**options)  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def simulator(
    settings: Settings, portal_url: str, venues: dict[str, Venue], radius: object
) -> Iterator[object]:
    from hotspot.routers.script import login_html
    from simulator.router import RouterConfig
    from simulator.server import start_simulator

    venue = venues["a"]
    config = RouterConfig(
        radius_host=settings.radius_host,
        auth_port=settings.radius_auth_port,
        acct_port=settings.radius_acct_port,
        secret=venue.secret,
        nas_identifier=venue.router.nas_identifier,
        portal_url=f"{portal_url}/login",
        # What `hotspot router script` installs on a real router.
        login_html=login_html(portal_url),
        require_message_authenticator=True,
    )
    sim = start_simulator(config)
    yield sim
    sim.stop()
