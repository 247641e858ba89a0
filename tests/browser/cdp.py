"""Headless Chromium driven through the DevTools protocol directly, over
``--remote-debugging-pipe``: for what Playwright cannot show. Playwright keeps its
pages visible and running (a tab behind another stays "visible", and
Page.setWebLifecycleState freezes nothing under it); without it, a tab behind
another is hidden (its timers throttled as on a real browser) and a page can be
frozen like a phone's with the screen off."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from typing import Any


class Chromium:
    """One headless Chromium; :meth:`send` a command, :attr:`events` as they came
    (method, params, sessionId, monotonic time)."""

    def __init__(self) -> None:
        commands, self._w = os.pipe()
        self._r, replies = os.pipe()
        self._profile = tempfile.mkdtemp(prefix="cdp-")

        def pipes() -> None:  # Chromium reads fd 3 and writes fd 4
            os.dup2(commands, 3)
            os.dup2(replies, 4)

        self.proc = subprocess.Popen(  # noqa: S603 - our own arguments
            [
                shutil.which("chromium") or "/usr/bin/chromium",
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--remote-debugging-pipe",
                f"--user-data-dir={self._profile}",
                "about:blank",
            ],
            preexec_fn=pipes,  # noqa: PLW1509 - only dup2, before exec
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands)
        os.close(replies)
        self._buffer = b""
        self._next = 0
        self.events: list[tuple[str, dict[str, Any], str | None, float]] = []

    def _message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._r, 65536)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str = ""
    ) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method}
        message["params"] = params or {}
        if session:
            message["sessionId"] = session
        os.write(self._w, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            if "method" in reply:
                self.events.append(
                    (
                        reply["method"],
                        reply.get("params", {}),
                        reply.get("sessionId"),
                        time.monotonic(),
                    )
                )

    def open(self, url: str) -> Tab:
        """A new tab in front, showing ``url``."""
        target = self.send("Target.createTarget", {"url": url})["targetId"]
        session = self.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}
        )["sessionId"]
        tab = Tab(self, target, session)
        tab.send("Network.enable")
        tab.send("Page.enable")
        return tab

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        os.close(self._w)
        os.close(self._r)
        shutil.rmtree(self._profile, ignore_errors=True)


class Tab:
    def __init__(self, browser: Chromium, target: str, session: str) -> None:
        self.browser, self.target, self.session = browser, target, session

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict:
        return self.browser.send(method, params, self.session)

    def eval(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}
        )
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 15.0) -> Any:
        """Poll a JavaScript expression until it is truthy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"not within {timeout}s: {expression}")

    def goto(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})

    def front(self) -> None:
        self.browser.send("Target.activateTarget", {"targetId": self.target})

    def requests(self, match: Callable[[str], bool]) -> list[float]:
        """When this tab sent requests whose URL matches (the browser's wall-clock
        time, as :func:`time.time`)."""
        return [
            params["wallTime"]
            for method, params, session, _ in self.browser.events
            if method == "Network.requestWillBeSent"
            and session == self.session
            and match(params["request"]["url"])
        ]

    def idle(self, seconds: float) -> None:
        """Let time pass, still taking in events (a cheap command now and then)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(min(1.0, max(0.0, end - time.monotonic())))
            self.browser.send("Browser.getVersion")
