"""Simple queues kept in step through the RouterOS API: a parent queue for the
hotspot's total bandwidth, and per-guest overrides where a speed changed after
login (a CoA may not reach a hotspot session's dynamic queue: docs/mikrotik.md).

Only queues whose comment starts with :data:`MARK` are ours; the sync never touches
another one, even one whose name we want (that is counted as a conflict). It reads
the router's queues and changes only what differs, so a second run changes nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session, sessionmaker

from ..db import transaction
from .routeros import ApiAccess, RouterApi, RouterApiError, Row

log = logging.getLogger(__name__)

MARK = "hotspot:"
PARENT = "hotspot-total"
_UNITS = {"k": 1_000, "K": 1_000, "M": 1_000_000, "G": 1_000_000_000}


@dataclass(frozen=True)
class Queue:
    name: str
    target: str
    max_limit: str
    parent: str = "none"
    comment: str = MARK

    def attrs(self) -> Row:
        return {
            "target": self.target,
            "max-limit": self.max_limit,
            "parent": self.parent,
            "comment": self.comment,
        }


def bits(text: str) -> int:
    text = text.strip()
    factor = _UNITS.get(text[-1:], 1)
    return int(float(text[:-1] if text[-1:] in _UNITS else text) * factor)


def max_limit(rate: str) -> str:
    """The ``rx/tx`` max-limit of a Mikrotik-Rate-Limit, in bits/s as RouterOS
    prints it (a missing tx copies rx)."""
    rx, _, tx = rate.split()[0].partition("/")
    return f"{bits(rx)}/{bits(tx or rx)}"


def desired_queues(
    bandwidth: str | None,
    network: str | None,
    overrides: list[tuple[str, str, str]],
) -> list[Queue]:
    """Parent first; ``overrides``: (name, guest address, rate)."""
    queues = []
    parent = "none"
    if bandwidth and network:
        queues.append(Queue(PARENT, str(network), max_limit(bandwidth)))
        parent = PARENT
    for name, ip, rate in overrides:
        queues.append(
            Queue(f"hotspot-{name}", f"{ip}/32", max_limit(rate), parent, MARK + name)
        )
    return queues


def _same(current: Row, want: Row) -> Row:
    return {k: v for k, v in want.items() if current.get(k, "") != v}


def sync_queues(api: RouterApi, desired: list[Queue]) -> dict[str, int]:
    """Make our queues on the router what ``desired`` says; returns the counts of
    added, changed, removed and conflicts (a foreign queue with our name)."""
    counts: Counter[str] = Counter()
    current = api.queues()
    ours = {q["name"]: q for q in current if q.get("comment", "").startswith(MARK)}
    foreign = {q["name"] for q in current} - set(ours)
    wanted = {q.name for q in desired}
    for queue in desired:
        if queue.name in foreign:
            counts["conflicts"] += 1
            continue
        have = ours.get(queue.name)
        if have is None:
            api.add_queue(name=queue.name, **queue.attrs())
            counts["added"] += 1
        elif diff := _same(have, queue.attrs()):
            api.set_queue(have[".id"], **diff)
            counts["changed"] += 1
    # Children before their parent.
    gone = [q for name, q in ours.items() if name not in wanted]
    for row in sorted(gone, key=lambda q: q.get("parent", "none") == "none"):
        api.remove_queue(row[".id"])
        counts["removed"] += 1
    return {k: counts[k] for k in ("added", "changed", "removed", "conflicts")}


def _plans(
    session: Session, only: list[int] | None = None
) -> list[tuple[ApiAccess, list[Queue]]]:
    """For each enabled router with an API: its access and the queues it should
    have (overrides: the newest speed a CoA gave each session online)."""
    from ..models import RadiusSession, Router, RouterAction
    from .outbox import api_access

    plans = []
    query = select(Router).where(Router.enabled.is_(True), Router.api_port.is_not(None))
    if only is not None:
        query = query.where(Router.id.in_(only))
    routers = session.scalars(query)
    for router in routers:
        access = api_access(router)
        if access is None:
            continue
        rows = session.execute(
            select(
                RadiusSession.acct_session_id,
                RadiusSession.framed_ip,
                RouterAction.rate_limit,
            )
            .join(RouterAction, RouterAction.radius_session_id == RadiusSession.id)
            .where(
                RadiusSession.router_id == router.id,
                RadiusSession.stopped_at.is_(None),
                RadiusSession.framed_ip.is_not(None),
                RouterAction.kind == "coa",
                RouterAction.state == "done",
            )
            .order_by(RadiusSession.id, RouterAction.id.desc())
            .ext(distinct_on(RadiusSession.id))
        ).all()
        overrides = [(sid, str(ip), str(rate)) for sid, ip, rate in rows]
        plans.append(
            (
                access,
                desired_queues(router.bandwidth, router.hotspot_network, overrides),
            )
        )
    return plans


def _sync_one(access: ApiAccess, desired: list[Queue]) -> dict[str, int]:
    try:
        with RouterApi(access) as api:
            return sync_queues(api, desired)
    except RouterApiError as exc:
        log.warning("queue sync at %s failed: %s", access.host, exc)
        return {"errors": 1}


def sync_all(
    factory: sessionmaker[Session],
    workers: int = 8,
    only: list[int] | None = None,
) -> dict[str, int]:
    """Sync every router's queues (``only``: these routers): plans read in a short
    transaction, the API calls outside it, a few routers at once (each with its
    own timeout)."""
    with transaction(factory) as session:
        plans = _plans(session, only)
    total: Counter[str] = Counter()
    if not plans:
        return {}
    with ThreadPoolExecutor(max_workers=min(workers, len(plans))) as pool:
        for counts in pool.map(lambda p: _sync_one(*p), plans):
            total.update(counts)
    return dict(total)
