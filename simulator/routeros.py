"""The RouterOS API (TCP 8728) of the simulated router, speaking the real protocol.

- A *word* is a length prefix (1 to 5 bytes; docs/mikrotik.md, "RouterOS API")
  and its bytes; a *sentence* is words ended by an empty word. Reads are
  buffered: clients may send each word in a ``send()`` of its own.
- ``/login =name= =password=`` (plain, RouterOS >= 6.43) must come first.
- Replies: ``!re`` per row, ``!done`` last (``=ret=`` after an ``add``), ``!trap``
  ``=message=`` then ``!done`` for errors, ``!fatal`` before closing; ``.tag`` is
  echoed on every reply sentence.
- Menus: ``/system/identity``, ``/ip/hotspot/active`` (print, remove: the session
  ends with an Accounting-Stop), ``/ip/hotspot/host`` (print: every device seen),
  ``/ip/hotspot/cookie`` (print, remove),
  ``/queue/simple`` (print, add, set, remove). Queries ``?name=x`` and ``?=name=x``
  (equality) filter a print.
"""

from __future__ import annotations

import itertools
import logging
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

from .router import Router, parse_bitrate

log = logging.getLogger("simulator.routeros")

Row = dict[str, str]


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n < 0x4000:
        return (n | 0x8000).to_bytes(2, "big")
    if n < 0x200000:
        return (n | 0xC00000).to_bytes(3, "big")
    if n < 0x10000000:
        return (n | 0xE0000000).to_bytes(4, "big")
    return b"\xf0" + n.to_bytes(4, "big")


def encode_sentence(words: list[str]) -> bytes:
    out = b""
    for word in words:
        raw = word.encode("utf-8")
        out += encode_length(len(raw)) + raw
    return out + b"\x00"


class _Reader:
    def __init__(self, rfile: Any) -> None:
        self.rfile = rfile

    def _read(self, n: int) -> bytes:
        data = self.rfile.read(n)
        if len(data) < n:
            raise EOFError
        return data

    def length(self) -> int:
        first = self._read(1)[0]
        if first < 0x80:
            return first
        if first < 0xC0:
            return ((first & 0x3F) << 8) | self._read(1)[0]
        if first < 0xE0:
            return ((first & 0x1F) << 16) | int.from_bytes(self._read(2), "big")
        if first < 0xF0:
            return ((first & 0x0F) << 24) | int.from_bytes(self._read(3), "big")
        if first == 0xF0:
            return int.from_bytes(self._read(4), "big")
        raise ValueError(f"reserved control byte {first:#x}")

    def sentence(self) -> list[str]:
        words = []
        while n := self.length():
            words.append(self._read(n).decode("utf-8"))
        return words


class ApiError(Exception):
    """Answered as ``!trap``."""


class RouterOsState:
    """What the API manages besides the router's sessions: its queues."""

    def __init__(self, router: Router, username: str, password: str) -> None:
        self.router = router
        self.username = username
        self.password = password
        self.queues: dict[str, Row] = {}
        self._ids = itertools.count(1)
        self.lock = threading.Lock()
        #: Every command run, for tests (``/queue/simple/set`` ...).
        self.commands: list[str] = []

    def run(self, command: str, attrs: Row, query: Row) -> tuple[list[Row], Row]:
        """Rows to send and the ``!done`` attributes; raises :class:`ApiError`."""
        menu, _, verb = command.rpartition("/")
        handler = getattr(self, "_" + menu.strip("/").replace("/", "_"), None)
        if handler is None or verb not in ("print", "getall", "add", "set", "remove"):
            raise ApiError("no such command")
        with self.lock:
            self.commands.append(command)
            return handler(verb, attrs, query)

    def _system_identity(self, verb: str, attrs: Row, query: Row) -> Any:
        row = {"name": self.router.config.nas_identifier}
        return [r for r in _print({"": row}, query) if r.pop(".id") == ""], {}

    def _ip_hotspot_active(self, verb: str, attrs: Row, query: Row) -> Any:
        now = self.router.clock()
        rows = {
            f"*{s.session_id.upper()}": {
                "user": s.username,
                "address": s.ip,
                "mac-address": s.mac,
                "server": self.router.config.server_name,
                "uptime": f"{int(s.uptime(now))}s",
                "bytes-in": str(round(s.input_octets)),
                "bytes-out": str(round(s.output_octets)),
            }
            for s in self.router.active_sessions()
        }
        if verb == "remove":
            for item in _ids(attrs, rows):
                self.router.disconnect(session_id=item[1:].lower(), background=True)
            return [], {}
        return _print(rows, query), {}

    def _ip_hotspot_host(self, verb: str, attrs: Row, query: Row) -> Any:
        if verb != "print":
            raise ApiError("no such command")
        rows = {
            f"*{i:X}": {
                "mac-address": d.mac,
                "address": d.ip,
                "to-address": d.ip,
                "server": self.router.config.server_name,
                "authorized": "true" if self.router.session_for(d.mac) else "false",
                "bypassed": "false",
            }
            for i, d in enumerate(self.router.devices(), start=1)
        }
        return _print(rows, query), {}

    def _ip_hotspot_cookie(self, verb: str, attrs: Row, query: Row) -> Any:
        rows = {
            f"*{i}": {"user": user, "mac-address": mac}
            for i, (mac, user) in self.router.cookie_items()
        }
        if verb == "remove":
            for item in _ids(attrs, rows):
                self.router.remove_cookie(rows[item]["mac-address"])
            return [], {}
        return _print(rows, query), {}

    def _queue_simple(self, verb: str, attrs: Row, query: Row) -> Any:
        if verb == "add":
            if not attrs.get("name") or not attrs.get("target"):
                raise ApiError("failure: name and target must be set")
            if any(q["name"] == attrs["name"] for q in self.queues.values()):
                raise ApiError("failure: already have such name")
            qid = f"*{next(self._ids):X}"
            self.queues[qid] = {
                "priority": "8/8",
                "parent": "none",
                "comment": "",
                "max-limit": "0/0",
                **_normalised(attrs),
            }
            return [], {"ret": qid}
        if verb == "set":
            [qid] = _ids(attrs, self.queues)
            self.queues[qid].update(
                {k: v for k, v in _normalised(attrs).items() if k != ".id"}
            )
            return [], {}
        if verb == "remove":
            for qid in _ids(attrs, self.queues):
                del self.queues[qid]
            return [], {}
        return _print(self.queues, query), {}


def _normalised(attrs: Row) -> Row:
    """RouterOS prints rates in bits/s: ``max-limit=2M/4M`` reads back as
    ``2000000/4000000``."""
    out = dict(attrs)
    if "max-limit" in out:
        rx, _, tx = out["max-limit"].partition("/")
        out["max-limit"] = f"{parse_bitrate(rx)}/{parse_bitrate(tx or rx)}"
    return out


def _ids(attrs: Row, rows: dict[str, Any]) -> list[str]:
    ids = [i for i in attrs.get(".id", "").split(",") if i]
    if not ids or any(i not in rows for i in ids):
        raise ApiError("no such item")
    return ids


def _print(rows: dict[str, Row], query: Row) -> list[Row]:
    return [
        {".id": rid, **row}
        for rid, row in rows.items()
        if all(
            row.get(k, "") == v or (k == ".id" and rid == v) for k, v in query.items()
        )
    ]


def _parse(words: list[str]) -> tuple[str, Row, Row, str | None]:
    command, attrs, query, tag = words[0], {}, {}, None
    for word in words[1:]:
        if word.startswith("="):
            key, _, value = word[1:].partition("=")
            attrs[key] = value
        elif word.startswith("?"):
            key, _, value = word[1:].lstrip("=").partition("=")
            query[key] = value
        elif word.startswith(".tag="):
            tag = word[5:]
        elif word.startswith(".id="):
            attrs[".id"] = word[4:]
    return command, attrs, query, tag


class _Handler(socketserver.StreamRequestHandler):
    server: RouterOsServer

    def handle(self) -> None:
        reader = _Reader(self.rfile)
        state = self.server.state
        logged_in = False
        try:
            while True:
                words = reader.sentence()
                if not words:
                    continue
                command, attrs, query, tag = _parse(words)
                if command == "/quit":
                    self._send(["!fatal", "session terminated on request"])
                    return
                if command == "/login":
                    logged_in = (attrs.get("name"), attrs.get("password")) == (
                        state.username,
                        state.password,
                    )
                    if not logged_in:
                        self._reply(tag, error="invalid user name or password (6)")
                        continue
                    self._reply(tag)
                    continue
                if not logged_in:
                    self._send(["!fatal", "not logged in"])
                    return
                try:
                    rows, done = state.run(command, attrs, query)
                except ApiError as exc:
                    self._reply(tag, error=str(exc))
                    continue
                self._reply(tag, rows, done)
        except (EOFError, ConnectionError, ValueError):
            return

    def _send(self, words: list[str]) -> None:
        self.wfile.write(encode_sentence(words))

    def _reply(
        self,
        tag: str | None,
        rows: list[Row] = (),  # type: ignore[assignment]
        done: Row | None = None,
        error: str | None = None,
    ) -> None:
        extra = [f".tag={tag}"] if tag is not None else []
        out = b""
        for row in rows:
            out += encode_sentence(["!re", *_attr_words(row), *extra])
        if error is not None:
            out += encode_sentence(["!trap", f"=message={error}", *extra])
        out += encode_sentence(["!done", *_attr_words(done or {}), *extra])
        self.wfile.write(out)


def _attr_words(row: Row) -> Iterator[str]:
    return (f"={k}={v}" for k, v in row.items())


class RouterOsServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, router: Router, host: str, port: int, username: str, password: str
    ) -> None:
        self.state = RouterOsState(router, username, password)
        super().__init__((host, port), _Handler)
        self.port = self.server_address[1]
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sim-api-{self.port}",
            daemon=True,
        )

    def start(self) -> RouterOsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self._thread.join()
        self.server_close()
