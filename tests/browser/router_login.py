"""A guest's browser at the router simulator: joining the WiFi, and waiting for the
login at the router; when it does not come, saying why: the device's history at
the simulated router (each page it asked for, each login page with its CHAP
challenge, each login and what RADIUS answered), the router's error for it,
FreeRADIUS's log lines since the wait began and what the browser shows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode


def arrival_url(simulator: Any, mac: str, path: str) -> str:
    """Where a browser goes to join the WiFi as ``mac`` and open ``path``: in one
    navigation, as a phone does; the router answers with its login page, which
    submits itself to the portal.

    Never ``/_sim/device`` alone and then the page: that redirects to ``/``, a
    login page too, whose submission (on its load event) can overtake the second
    navigation. Then Playwright's goto fails ("interrupted by another navigation"
    to the portal's /login), or the router has issued a newer CHAP challenge than
    the one the portal keeps, and the login is refused as a wrong PIN."""
    return f"{simulator.url}/_sim/device?{urlencode({'mac': mac, 'next': path})}"


def join_wifi(page: Any, simulator: Any, mac: str, path: str) -> None:
    """The guest joins the WiFi as ``mac`` and opens ``path`` (:func:`arrival_url`)."""
    page.goto(arrival_url(simulator, mac, path))


def login_pages(simulator: Any, mac: str) -> int:
    """How many login pages (CHAP challenges) the router has given the device."""
    device = simulator.router.find_device(mac)
    return device.challenges if device is not None else 0


def router_report(simulator: Any, mac: str) -> str:
    """What the simulated router knows of the device ``mac``."""
    router = simulator.router
    device = router.find_device(mac)
    if device is None:
        return f"the router never saw {mac}"
    session = router.session_for(mac)
    lines = [
        f"router's device {device.mac} ({device.ip}): "
        f"session {session.session_id if session else None}, "
        f"last_error {device.last_error!r}",
        *(f"  {event}" for event in router.history(mac)),
    ]
    return "\n".join(lines)


@contextmanager
def explained(
    simulator: Any,
    mac: str,
    shown: Callable[[], str],
    radius: Any = None,
) -> Iterator[None]:
    """Run the wait in the ``with`` block; if it fails, fail with the router's
    report, FreeRADIUS's new log lines (``radius``: a devstack FreeRadius) and
    ``shown()`` (what the browser shows)."""
    logged = len(radius.output().splitlines()) if radius is not None else 0
    try:
        yield
    except Exception as exc:
        parts = [f"the login at the router did not arrive: {exc}".splitlines()[0]]
        parts.append(router_report(simulator, mac))
        if radius is not None:
            new = radius.output().splitlines()[logged:]
            parts.append("FreeRADIUS: " + ("\n  ".join(["", *new[-20:]]) or "-"))
        parts.append(_safely(shown))
        raise AssertionError("\n".join(parts)) from exc


def page_shown(page: Any) -> Callable[[], str]:
    """What a Playwright page shows: its URL and the start of its text."""
    return lambda: f"browser at {page.url}: {page.inner_text('body')[:600]!r}"


def tab_shown(tab: Any) -> Callable[[], str]:
    """The same for a DevTools tab (tests/browser/cdp.py)."""
    return lambda: (
        f"browser at {tab.eval('location.href')}: "
        f"{(tab.eval('document.body && document.body.innerText') or '')[:600]!r}"
    )


def _safely(shown: Callable[[], str]) -> str:
    try:
        return shown()
    except Exception as exc:  # noqa: BLE001 - a page in the middle of navigating
        return f"browser: cannot read the page ({type(exc).__name__}: {exc})"


def wait_for_login(
    page: Any, simulator: Any, mac: str, url: str, radius: Any = None
) -> None:
    """Wait until the page is at ``url``, where the router lets the guest through
    once RADIUS accepted the login."""
    with explained(simulator, mac, page_shown(page), radius):
        page.wait_for_url(url)
