"""The operator's SMS gateways: each configured gateway (HOTSPOT_SMS_PROVIDERS,
in failover order) with the messages it sent and failed over the last day, week
and month, its price (portal/admin/prices.py) and its balance where its API tells
one. Only names, types and numbers: no credential, URL or token of the
configuration reaches the page. A view on the admin blueprint."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app, render_template

from hotspot.models import SmsPrice
from hotspot.services import sms_costs, stats

from ..extensions import db
from ..sms import providers
from ..staff import now
from .routes import bp, operator


@dataclass(frozen=True)
class Gateway:
    name: str
    #: The configuration's ``type`` (eskiz, playmobile...); "" if no longer
    #: configured (it only appears in the history).
    kind: str
    #: Whether the gateway's API tells a balance; then ``balance`` (None: it
    #: did not answer).
    reports_balance: bool
    balance: Decimal | None
    min_balance: Decimal | None
    counts: dict[str, tuple[int, int]]
    price: SmsPrice | None


def gateways() -> list[Gateway]:
    """The configured gateways, then those only in the messages' history."""
    counts = stats.gateway_counts(db.session, now())
    prices = sms_costs.current_prices(db.session)
    zero = {name: (0, 0) for name, _ in stats.GATEWAY_PERIODS}
    rows = []
    for p in providers(current_app):
        reports = bool(getattr(p, "reports_balance", False))
        rows.append(
            Gateway(
                p.name,
                getattr(p, "kind", ""),
                reports,
                p.balance() if reports else None,
                p.min_balance,
                counts.get(p.name, zero),
                prices.get(p.name),
            )
        )
    known = {g.name for g in rows}
    for name in sorted(set(counts) - known):
        rows.append(
            Gateway(name, "", False, None, None, counts[name], prices.get(name))
        )
    return rows


@bp.get("/sms/gateways")
@operator
def sms_gateways() -> Any:
    return render_template(
        "admin/gateways.html", gateways=gateways(), periods=stats.GATEWAY_PERIODS
    )
