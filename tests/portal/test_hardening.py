"""What every guest page is protected by: headers, the session cookie, what the
cookie and the pages hold, the demo outbox only in the demo, links and texts that
come from the request."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from devstack import stack
from devstack.files import write_secret_file
from hotspot.settings import Settings
from hotspot.sms.providers.outbox import read_outbox
from portal import create_app

from .conftest import Place, behind, router_post

PHONE_TYPED = "+998 90 765 43 21"
PHONE = "998907654321"


def outbox_app(settings: Settings, tmp_path: Path, **changes: object) -> Flask:
    box = [{"type": "outbox", "name": "outbox", "path": str(tmp_path / "box.jsonl")}]
    return create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False},
        settings=settings.with_(sms_providers=json.dumps(box), **changes),
    )


def cookie_data(app: Flask, client: FlaskClient) -> str:
    """The session cookie, decoded: what anyone holding the browser can read."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return json.dumps(serializer.loads(cookie.value))


def test_the_cookie_and_the_code_page_never_hold_the_phone(
    settings: Settings, place: Place, tmp_path: Path
):
    app = outbox_app(settings, tmp_path)
    client = behind(app.test_client(), place.router)
    client.post("/login", data=router_post(place.router))
    response = client.post("/login/phone", data={"phone": PHONE_TYPED})
    assert response.status_code == 302
    data = cookie_data(app, client)
    assert "765" not in data and "43 21" not in data
    page = client.get("/login/code").get_data(as_text=True)
    assert '<strong id="phone-shown">+998 90 *** ** 21</strong>' in page
    assert "765" not in page
    # The code still logs the guest in: the cookie's reference finds the number.
    code = re.search(r"\d{6}", read_outbox(tmp_path / "box.jsonl")[-1]["text"])
    response = client.post("/login/code", data={"code": code.group(0)})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="password"' in page
    # The form for the router carries an opaque login name, not the number.
    assert PHONE not in page and PHONE[3:] not in page
    assert re.search(r'name="username" value="i-[0-9a-f]{24}"', page)
    # Resending goes to the same number.
    assert client.post("/login/resend").status_code in (200, 302)


def test_the_demo_outbox_only_in_the_demo(settings: Settings, tmp_path: Path):
    (tmp_path / "box.jsonl").write_text(
        json.dumps(
            {"to": PHONE, "text": "WiFi code: 123456", "client_ref": "1", "at": "now"}
        )
        + "\n"
    )
    production = outbox_app(settings, tmp_path)
    assert production.test_client().get("/demo/sms").status_code == 404
    demo = outbox_app(settings, tmp_path, demo=1)
    response = demo.test_client().get("/demo/sms")
    assert response.status_code == 200
    assert "123456" in response.get_data(as_text=True)
    assert Settings.from_env({"HOTSPOT_DEMO": "1"}).demo == 1
    assert Settings.from_env({}).demo == 0


def test_security_headers_and_nonced_inline_code(client: FlaskClient, place: Place):
    for response in (
        client.get("/"),
        client.post("/login", data=router_post(place.router)),
        client.get("/nowhere"),
    ):
        csp = response.headers["Content-Security-Policy"]
        nonce = re.search(r"script-src 'nonce-([^']+)'", csp).group(1)
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        page = response.get_data(as_text=True)
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", page):
            assert f'nonce="{nonce}"' in tag, tag
    # A fresh nonce per response.
    first = client.get("/").headers["Content-Security-Policy"]
    assert client.get("/").headers["Content-Security-Policy"] != first


@pytest.mark.parametrize(
    ("url", "secure"),
    [("http://portal.example", False), ("https://wifi.example", True)],
)
def test_session_cookie_flags(settings: Settings, place: Place, url: str, secure: bool):
    app = create_app({"TESTING": True}, settings=settings.with_(portal_url=url))
    client = behind(app.test_client(), place.router)
    response = client.post("/login", data=router_post(place.router))
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert ("Secure" in cookie) is secure


@pytest.mark.parametrize(
    "path", ["/\\evil.com", "/\\\\evil.com/x", "//evil.com", "/\\/x"]
)
def test_language_links_never_leave_the_portal(client: FlaskClient, path: str):
    """``GET /%5Cevil.com``: a browser reads a link ``/\\evil.com`` as //evil.com."""
    response = client.get("/", environ_overrides={"PATH_INFO": path})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    links = re.findall(r'<a href="([^"]*)" id="lang-', page)
    assert len(links) == 4
    for link in links:
        assert link.startswith("/") and link[1:2] not in ("/", "\\"), link
        assert "\\" not in link


def test_router_error_text_is_plain_and_short(client: FlaskClient, place: Place):
    error = "<script>alert(1)</script>\x1b[31m call +1 555 0100 " + "x" * 300
    response = client.post("/login", data=router_post(place.router, error=error))
    page = response.get_data(as_text=True)
    shown = re.search(r'id="error">([^<]*)</p>', page).group(1)
    assert shown.startswith("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert "<script>alert" not in page and "\x1b" not in page
    assert len(shown.replace("&lt;", "<").replace("&gt;", ">")) <= 120


def test_secret_files_are_never_readable_by_others(tmp_path: Path, monkeypatch):
    """Created 0600 from the first byte: no chmod after the secret is written."""
    old = os.umask(0)
    chmods: list[str] = []
    monkeypatch.setattr(Path, "chmod", lambda self, mode: chmods.append(str(self)))
    try:
        env = tmp_path / "hotspot.env"
        monkeypatch.delenv("HOTSPOT_SECRET_KEY", raising=False)
        monkeypatch.delenv("HOTSPOT_PIN_KEY", raising=False)
        stack.load_env_file(env)
        other = tmp_path / "pg.password"
        write_secret_file(other, "x")
    finally:
        os.umask(old)
    assert chmods == []
    for path in (env, other):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "HOTSPOT_SECRET_KEY=" in env.read_text()
    with pytest.raises(FileExistsError):
        write_secret_file(other, "y")
