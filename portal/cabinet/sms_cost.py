"""SMS cost on the SMS history pages (the cabinet's: one owner; the admin's: every
owner): per period and gateway, at the prices the operator sets
(hotspot.services.sms_costs). The history templates include
cabinet/sms_costs.html, which calls :func:`sms_costs`."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import g, request

from hotspot.services import sms_costs as sc
from hotspot.services import stats
from hotspot.venues import DEFAULT_TIMEZONE, owner_timezone

from ..extensions import db
from ..staff import now
from .routes import bp


def sms_costs() -> dict[str, Any]:
    """The cost table of ``?cost_by=day|week|month`` (default month: one year)
    around ``?cost_date=``, in the owner's time zone."""
    owner = g.get("owner")
    tz = owner_timezone(owner) if owner is not None else DEFAULT_TIMEZONE
    unit = request.args.get("cost_by", "month")
    unit = unit if unit in sc.UNITS else "month"
    try:
        anchor = dt.date.fromisoformat(request.args.get("cost_date", ""))
    except ValueError:
        anchor = now().astimezone(ZoneInfo(tz)).date()
    period = stats.period_for(unit, anchor)
    zone = ZoneInfo(tz)
    rows = sc.costs(
        db.session,
        owner.id if owner is not None else None,
        unit,
        period.start.replace(tzinfo=zone),
        period.end.replace(tzinfo=zone),
        tz,
    )
    return {
        "unit": unit,
        "anchor": anchor,
        "period": period,
        "rows": rows,
        "totals": sc.totals_by_gateway(rows),
        "tz": tz,
    }


@bp.app_context_processor
def _sms_costs() -> dict[str, Any]:
    return {"sms_costs": sms_costs}
