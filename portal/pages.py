"""Lists in the cabinet and the admin: one page at a time, or all of it as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, request
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from hotspot.services.audit import count_rows

from .extensions import db

PER_PAGE = 50
#: The most rows one CSV export holds.
CSV_LIMIT = 100_000


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    total: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(
    query: Select[Any], per_page: int = PER_PAGE, scalars: bool = True
) -> Page:
    """The page ``?page=N`` of ``query`` (rows, or scalars when ``scalars``)."""
    number = max(request.args.get("page", 1, type=int) or 1, 1)
    total = count_rows(db.session, query)
    number = min(number, max(1, -(-total // per_page)))
    limited = query.limit(per_page).offset((number - 1) * per_page)
    result = db.session.execute(limited)
    items = list(result.scalars() if scalars else result.all())
    return Page(items, number, total, per_page)


@dataclass(frozen=True)
class KeysetPage:
    """A page of a list read by its sort key ("older than this row"), so the last
    page costs what the first does. ``newer``/``older``: the cursors of the
    neighbouring pages (None: nothing that way)."""

    items: list[Any]
    total: int
    per_page: int
    newer: str | None
    older: str | None
    #: Not the newest page (asked for by a cursor, or the last page).
    moved: bool = False
    keyset = True


#: Fetches ``limit`` items past a cursor (None: from the end): older ones,
#: newest first, or (``newer``) newer ones, oldest first.
Fetch = Callable[[tuple[Any, ...] | None, bool, int], list[Any]]


def _encode(values: Sequence[Any]) -> str:
    return "~".join(
        v.isoformat() if isinstance(v, dt.datetime) else str(v) for v in values
    )


def _decode(cursor: str, types: Sequence[type]) -> tuple[Any, ...] | None:
    parts = cursor.split("~")
    if len(parts) != len(types):
        return None
    try:
        return tuple(
            dt.datetime.fromisoformat(v) if t is dt.datetime else int(v)
            for v, t in zip(parts, types, strict=True)
        )
    except ValueError:
        return None


def keyset_fetch(
    query: Select[Any], keys: Sequence[InstrumentedAttribute[Any]], scalars: bool
) -> Fetch:
    """The :data:`Fetch` of a plain ``query`` ordered by ``keys`` (descending)."""

    def fetch(cursor: tuple[Any, ...] | None, newer: bool, limit: int) -> list[Any]:
        q = query
        if cursor is not None:
            q = q.where(
                tuple_(*keys) > tuple_(*cursor)
                if newer
                else tuple_(*keys) < tuple_(*cursor)
            )
        if newer:
            q = q.order_by(None).order_by(*(k.asc() for k in keys))
        result = db.session.execute(q.limit(limit))
        return list(result.scalars() if scalars else result.all())

    return fetch


def keyset_paginate(
    fetch: Fetch,
    total: int,
    types: Sequence[type],
    key_of: Callable[[Any], Sequence[Any]],
    per_page: int = PER_PAGE,
) -> KeysetPage:
    """A page of a list in descending key order (keys of ``types``, unique
    together): the newest, ``?before=C`` (older than cursor C), ``?after=C``
    (newer than C) or ``?last=1`` (the oldest). ``key_of(item)``: its keys."""
    before = _decode(request.args.get("before", ""), types)
    after = None if before else _decode(request.args.get("after", ""), types)
    last = not (before or after) and request.args.get("last") == "1"
    newer = bool(after or last)
    items = fetch(before or after, newer, per_page + 1)
    more = len(items) > per_page
    items = items[:per_page]
    if newer:
        items.reverse()
    has_newer = bool(before) or (newer and more)
    has_older = bool(after) or (not newer and more)
    return KeysetPage(
        items,
        total,
        per_page,
        _encode(key_of(items[0])) if items and has_newer else None,
        _encode(key_of(items[-1])) if items and has_older else None,
        bool(before or after or last),
    )


def keyset_list(
    query: Select[Any], keys: Sequence[InstrumentedAttribute[Any]]
) -> KeysetPage:
    """A keyset page of ``query``: one entity ordered by ``keys`` (descending, a
    timestamp then the id), counted for the pager."""
    return keyset_paginate(
        keyset_fetch(query, keys, scalars=True),
        count_rows(db.session, query),
        [k.type.python_type for k in keys],
        lambda item: [getattr(item, k.key) for k in keys],
    )


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Response:
    """``rows`` as a CSV download (formulas neutralised for spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename={filename}",
            "Cache-Control": "no-store",
        },
    )


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def all_rows(query: Select[Any], scalars: bool = True) -> list[Any]:
    result = db.session.execute(query.limit(CSV_LIMIT))
    return list(result.scalars() if scalars else result.all())
