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
    keyset = True


def _encode(values: Sequence[Any]) -> str:
    return "~".join(
        v.isoformat() if isinstance(v, dt.datetime) else str(v) for v in values
    )


def _decode(
    cursor: str, keys: Sequence[InstrumentedAttribute[Any]]
) -> tuple[Any, ...] | None:
    parts = cursor.split("~")
    if len(parts) != len(keys):
        return None
    try:
        return tuple(
            dt.datetime.fromisoformat(v)
            if k.type.python_type is dt.datetime
            else int(v)
            for v, k in zip(parts, keys, strict=True)
        )
    except ValueError:
        return None


def keyset_paginate(
    query: Select[Any],
    keys: Sequence[InstrumentedAttribute[Any]],
    key_of: Callable[[Any], Sequence[Any]],
    per_page: int = PER_PAGE,
    scalars: bool = True,
) -> KeysetPage:
    """A page of ``query`` (ordered by ``keys``, all descending, unique together):
    the newest, ``?before=C`` (older than cursor C), ``?after=C`` (newer than C) or
    ``?last=1`` (the oldest). ``key_of(item)`` gives an item's key values."""
    before = _decode(request.args.get("before", ""), keys)
    after = None if before else _decode(request.args.get("after", ""), keys)
    last = not (before or after) and request.args.get("last") == "1"
    total = count_rows(db.session, query)
    row = tuple_(*keys)
    if before:
        query = query.where(row < tuple_(*before))
    elif after or last:
        if after:
            query = query.where(row > tuple_(*after))
        query = query.order_by(None).order_by(*(k.asc() for k in keys))
    result = db.session.execute(query.limit(per_page + 1))
    items = list(result.scalars() if scalars else result.all())
    more = len(items) > per_page
    items = items[:per_page]
    if after or last:
        items.reverse()
    has_newer = bool(before) or (bool(after or last) and more)
    has_older = (not after and not last and more) or bool(after)
    return KeysetPage(
        items,
        total,
        per_page,
        _encode(key_of(items[0])) if items and has_newer else None,
        _encode(key_of(items[-1])) if items and has_older else None,
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
