"""Lists in the cabinet and the admin: one page at a time, or all of it as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, request
from sqlalchemy import Select

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
