"""What SMS cost: a price per gateway set by the operator (from a time on), and
the cost of an owner's messages per period and gateway.

A message costs the price of its gateway in force when the gateway accepted it
(``sent_at``); one never accepted (failed, rejected, still queued) costs nothing,
and one whose gateway had no price yet is counted as unpriced."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..errors import InvalidInput, Text
from ..models import SmsPrice

#: Chart units the cost table groups by (PostgreSQL's date_trunc fields).
UNITS = ("day", "week", "month")
MAX_PRICE = Decimal("1000000")


def parse_price(value: str) -> Decimal:
    """``"120"``, ``"95.50"``, ``"95,5"`` -> a price with two decimals."""
    word = (value or "").strip().replace(",", ".").replace(" ", "")
    if not re.fullmatch(r"[0-9]{1,7}(\.[0-9]{1,2})?", word):
        raise InvalidInput(
            "price: a number like 120 or 95.50, not %(value)r", value=value
        )
    try:
        price = Decimal(word).quantize(Decimal("0.01"))
    except InvalidOperation as exc:  # pragma: no cover - the pattern rules it out
        raise InvalidInput("price: not a number: %(value)r", value=value) from exc
    if price > MAX_PRICE:
        raise InvalidInput("price: at most 1,000,000")
    return price


def set_price(
    session: Session,
    provider: str,
    price: Decimal,
    now: dt.datetime,
    gateways: list[str],
    actor: str = "",
) -> SmsPrice:
    """The price of one SMS through ``provider`` (a configured gateway) from now."""
    if provider not in gateways:
        raise InvalidInput(
            "gateway: one of %(gateways)s, not %(provider)r",
            gateways=", ".join(gateways) or Text("none configured"),
            provider=provider,
        )
    row = SmsPrice(provider=provider, price=price, valid_from=now, set_by=actor)
    session.add(row)
    session.flush()
    return row


def current_prices(session: Session) -> dict[str, SmsPrice]:
    """Each gateway's price in force (the latest set)."""
    # A few rows per gateway: the latest of each wins.
    rows = session.scalars(
        select(SmsPrice).order_by(SmsPrice.valid_from, SmsPrice.id)
    ).all()
    return {p.provider: p for p in rows}


@dataclass(frozen=True)
class CostRow:
    #: The period's first day (the owner's local date).
    period: dt.date
    provider: str
    #: Messages a gateway accepted; those of them with a price; their cost.
    messages: int
    priced: int
    cost: Decimal


_COSTS = """
SELECT date_trunc(:unit, m.created_at AT TIME ZONE :tz)::date AS period,
       m.provider, count(*) AS messages, count(p.price) AS priced,
       coalesce(sum(p.price), 0) AS cost
FROM sms_messages m
LEFT JOIN LATERAL (
    SELECT sp.price FROM sms_prices sp
    WHERE sp.provider = m.provider AND sp.valid_from <= m.sent_at
    ORDER BY sp.valid_from DESC, sp.id DESC LIMIT 1
) p ON true
WHERE m.sent_at IS NOT NULL AND m.provider IS NOT NULL
  AND m.created_at >= :since AND m.created_at < :until {owner}
GROUP BY 1, 2 ORDER BY 1, 2
"""


def costs(
    session: Session,
    owner_id: int | None,
    unit: str,
    since: dt.datetime,
    until: dt.datetime,
    tz: str,
) -> list[CostRow]:
    """Cost per ``unit`` (local to ``tz``) and gateway of the messages created in
    [since, until), of one owner (None: every owner)."""
    if unit not in UNITS:
        raise InvalidInput("unit: one of %(units)s", units=", ".join(UNITS))
    query = text(_COSTS.format(owner="AND m.owner_id = :owner" if owner_id else ""))
    params = {"unit": unit, "tz": tz, "since": since, "until": until}
    if owner_id:
        params["owner"] = owner_id
    return [
        CostRow(r.period, r.provider, r.messages, r.priced, Decimal(r.cost))
        for r in session.execute(query, params)
    ]


def totals_by_gateway(rows: list[CostRow]) -> list[CostRow]:
    """The rows summed per gateway (period: the first one's)."""
    out: dict[str, CostRow] = {}
    for r in rows:
        t = out.get(r.provider)
        out[r.provider] = (
            r
            if t is None
            else CostRow(
                t.period,
                r.provider,
                t.messages + r.messages,
                t.priced + r.priced,
                t.cost + r.cost,
            )
        )
    return sorted(out.values(), key=lambda r: r.provider)


def message_costs(session: Session, ids: list[int]) -> dict[int, Decimal]:
    """The cost of each of these messages that has one (for a page of the list)."""
    if not ids:
        return {}
    query = text(
        """
        SELECT m.id, (SELECT sp.price FROM sms_prices sp
                      WHERE sp.provider = m.provider AND sp.valid_from <= m.sent_at
                      ORDER BY sp.valid_from DESC, sp.id DESC LIMIT 1) AS price
        FROM sms_messages m WHERE m.id = ANY(:ids) AND m.sent_at IS NOT NULL
        """
    )
    return {
        r.id: Decimal(r.price)
        for r in session.execute(query, {"ids": ids})
        if r.price is not None
    }
