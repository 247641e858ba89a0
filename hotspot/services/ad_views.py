"""Ad impressions written in batches: every guest of a busy venue is shown a banner.

A :class:`ViewBuffer` keeps the impressions of this process in memory and writes
them in one multi-row INSERT every ``interval`` seconds (at once when ``batch``
are waiting), in a thread of its own; :meth:`ViewBuffer.close` writes what is left
(on a normal exit, and on SIGTERM for ``python -m portal``). A write that fails
(the database is away) keeps the rows for the next one, up to ``limit`` rows.

The ad delay (:func:`hotspot.services.ads.ad_wait`) counts a view still in a buffer
of this process (:func:`pending_view`), so a press right after the page is not
refused for a row not written yet. Another process sees it once written (within
``interval``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import weakref
from typing import Any

from sqlalchemy import Engine, text

from ..db import describe_db_error

log = logging.getLogger(__name__)

#: One statement for a batch; the views of a banner deleted meanwhile are dropped
#: (its events go with it), a router deleted meanwhile leaves none (as its events).
_WRITE = text(
    "INSERT INTO ad_events (banner_id, router_id, kind, device, at)"
    " SELECT x.b, r.id, 'view', x.d, x.at"
    " FROM jsonb_to_recordset(CAST(:rows AS jsonb))"
    " AS x(b bigint, r bigint, d text, at timestamptz)"
    " JOIN ad_banners b ON b.id = x.b LEFT JOIN routers r ON r.id = x.r"
)
_LIVE: weakref.WeakSet[ViewBuffer] = weakref.WeakSet()


def pending_view(router_id: int, device: str) -> dt.datetime | None:
    """This device's newest view at this router not yet written, in any buffer of
    this process."""
    times = [t for b in list(_LIVE) if (t := b.pending(router_id, device))]
    return max(times) if times else None


class ViewBuffer:
    """Impressions of this process, written in batches (see the module)."""

    def __init__(
        self,
        engine: Engine,
        interval: float = 0.2,
        batch: int = 500,
        limit: int = 100_000,
    ) -> None:
        self._engine = engine
        self._interval, self._batch, self._limit = interval, batch, limit
        self._rows: list[dict[str, Any]] = []
        self._latest: dict[tuple[int, str], dt.datetime] = {}
        #: What the write under way carries: still pending until it is committed.
        self._writing: dict[tuple[int, str], dt.datetime] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="ad-views", daemon=True)
        self._thread.start()
        _LIVE.add(self)

    def add(self, banner_id: int, router_id: int, device: str, at: dt.datetime) -> None:
        row = {"b": banner_id, "r": router_id, "d": device, "at": at.isoformat()}
        with self._lock:
            self._rows.append(row)
            key = (router_id, device)
            if key not in self._latest or self._latest[key] < at:
                self._latest[key] = at
            full = len(self._rows) >= self._batch
        if full or self._closed:
            self._wake.set()

    def pending(self, router_id: int, device: str) -> dt.datetime | None:
        key = (router_id, device)
        times = [t for t in (self._latest.get(key), self._writing.get(key)) if t]
        return max(times) if times else None

    def flush(self) -> int:
        """Write what waits; the number of rows written (0 when the write failed:
        the rows wait for the next one)."""
        with self._write_lock:
            with self._lock:
                rows, latest = self._rows, self._latest
                self._rows, self._latest, self._writing = [], {}, latest
            if not rows:
                return 0
            try:
                with self._engine.begin() as conn:
                    conn.exec_driver_sql("SET LOCAL synchronous_commit TO off")
                    conn.execute(_WRITE, {"rows": json.dumps(rows, default=str)})
            except Exception as exc:  # kept for the next write, never lost here
                log.warning(
                    "ad views: %d not written yet (%s)",
                    len(rows),
                    describe_db_error(exc),
                )
                self._keep(rows, latest)
                return 0
            finally:
                self._writing = {}
            return len(rows)

    def _keep(self, rows: list[dict[str, Any]], latest: dict[Any, Any]) -> None:
        with self._lock:  # before the write's entries are dropped
            self._rows = (rows + self._rows)[-self._limit :]
            for key, at in latest.items():
                if key not in self._latest or self._latest[key] < at:
                    self._latest[key] = at

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self._interval)
            self._wake.clear()
            self.flush()

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._closed = True
        self._wake.set()
        self._thread.join(10)
        self.flush()
        _LIVE.discard(self)
