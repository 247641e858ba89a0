"""The simulated hotspot end to end: browser (requests) -> simulator -> fake RADIUS."""

from __future__ import annotations

import hashlib
import re
import time
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
import requests

from simulator import RunningSimulator, split_octets
from simulator.__main__ import build_parser, config_from_args
from simulator.hotspot import mikrotik_octal

from .fakes import FakeClock, FakeRadius, SimFactory, User

MAC = "02:00:00:AA:BB:01"
LOGIN_FIELDS = {
    "mac",
    "ip",
    "username",
    "link-login-only",
    "link-orig",
    "link-login",
    "link-status",
    "link-logout",
    "chap-id",
    "chap-challenge",
    "error",
    "server-name",
    "identity",
}
OCTAL = re.compile(r"^(\\[0-7]{3})+$")


class FormParser(HTMLParser):
    """Collects the first form's action, method and input fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method: str | None = None
        self.fields: dict[str, str] = {}
        self.submit = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action, self.method = a.get("action"), a.get("method")
        elif tag == "input" and a.get("type") == "submit":
            self.submit = True
        elif tag == "input" and "name" in a:
            self.fields[a["name"]] = a.get("value", "")


def login_form(response: requests.Response) -> FormParser:
    assert response.status_code == 200, response.text
    parser = FormParser()
    parser.feed(response.text)
    assert parser.action, "no login form"
    return parser


def unescape_octal(text: str) -> bytes:
    """What the portal does with $(chap-id)/$(chap-challenge) (docs/mikrotik.md)."""
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def portal_password(fields: dict[str, str], password: str) -> str:
    """The CHAP response the portal posts as ``password``."""
    chap_id = unescape_octal(fields["chap-id"])
    challenge = unescape_octal(fields["chap-challenge"])
    return hashlib.md5(chap_id + password.encode() + challenge).hexdigest()


def become(browser: requests.Session, sim: RunningSimulator, mac: str = MAC) -> None:
    r = browser.get(
        f"{sim.url}/_sim/device", params={"mac": mac}, allow_redirects=False
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/")


def login(
    browser: requests.Session,
    sim: RunningSimulator,
    user: str = "alice",
    password: str = "alice-pw",  # noqa: S107
    path: str = "/news/today?x=1",
) -> tuple[dict[str, str], requests.Response]:
    """Open a page, then post what the portal would post back to link-login-only."""
    fields = login_form(browser.get(sim.url + path)).fields
    r = browser.post(
        fields["link-login-only"],
        data={
            "username": user,
            "password": portal_password(fields, password),
            "dst": fields["link-orig"],
            "popup": "false",
        },
        allow_redirects=False,
    )
    return fields, r


def sessions(browser: requests.Session, sim: RunningSimulator, **params: Any) -> Any:
    r = browser.get(f"{sim.url}/_sim/sessions", params=params)
    assert r.status_code == 200
    return r.json()


# -- login page -----------------------------------------------------------------------


def test_login_page_auto_posts_to_the_portal(
    make_sim: SimFactory, browser: requests.Session
) -> None:
    sim = make_sim()
    assert browser.get(f"{sim.url}/_sim/health").text.strip() == "ok"
    become(browser, sim)
    form = login_form(browser.get(sim.url + "/"))
    assert form.action == "http://127.0.0.1:9/portal/login"
    assert form.method == "post"
    assert form.submit, "a visible submit button for browsers without JS"
    assert "document.forms[0].submit()" in browser.get(sim.url + "/").text
    f = form.fields
    assert set(f) == LOGIN_FIELDS
    assert f["mac"] == MAC
    assert re.fullmatch(r"10\.5\.50\.\d+", f["ip"]) and f["ip"] != "10.5.50.1"
    assert f["username"] == "" and f["error"] == ""
    assert f["link-login-only"] == f"{sim.url}/login"
    assert f["link-orig"] == "http://example.com/"
    assert f["link-login"] == f"{sim.url}/login?dst=http%3A%2F%2Fexample.com%2F"
    assert f["link-status"] == f"{sim.url}/status"
    assert f["link-logout"] == f"{sim.url}/logout"
    assert f["server-name"] == "hotspot1"
    assert f["identity"] == "test-router"
    assert OCTAL.match(f["chap-id"]) and len(unescape_octal(f["chap-id"])) == 1
    assert len(unescape_octal(f["chap-challenge"])) == 16
    # a new challenge for every page; the device keeps its IP
    again = login_form(browser.get(sim.url + "/other")).fields
    assert again["chap-challenge"] != f["chap-challenge"]
    assert again["ip"] == f["ip"]
    assert again["link-orig"] == f"{sim.url}/other"


def test_favicon_does_not_replace_the_challenge(
    make_sim: SimFactory, browser: requests.Session, radius: FakeRadius
) -> None:
    sim = make_sim()
    become(browser, sim)
    fields = login_form(browser.get(sim.url + "/")).fields
    assert browser.get(sim.url + "/favicon.ico").status_code == 404
    r = browser.post(
        fields["link-login-only"],
        data={"username": "bob", "password": portal_password(fields, "bob-pw")},
    )
    assert "Welcome bob" in r.text
    assert radius.requests("auth")[0].password_ok


def test_octal_escape_like_routeros() -> None:
    assert mikrotik_octal(b"\xf9") == "\\371"
    assert mikrotik_octal(b"\xef\r\x00") == "\\357\\015\\000"
    assert unescape_octal(mikrotik_octal(bytes(range(256)))) == bytes(range(256))


def test_unknown_browser_gets_a_random_device(
    make_sim: SimFactory, browser: requests.Session
) -> None:
    sim = make_sim()
    first = login_form(browser.get(sim.url + "/")).fields["mac"]
    assert int(first.split(":")[0], 16) & 0x03 == 0x02  # locally administered
    assert first == first.upper()
    assert login_form(browser.get(sim.url + "/")).fields["mac"] == first  # cookie
    other = requests.Session()
    other.trust_env = False
    with other:
        assert login_form(other.get(sim.url + "/")).fields["mac"] != first


def test_pap_only_router_offers_no_challenge(
    make_sim: SimFactory, browser: requests.Session, radius: FakeRadius
) -> None:
    sim = make_sim(login_by=("http-pap",))
    become(browser, sim)
    fields = login_form(browser.get(sim.url + "/")).fields
    assert fields["chap-id"] == fields["chap-challenge"] == ""
    r = browser.post(
        fields["link-login-only"],
        data={"username": "bob", "password": "bob-pw", "dst": "", "popup": "false"},
    )
    assert r.status_code == 200 and "Welcome bob" in r.text  # status page
    (req,) = radius.requests("auth")
    assert req.method == "PAP" and req.password == "bob-pw" and req.password_ok


# -- login, accounting, logout --------------------------------------------------------


def test_chap_login_start_online_status_logout(
    make_sim: SimFactory, browser: requests.Session, radius: FakeRadius
) -> None:
    sim = make_sim()
    become(browser, sim)
    fields, r = login(browser, sim)
    assert r.status_code == 302
    assert r.headers["Location"] == f"{sim.url}/news/today?x=1"

    (auth,) = radius.requests("auth")
    assert auth.method == "CHAP" and auth.password_ok
    assert auth.message_authenticator
    assert auth.first("CHAP-Challenge") == unescape_octal(fields["chap-challenge"])
    assert auth.first("Calling-Station-Id") == MAC
    assert auth.first("Called-Station-Id") == "hotspot1"
    assert auth.first("NAS-Identifier") == "test-router"
    assert auth.first("Framed-IP-Address") == fields["ip"]
    assert auth.first("Acct-Session-Id") == "80000001"
    assert auth.first("WISPr-Logoff-URL") == f"{sim.url}/logout"

    (start,) = radius.wait_for("Start")
    assert start.first("Acct-Session-Id") == "80000001"
    assert start.first("User-Name") == "alice"
    assert start.first("Class") == b"ticket-42"
    assert start.first("Calling-Station-Id") == MAC
    assert start.first("Framed-IP-Address") == fields["ip"]
    assert start.first("NAS-Identifier") == "test-router"
    assert start.first("Acct-Delay-Time") == 0

    page = browser.get(r.headers["Location"])
    assert "Online" in page.text and f"{sim.url}/news/today?x=1" in page.text
    status = browser.get(f"{sim.url}/status")
    assert "alice" in status.text and MAC in status.text and fields["ip"] in status.text

    (info,) = sessions(browser, sim)
    assert info["session_id"] == "80000001" and info["username"] == "alice"
    assert info["session_timeout"] == 3600 and info["interim_interval"] == 300
    assert info["rate_limit"] == "2M/8M" and info["class"] == [b"ticket-42".hex()]

    out = browser.get(f"{sim.url}/logout")
    assert out.status_code == 200 and "logged out" in out.text
    (stop,) = radius.wait_for("Stop")
    assert stop.first("Acct-Terminate-Cause") == "User-Request"
    assert stop.first("Acct-Session-Id") == "80000001"
    assert stop.first("Class") == b"ticket-42"
    assert "Acct-Input-Octets" in stop.attrs and "Acct-Session-Time" in stop.attrs
    assert sessions(browser, sim) == []
    assert sessions(browser, sim, ended=1)[0]["terminate_cause"] == "User-Request"
    assert set(login_form(browser.get(sim.url + "/")).fields) == LOGIN_FIELDS


def test_reject_bounces_back_with_the_error(
    make_sim: SimFactory, browser: requests.Session, radius: FakeRadius
) -> None:
    sim = make_sim()
    become(browser, sim)
    fields, r = login(browser, sim, password="wrong")
    again = login_form(r)
    assert again.fields["error"] == "wrong password"
    assert again.action == "http://127.0.0.1:9/portal/login"
    assert again.fields["chap-challenge"] != fields["chap-challenge"]
    assert radius.requests("auth")[0].password_ok is False
    assert radius.requests("Start") == [] and sessions(browser, sim) == []
    # the error is shown once
    assert login_form(browser.get(sim.url + "/")).fields["error"] == ""
    # ... and kept in the device's history, with the challenge it answered
    history = sim.router.history(MAC)
    assert [e.split(" ", 1)[1] for e in history[:4]] == [
        "GET /news/today",
        "CHAP challenge #1 (login page for GET /news/today)",
        "POST /login",
        "login user=alice CHAP (challenge #1): Access-Reject after "
        + history[3].split(" after ")[1],
    ]
    assert history[3].endswith(" ms: 'wrong password'")
    assert history[4].endswith("CHAP challenge #2 (login page for POST /login)")


def test_silent_radius_gives_routeros_error(
    make_sim: SimFactory, browser: requests.Session, radius: FakeRadius
) -> None:
    radius.silent = True
    sim = make_sim(radius_timeout=0.1, radius_retries=1)
    become(browser, sim)
    _, r = login(browser, sim)
    assert login_form(r).fields["error"] == "RADIUS server is not responding"
    tried = sim.router.history(MAC)[3]
    assert "login user=alice CHAP (challenge #1): RADIUS server" in tried
    assert tried.endswith("after 1 tries in 0.1s: 'RADIUS server is not responding'")


def test_disconnect_helper(
    make_sim: SimFactory, browser: requests.Session, radius: FakeRadius
) -> None:
    sim = make_sim()
    become(browser, sim)
    login(browser, sim)
    r = browser.post(f"{sim.url}/_sim/disconnect", params={"username": "alice"})
    assert r.json() == ["80000001"]
    (stop,) = radius.wait_for("Stop")
    assert stop.first("Acct-Terminate-Cause") == "Admin-Reset"
    assert browser.post(f"{sim.url}/_sim/disconnect").status_code == 400
    assert browser.get(f"{sim.url}/_sim/disconnect").status_code == 405


# -- time: interims, limits -----------------------------------------------------------


def test_interim_with_gigawords(
    make_sim: SimFactory, browser: requests.Session, radius: FakeRadius
) -> None:
    clock = FakeClock()
    sim = make_sim(clock=clock, rate_down=3_000_000_000, rate_up=1000, interim=30)
    radius.users["alice"].reply.pop("Mikrotik-Rate-Limit")
    become(browser, sim)
    login(browser, sim)
    clock.advance(29)
    sim.router.tick()
    assert radius.requests("Interim-Update") == []
    clock.advance(1)
    assert browser.post(f"{sim.url}/_sim/tick").status_code == 200
    (interim,) = radius.wait_for("Interim-Update")
    down = 30 * 3_000_000_000
    assert (
        interim.first("Acct-Output-Octets"),
        interim.first("Acct-Output-Gigawords"),
    ) == split_octets(down)
    assert interim.first("Acct-Output-Gigawords") == 20
    assert interim.first("Acct-Input-Octets") == 30_000
    assert interim.first("Acct-Input-Gigawords") == 0
    assert interim.first("Acct-Session-Time") == 30
    assert interim.first("Acct-Output-Packets") == (down // 1000) & 0xFFFFFFFF
    assert interim.first("Class") == b"ticket-42"
    clock.advance(30)
    sim.router.tick()
    assert len(radius.wait_for("Interim-Update", 2)) == 2


def test_session_timeout_ends_the_session(
    make_sim: SimFactory, browser: requests.Session, radius: FakeRadius
) -> None:
    clock = FakeClock()
    sim = make_sim(clock=clock)
    radius.users["alice"].reply.update({"Session-Timeout": 10})
    become(browser, sim)
    login(browser, sim)
    (info,) = sessions(browser, sim)
    assert info["time_left"] == 10
    clock.advance(4)
    assert "time left" in browser.get(f"{sim.url}/status").text
    clock.advance(8)  # past the timeout
    sim.router.tick()
    (stop,) = radius.wait_for("Stop")
    assert stop.first("Acct-Terminate-Cause") == "Session-Timeout"
    assert stop.first("Acct-Session-Time") == 10
    # 2M/8M allows more than the default 50 kB/s down, 10 kB/s up
    assert stop.first("Acct-Output-Octets") == 500_000
    assert stop.first("Acct-Input-Octets") == 100_000
    assert sessions(browser, sim) == []
    assert "Online" not in browser.get(f"{sim.url}/x").text


def test_total_limit_and_rate_limit(
    make_sim: SimFactory, browser: requests.Session, radius: FakeRadius
) -> None:
    clock = FakeClock()
    sim = make_sim(clock=clock)
    radius.users["alice"].reply.update(
        {
            "Mikrotik-Rate-Limit": "64k/128k 256k/256k",  # up 8000 B/s, down 16000
            "Mikrotik-Total-Limit": 100_000,
            "Mikrotik-Total-Limit-Gigawords": 0,
        }
    )
    become(browser, sim)
    login(browser, sim)
    clock.advance(2)
    sim.router.tick()
    (info,) = sessions(browser, sim)
    assert (info["output_octets"], info["input_octets"]) == (32_000, 16_000)
    assert info["bytes_left"] == 52_000
    clock.advance(10)
    sim.router.tick()
    (stop,) = radius.wait_for("Stop")
    assert stop.first("Acct-Terminate-Cause") == "Session-Timeout"
    total = stop.first("Acct-Input-Octets") + stop.first("Acct-Output-Octets")
    assert total == 100_000


def test_idle_timeout(
    make_sim: SimFactory, browser: requests.Session, radius: FakeRadius
) -> None:
    clock = FakeClock()
    sim = make_sim(clock=clock)
    radius.users["bob"] = User("bob-pw", {"Idle-Timeout": 5})
    become(browser, sim)
    login(browser, sim, user="bob", password="bob-pw")
    r = browser.post(
        f"{sim.url}/_sim/traffic", params={"mac": MAC, "down": "0", "up": "0"}
    )
    assert r.json()["rate_down"] == 0
    clock.advance(4)
    sim.router.tick()
    assert radius.requests("Stop") == []
    clock.advance(1)
    sim.router.tick()
    (stop,) = radius.wait_for("Stop")
    assert stop.first("Acct-Terminate-Cause") == "Idle-Timeout"


def test_background_thread_sends_interims(
    make_sim: SimFactory, browser: requests.Session, radius: FakeRadius
) -> None:
    sim = make_sim(tick=0.05, interim=0.2)
    become(browser, sim)
    login(browser, sim)
    started = time.monotonic()
    interims = radius.wait_for("Interim-Update", 2, timeout=3)
    assert time.monotonic() - started >= 0.25
    first, second = (i.first("Acct-Output-Octets") for i in interims[:2])
    assert 0 < first < second
    browser.get(f"{sim.url}/logout")
    radius.wait_for("Stop")
    count = len(radius.requests("Interim-Update"))
    time.sleep(0.3)
    assert len(radius.requests("Interim-Update")) == count  # none after the Stop
    stop_index = radius.received.index(radius.requests("Stop")[0])
    assert all(
        r.first("Acct-Status-Type") != "Interim-Update"
        for r in radius.received[stop_index:]
    )


def test_stop_with_send_stop(
    make_sim: SimFactory, browser: requests.Session, radius: FakeRadius
) -> None:
    sim = make_sim()
    become(browser, sim)
    login(browser, sim)
    sim.stop(send_stop=True)
    (stop,) = radius.wait_for("Stop")
    assert stop.first("Acct-Terminate-Cause") == "NAS-Reboot"


# -- CLI ------------------------------------------------------------------------------


def test_cli_options_and_environment() -> None:
    env = {
        "HOTSPOT_SIM_SECRET": "s3cret",
        "HOTSPOT_SIM_INTERIM": "5",
        "HOTSPOT_SIM_ACCOUNTING": "no",
        "HOTSPOT_SIM_NAS_IDENTIFIER": "from-env",
    }
    args = build_parser(env).parse_args(
        [
            "--listen",
            "127.0.0.1:18081",
            "--nas-identifier",
            "demo-router",
            "--login-by",
            "http-pap",
            "--session-id-start",
            "0x80000001",
        ]
    )
    assert args.listen == ("127.0.0.1", 18081)
    config = config_from_args(args)
    assert config.secret == "s3cret"
    assert config.interim == 5.0
    assert config.accounting is False
    assert config.nas_identifier == "demo-router"  # the command line wins
    assert config.login_by == ("http-pap",)
    assert config.session_id_start == 0x80000001
    with pytest.raises(SystemExit):
        build_parser({}).parse_args(["--listen", "nonsense"])


def test_a_configured_login_html_is_served_with_routeros_substitution(
    make_sim: SimFactory, browser: requests.Session, tmp_path
) -> None:
    page = tmp_path / "login.html"
    page.write_text(
        '<a href="https://portal.example/?mac=$(mac-esc)&dst=$(link-orig-esc)">'
        "$(if error)<b>$(error)</b>$(else)welcome$(endif) $(identity)"
        "$(if chap-id)chap$(endif)$(nothing)</a>"
    )
    args = build_parser({"HOTSPOT_SIM_LOGIN_HTML": str(page)}).parse_args([])
    config = config_from_args(args)
    sim = make_sim(login_html=config.login_html, login_by=("http-pap",))
    become(browser, sim)
    served = browser.get(sim.url + "/a?b=c").text
    assert served == (
        '<a href="https://portal.example/?mac=02%3A00%3A00%3AAA%3ABB%3A01'
        f'&dst={quote(sim.url + "/a?b=c", safe="")}">welcome test-router</a>'
    )
    # A failed login: the page again, with the error.
    r = browser.post(f"{sim.url}/login", data={"username": "bob", "password": "x"})
    assert "<b>" in r.text and "welcome" not in r.text
    with pytest.raises(ValueError, match="login-html"):
        config_from_args(
            build_parser({"HOTSPOT_SIM_LOGIN_HTML": str(tmp_path / "none")}).parse_args(
                []
            )
        )
