"""Onboarding: `hotspot router script` prints what connects a router, and the portal
takes the router context the way the common login.html templates send it (posted or
in the query string, by name or ``-esc``, CHAP fields as octal text or as the
characters a JavaScript redirect makes of them)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import quote as urlquote

import requests

from hotspot.db import transaction
from hotspot.models import Router
from hotspot.routers.script import (
    LOGIN_FIELDS,
    login_html,
    onboarding_for,
    quote,
    render,
)
from tests import factories
from tests.cli.conftest import PORTAL

from .conftest import new_address


def test_the_script_connects_the_router(cli, settings, session_factory):
    ip = new_address()
    with transaction(session_factory) as s:
        router = factories.router(
            s, factories.owner(s), ip=ip, secret='s3cret"$x?16chars'
        )
        nas_id = router.nas_identifier
    out = cli(
        "router", "script", "--nas-id", nas_id, "--radius-address", "203.0.113.5"
    ).stdout
    lines = out.splitlines()
    assert f'/system identity set name="{nas_id}"' in lines
    [radius] = [ln for ln in lines if ln.startswith("/radius add ")]
    assert 'secret="s3cret\\"\\$x\\?16chars"' in radius
    assert "address=203.0.113.5" in radius
    assert "require-message-auth=yes-for-request-resp" in radius
    assert "/radius incoming set accept=yes port=3799" in lines
    assert any(
        ln.startswith("/ip firewall filter add chain=input protocol=udp dst-port=3799")
        and "src-address=203.0.113.5" in ln
        for ln in lines
    )
    [profile] = [ln for ln in lines if ln.startswith("/ip hotspot profile set")]
    assert "use-radius=yes" in profile and "radius-interim-update=received" in profile
    assert "login-by=http-chap,http-pap" in profile
    assert '/ip hotspot walled-garden add dst-host="wifi.example.uz" ' in out
    [user] = [ln for ln in lines if ln.startswith("/user add ")]
    assert "group=hotspot-api" in user and "address=203.0.113.5/32" in user
    [group] = [ln for ln in lines if ln.startswith("/user group add")]
    assert "policy=api,read,write," in group and "!ssh" in group
    [page] = [ln for ln in lines if ln.startswith("/file add name=hotspot/login.html")]
    assert f'action=\\"{PORTAL}/login\\"' in page
    assert "\\$(chap-challenge)" in page  # left for the router to fill in
    # The API user is stored (the scheduler logs in with it); a second run keeps it.
    with session_factory() as s:
        stored = s.get(Router, router.id)
        assert stored.api_username == "hotspot-api" and len(stored.api_password) == 24
        assert f'password="{stored.api_password}"' in user
    again = cli("router", "script", "--nas-id", nas_id).stdout
    assert f'password="{stored.api_password}"' in again


WILDCARD = "0.0.0.0"  # noqa: S104 (a collector's bind address, not ours)


def test_the_script_feeds_the_flow_log(settings, session_factory):
    """Traffic-Flow (IPFIX) of the hotspot interface to the collector and the DNS
    log to the receiver, at their public addresses when those are set."""
    with transaction(session_factory) as s:
        router = factories.router(s, factories.owner(s))
        public = settings.with_(
            flow_host=WILDCARD,
            flow_port=9995,
            flow_address="198.51.100.7",
            dnslog_host="10.0.0.2",
            dnslog_port=5515,
            dnslog_address="198.51.100.8",
        )
        lines = render(onboarding_for(router, public, "203.0.113.5")).splitlines()
        bound = settings.with_(flow_host=WILDCARD, dnslog_host="192.0.2.9")
        local = render(onboarding_for(router, bound, "203.0.113.5")).splitlines()
    [flow] = [ln for ln in lines if ln.startswith("/ip traffic-flow set ")]
    assert "enabled=yes" in flow and "active-flow-timeout=60s" in flow
    assert "interfaces=[/ip hotspot get [find disabled=no] interface]" in flow
    assert (
        "/ip traffic-flow target add dst-address=198.51.100.7 port=9995 "
        "version=ipfix" in lines
    )
    assert (
        "/system logging action add name=hotspotdns target=remote "
        "remote=198.51.100.8 remote-port=5515" in lines
    )
    assert "/system logging add topics=dns action=hotspotdns" in lines
    # A second run replaces what the first added (names are unique on RouterOS).
    removals = [ln for ln in lines if " remove [find " in ln]
    assert lines.index(removals[-1]) < lines.index(
        "/system logging action add name=hotspotdns target=remote "
        "remote=198.51.100.8 remote-port=5515"
    )
    # Without a public address: a wildcard bind sends to the RADIUS address, a
    # concrete one to itself; the ports are the listening ones.
    assert (
        "/ip traffic-flow target add dst-address=203.0.113.5 port=2055 "
        "version=ipfix" in local
    )
    assert (
        "/system logging action add name=hotspotdns target=remote "
        "remote=192.0.2.9 remote-port=5514" in local
    )


def test_quoting_for_the_router_terminal():
    assert quote('a"b\\c$d?e\nf') == '"a\\"b\\\\c\\$d\\?e\\nf"'


class _Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.action, self.fields = "", {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.action = a["action"]
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a["value"]


def _router_render(page: str, variables: dict[str, str]) -> str:
    """RouterOS's substitution of $(name) in a hotspot page."""
    return re.sub(r"\$\(([a-z-]+)\)", lambda m: variables.get(m.group(1), ""), page)


def _place(session_factory):
    with transaction(session_factory) as s:
        router = factories.router(s, factories.owner(s))
    return router


def _context(client):
    with client.session_transaction() as sess:
        return sess.get("hotspot")


def test_the_generated_login_page_is_accepted(app, session_factory, settings):
    router = _place(session_factory)
    variables = {
        "mac": "02:AA:BB:CC:DD:01",
        "ip": "10.5.50.7",
        "link-login-only": "http://10.5.50.1/login",
        "link-orig": "http://example.com/",
        "chap-id": "\\371",
        "chap-challenge": "\\357\\015\\134\\001",
        "identity": router.nas_identifier,
    }
    form = _Form()
    form.feed(_router_render(login_html(settings.portal_url), variables))
    assert form.action == settings.portal_url + "/login"
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = str(router.ip_address)
    assert client.post("/login", data=form.fields).status_code == 200
    assert _context(client)["chap-challenge"] == "\\357\\015\\134\\001"


def test_a_get_redirect_with_esc_names_and_decoded_chap(app, session_factory):
    """``window.open('<portal>?mac-esc=$(mac-esc)&chap-id=$(chap-id)...')``: the
    JavaScript string turns ``\\371`` into U+00F9 (a backslash byte too), sent as
    UTF-8; the context ends up as it would have been posted."""
    router = _place(session_factory)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = str(router.ip_address)
    query = "&".join(
        [
            "mac-esc=" + urlquote("02%3AAA%3ABB%3ACC%3ADD%3A02"),
            "ip=10.5.50.8",
            "link-login-only-esc=" + urlquote(urlquote("http://10.5.50.1/login", "")),
            "link-orig-esc=" + urlquote(urlquote("http://example.com/?a=1&b=2", "")),
            "chap-id=" + urlquote("\xf9"),
            "chap-challenge=" + urlquote("\xef\r\\\x01"),
            "identity=" + router.nas_identifier,
        ]
    )
    response = client.get("/login?" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    ctx = _context(client)
    assert ctx["mac"] == "02:AA:BB:CC:DD:02"
    assert ctx["link-login-only"] == "http://10.5.50.1/login"
    assert ctx["link-orig"] == "http://example.com/?a=1&b=2"
    assert (ctx["chap-id"], ctx["chap-challenge"]) == ("\\371", "\\357\\015\\134\\001")
    # Without a router context a GET is still refused.
    stranger = app.test_client()
    assert stranger.get("/login").status_code == 400


def test_router_control_settings(cli, session_factory):
    with transaction(session_factory) as s:
        router = factories.router(s, factories.owner(s))
        nas_id = router.nas_identifier
    out = cli(
        "router",
        "control",
        "--nas-id",
        nas_id,
        "--coa-port",
        "1700",
        "--no-coa",
        "--api-port",
        "8729",
        "--api-username",
        "ops",
        "--api-password-file",
        "-",
        "--bandwidth",
        "50M/100M",
        "--hotspot-network",
        "10.5.50.0/24",
        "--json",
        stdin="pw-of-the-api\n",
    ).stdout
    assert json.loads(out) == {
        "nas_id": nas_id,
        "coa_port": 1700,
        "coa_enabled": False,
        "api_port": 8729,
        "api_username": "ops",
        "api_password_set": True,
        "bandwidth": "50M/100M",
        "hotspot_network": "10.5.50.0/24",
    }
    with session_factory() as s:
        assert s.get(Router, router.id).api_password == "pw-of-the-api"
    bad = cli("router", "control", "--nas-id", nas_id, "--coa-port", "0", ok=False)
    assert bad.returncode == 1 and "port" in bad.stderr
    text = cli("router", "status").stdout
    assert f"{nas_id}" in text and "incoming RADIUS off" in text


def _script_string(text: str) -> str:
    """A RouterOS script string's value (what :func:`quote` made of it)."""
    escapes = {"n": "\n", "r": "\r", "t": "\t"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), text[1:-1])


def _installed_login_html(cli, nas_id: str, portal: str) -> str:
    """The login.html `hotspot router script` puts on the router."""
    out = cli("router", "script", "--nas-id", nas_id, "--portal-url", portal).stdout
    prefix = "/file add name=hotspot/login.html contents="
    [line] = [ln for ln in out.splitlines() if ln.startswith(prefix)]
    return _script_string(line[len(prefix) :])


def test_the_simulator_serves_the_installed_login_page(
    sim_venue, cli, app, settings, session_factory
):
    """The router's login.html is the one the script installs, rendered with the
    router's variables; the portal takes what it posts."""
    probe = sim_venue()  # only for its router's identity
    page = _installed_login_html(cli, probe.router.nas_identifier, PORTAL)
    assert page == login_html(PORTAL)
    # Guests reach it at RouterOS's hotspot address (a host the portal trusts).
    venue = sim_venue(login_html=page, public_url="http://10.5.50.1/")
    guest = requests.Session()
    guest.trust_env = False
    mac = "02:AA:BB:CC:DD:31"
    guest.get(f"{venue.sim.url}/_sim/device", params={"mac": mac})
    served = guest.get(f"{venue.sim.url}/news?a=1").text
    form = _Form()
    form.feed(served)
    assert form.action == f"{PORTAL}/login"
    fields = form.fields
    assert set(fields) == set(LOGIN_FIELDS)
    assert fields["mac"] == mac and fields["identity"] == venue.router.nas_identifier
    assert fields["link-login-only"] == "http://10.5.50.1/login"
    assert fields["link-orig"] == f"{venue.sim.url}/news?a=1"
    # Exactly the installed page, its variables filled in as RouterOS does.
    assert served == _router_render(page, fields)
    assert re.fullmatch(r"(\\[0-7]{3}){16}", fields["chap-challenge"])

    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = str(venue.router.ip_address)
    assert client.post("/login", data=fields).status_code == 200
    ctx = _context(client)
    assert (ctx["mac"], ctx["chap-challenge"]) == (mac, fields["chap-challenge"])
