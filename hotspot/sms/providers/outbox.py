"""The development "gateway": every SMS becomes a JSON line in a file.

The demo stack shows the file on a page (so a guest can read the code), and tests
read it with :func:`read_outbox`. Lines are ``{"to", "text", "client_ref", "at"}``,
appended with one ``write`` on an ``O_APPEND`` descriptor, so several processes may
share the file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict

from ...clock import utcnow
from ..base import BaseProvider, SendResult
from ..config import ConfigReader, common_options


class OutboxEntry(TypedDict):
    """One SMS written to the outbox (a plain dict, as in the file)."""

    to: str
    text: str
    client_ref: str
    #: ISO 8601 UTC time of sending.
    at: str


class OutboxProvider(BaseProvider):
    """Writes messages to a JSON-lines file instead of sending them."""

    kind = "outbox"

    def __init__(
        self,
        *,
        path: str | os.PathLike[str],
        name: str = "outbox",
        clock: Callable[[], dt.datetime] = utcnow,
        **options: Any,
    ) -> None:
        super().__init__(name, **options)
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, cfg: ConfigReader) -> OutboxProvider:
        """Keys: ``path`` (the file; its directory is created), plus ``name``,
        ``callback_token``, ``min_balance``, ``balance_ttl``."""
        return cls(path=cfg.string("path"), **common_options(cfg))

    def _send(self, to: str, text: str, client_ref: str) -> SendResult:
        entry: OutboxEntry = {
            "to": to,
            "text": text,
            "client_ref": client_ref,
            "at": self._clock().isoformat(),
        }
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, line)
                finally:
                    os.close(fd)
        except OSError as exc:
            return SendResult.unavailable(f"outbox not writable: {exc.strerror}")
        return SendResult.ok(f"outbox-{client_ref}", status="sent")


def read_outbox(
    path: str | os.PathLike[str], *, to: str | None = None
) -> list[OutboxEntry]:
    """The messages in an outbox file, oldest first (only those to ``to`` if
    given). A missing file is an empty outbox; unreadable lines are skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    entries: list[OutboxEntry] = []
    for line in lines:
        try:
            data = json.loads(line)
            entry: OutboxEntry = {
                "to": str(data["to"]),
                "text": str(data["text"]),
                "client_ref": str(data["client_ref"]),
                "at": str(data["at"]),
            }
        except (ValueError, KeyError, TypeError):
            continue
        if to is None or entry["to"] == to:
            entries.append(entry)
    return entries
