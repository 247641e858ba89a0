"""The operator's SMS gateways: each configured gateway (HOTSPOT_SMS_PROVIDERS,
in failover order) with the messages it sent and failed over the last day, week
and month, its price (portal/admin/prices.py) and its balance where its API tells
one. Only names, types and numbers: no credential, URL or token of the
configuration reaches the page. A view on the admin blueprint."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
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
    #: did not answer, or ``asking``: not within BALANCE_WAIT).
    reports_balance: bool
    balance: Decimal | None
    min_balance: Decimal | None
    counts: dict[str, tuple[int, int]]
    price: SmsPrice | None
    asking: bool = False


#: Seconds the page waits for the gateways' balances, asked all at once. A gateway
#: slower than that (its own time-outs are 3 s to connect, 10 s to read) is shown
#: as still asking; its answer, kept by the provider for a few minutes, is on the
#: next view.
BALANCE_WAIT = 2.0
_ASK = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sms-balance")
#: The question still out to each provider: a later view waits on it rather
#: than queueing another behind the provider's lock.
_OUT: dict[int, Future[Any]] = {}


def _balances(chain: list[Any]) -> dict[str, Future[Any]]:
    """Each reporting gateway's balance, asked in parallel, waited for at most
    BALANCE_WAIT seconds in all."""
    asked = {}
    for p in chain:
        if getattr(p, "reports_balance", False):
            out = _OUT.get(id(p))
            if out is None or out.done():
                out = _OUT[id(p)] = _ASK.submit(p.balance)
            asked[p.name] = out
    wait_for(asked.values(), timeout=BALANCE_WAIT)
    return asked


def gateways() -> list[Gateway]:
    """The configured gateways, then those only in the messages' history."""
    counts = stats.gateway_counts(db.session, now())
    prices = sms_costs.current_prices(db.session)
    zero = {name: (0, 0) for name, _ in stats.GATEWAY_PERIODS}
    rows = []
    chain = providers(current_app)
    balances = _balances(chain)
    for p in chain:
        asked = balances.get(p.name)
        done = asked.done() if asked is not None else True
        balance = asked.result() if asked is not None and done else None
        rows.append(
            Gateway(
                p.name,
                getattr(p, "kind", ""),
                asked is not None,
                balance,
                p.min_balance,
                counts.get(p.name, zero),
                prices.get(p.name),
                asking=not done,
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
