"""The outbox of router actions: queued in the transaction of the change that needs
them, sent by the scheduler outside any transaction.

Sending: due actions are claimed for a lease (so a sender that dies lets them go),
grouped by router and sent by a bounded pool, one worker per router at a time. A
router that does not answer is given up for this run after its first timeout, so a
dead router costs one timeout per run and holds up no other. Every outcome is
recorded: an ACK, or a NAK saying the session is gone, ends the action; anything else
is retried with exponential backoff until :data:`MAX_ATTEMPTS`. An action whose
session has been closed since it was queued (a Stop, an Accounting-On/Off, the
stale-session job) is not sent: it ends as "gone" (:func:`drop_closed`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.orm import Session, sessionmaker

from ..db import transaction
from ..models import ActionKind, ActionState, RadiusSession, Router, RouterAction
from .coa import SESSION_CONTEXT_NOT_FOUND, CoaResult, CoaTarget, SessionRef
from .coa import send as coa_send
from .routeros import ApiAccess, RouterApi, RouterApiError

log = logging.getLogger(__name__)

#: Why an action was queued.
REASONS = frozenset(
    {
        "owner",
        "voucher_revoked",
        "phone_blocked",
        "identification_expired",
        "balance_used",
        "device_limit",
        "rate_change",
        "keepalive_lost",
    }
)
MAX_ATTEMPTS = 8
BACKOFF_BASE = 5.0
BACKOFF_MAX = 600.0
#: How long a sender may work on what it claimed before others may take it.
LEASE = dt.timedelta(minutes=2)


def queue_action(
    session: Session,
    rs: RadiusSession,
    reason: str,
    now: dt.datetime,
    *,
    rate_limit: str | None = None,
) -> None:
    """Queue a Disconnect (or, with ``rate_limit``, a CoA) for one session. Queueing
    again while one is pending does nothing (a CoA takes the newest rate)."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    kind = ActionKind.COA if rate_limit else ActionKind.DISCONNECT
    stmt = insert(RouterAction).values(
        router_id=rs.router_id,
        kind=kind.value,
        radius_session_id=rs.id,
        username=rs.username,
        acct_session_id=rs.acct_session_id,
        framed_ip=rs.framed_ip,
        mac=rs.mac,
        rate_limit=rate_limit,
        reason=reason,
        state=ActionState.PENDING.value,
        next_attempt_at=now,
        created_at=now,
    )
    keys = ["router_id", "kind", "acct_session_id", "username"]
    pending = RouterAction.state == ActionState.PENDING.value
    if rate_limit:
        stmt = stmt.on_conflict_do_update(
            index_elements=keys,
            index_where=pending,
            set_={"rate_limit": stmt.excluded.rate_limit},
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys, index_where=pending)
    session.execute(stmt)


def queue_for_sessions(
    session: Session,
    sessions: Iterable[RadiusSession],
    reason: str,
    now: dt.datetime,
    *,
    rate_limit: str | None = None,
) -> int:
    count = 0
    for rs in sessions:
        queue_action(session, rs, reason, now, rate_limit=rate_limit)
        count += 1
    return count


@dataclass(frozen=True)
class Claimed:
    """An action taken for sending, with what sending it needs."""

    id: int
    router_id: int
    kind: str
    ref: SessionRef
    rate_limit: str | None
    attempts: int
    target: CoaTarget
    coa_enabled: bool
    #: The RouterOS API, when the router has one configured.
    api: ApiAccess | None = None


#: Sends one action; returns its outcome (tests and benchmarks may pass their own).
Sender = Callable[[Claimed, float, int], CoaResult]


def send_with_coa(action: Claimed, timeout: float, retries: int) -> CoaResult:
    """Disconnect/CoA to the router's incoming RADIUS; a Disconnect that gets no
    ACK there (or a router whose incoming RADIUS is off) falls back to the RouterOS
    API: ``/ip/hotspot/active/remove`` and the device's cookies."""
    result = None
    if action.coa_enabled:
        result = coa_send(
            action.target,
            action.ref,
            rate_limit=action.rate_limit if action.kind == ActionKind.COA else None,
            timeout=timeout,
            retries=retries,
        )
        if result.outcome == "ack" or result.session_gone:
            return result
    if action.api is None or action.kind != ActionKind.DISCONNECT:
        return result or CoaResult("error", detail="incoming RADIUS is off")
    return _remove_by_api(action, result)


def _remove_by_api(action: Claimed, coa: CoaResult | None) -> CoaResult:
    assert action.api is not None
    before = f"{coa.describe()}, then " if coa else ""
    try:
        with RouterApi(action.api) as api:
            removed = api.remove_active(action.ref.username, action.ref.framed_ip)
    except RouterApiError as exc:
        return CoaResult("error", detail=f"{before}API: {exc}")
    if not removed:
        return CoaResult(
            "nak", error_cause=SESSION_CONTEXT_NOT_FOUND, detail=f"{before}API: gone"
        )
    return CoaResult("api", detail=f"{before}removed by the API")


#: The last_error of an action dropped because its session was closed first.
CLOSED_BEFORE_SENDING = "session closed before sending"


def drop_closed(
    session: Session, now: dt.datetime, router_ids: list[int] | None = None
) -> int:
    """End, unsent, the pending actions whose session is closed (a Disconnect has
    nothing left to cut, a CoA nothing to slow down); rows another sender holds
    are skipped. Returns how many."""
    closed = (
        select(RouterAction.id)
        .join(RadiusSession, RadiusSession.id == RouterAction.radius_session_id)
        .where(
            RouterAction.state == ActionState.PENDING.value,
            RadiusSession.stopped_at.is_not(None),
            (RouterAction.claimed_until.is_(None))
            | (RouterAction.claimed_until <= now),
        )
        .with_for_update(of=RouterAction, skip_locked=True)
    )
    if router_ids is not None:
        closed = closed.where(RouterAction.router_id.in_(router_ids))
    result = session.execute(
        update(RouterAction)
        .where(RouterAction.id.in_(closed.scalar_subquery()))
        .values(
            state=ActionState.DONE.value,
            result="gone",
            last_error=CLOSED_BEFORE_SENDING,
            claimed_until=None,
            done_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim_due(
    session: Session,
    now: dt.datetime,
    limit: int,
    router_ids: list[int] | None = None,
) -> list[Claimed]:
    """Take up to ``limit`` due actions (``router_ids``: of these routers only) for
    :data:`LEASE`, skipping rows another sender holds."""
    query = (
        select(RouterAction, Router)
        .join(Router, Router.id == RouterAction.router_id)
        .where(
            RouterAction.state == ActionState.PENDING.value,
            RouterAction.next_attempt_at <= now,
            (RouterAction.claimed_until.is_(None))
            | (RouterAction.claimed_until <= now),
        )
        .order_by(RouterAction.next_attempt_at, RouterAction.id)
        .limit(limit)
        .with_for_update(of=RouterAction, skip_locked=True)
    )
    if router_ids is not None:
        query = query.where(RouterAction.router_id.in_(router_ids))
    rows = session.execute(query).all()
    claimed = []
    for action, router in rows:
        action.claimed_until = now + LEASE
        claimed.append(
            Claimed(
                id=action.id,
                router_id=router.id,
                kind=action.kind,
                ref=SessionRef(
                    action.username,
                    action.acct_session_id,
                    str(action.framed_ip) if action.framed_ip else None,
                    action.mac,
                ),
                rate_limit=action.rate_limit,
                attempts=action.attempts,
                target=CoaTarget(
                    str(router.ip_address), router.coa_port, router.radius_secret
                ),
                coa_enabled=router.coa_enabled,
                api=api_access(router),
            )
        )
    session.flush()
    return claimed


def api_access(router: Router) -> ApiAccess | None:
    if not (router.api_port and router.api_username):
        return None
    return ApiAccess(
        str(router.ip_address),
        router.api_port,
        router.api_username,
        router.api_password or "",
    )


def backoff(attempts: int) -> dt.timedelta:
    """The wait before attempt ``attempts + 1``."""
    return dt.timedelta(seconds=min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_MAX))


def record(
    session: Session, action: Claimed, result: CoaResult, now: dt.datetime
) -> str:
    """Store one outcome; returns the action's new state."""
    attempts = action.attempts + 1
    values: dict[str, object] = {
        "attempts": attempts,
        "claimed_until": None,
        "result": "gone" if result.session_gone else result.outcome,
        "last_error": "" if result.outcome == "ack" else result.describe()[:200],
    }
    if result.outcome in ("ack", "api") or result.session_gone:
        values.update(state=ActionState.DONE.value, done_at=now)
    elif attempts >= MAX_ATTEMPTS:
        values.update(state=ActionState.FAILED.value, done_at=now)
    else:
        values.update(next_attempt_at=now + backoff(attempts))
    session.execute(
        update(RouterAction).where(RouterAction.id == action.id).values(**values)
    )
    return str(values.get("state", ActionState.PENDING.value))


def release(session: Session, action: Claimed, now: dt.datetime, why: str) -> None:
    """Give an action back unsent (its router did not answer another one)."""
    session.execute(
        update(RouterAction)
        .where(RouterAction.id == action.id)
        .values(
            claimed_until=None,
            next_attempt_at=now + backoff(max(action.attempts, 1)),
            last_error=why[:200],
        )
    )


@dataclass
class SendReport:
    sent: int = 0
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict[str, int]:
        return {"claimed": self.sent, **dict(self.counts)}


def _send_router(
    factory: sessionmaker[Session],
    actions: list[Claimed],
    now: dt.datetime,
    sender: Sender,
    timeout: float,
    retries: int,
) -> dict[str, int]:
    """One router's actions in turn; after a timeout the rest wait for a later run.
    The results are stored in a transaction of their own once the I/O is done."""
    outcomes: list[tuple[Claimed, CoaResult | None]] = []
    unreachable = False
    for action in actions:
        if unreachable:
            outcomes.append((action, None))
            continue
        result = sender(action, timeout, retries)
        unreachable = result.outcome == "timeout"
        outcomes.append((action, result))
    counts: dict[str, int] = defaultdict(int)
    with transaction(factory) as session:
        for action, outcome in outcomes:
            if outcome is None:
                release(session, action, now, "router did not answer")
                counts["deferred"] += 1
            else:
                record(session, action, outcome, now)
                counts["gone" if outcome.session_gone else outcome.outcome] += 1
    return counts


def send_due(
    factory: sessionmaker[Session],
    now: dt.datetime,
    *,
    sender: Sender = send_with_coa,
    limit: int = 2000,
    workers: int = 16,
    timeout: float = 2.0,
    retries: int = 2,
    router_ids: list[int] | None = None,
) -> SendReport:
    """Send the due actions (``router_ids``: of these routers only): at most
    ``workers`` routers at once."""
    with transaction(factory) as session:
        closed = drop_closed(session, now, router_ids)
        claimed = claim_due(session, now, limit, router_ids)
    report = SendReport(sent=len(claimed))
    if closed:
        report.counts["closed"] = closed
    if not claimed:
        return report
    by_router: dict[int, list[Claimed]] = defaultdict(list)
    for action in claimed:
        by_router[action.router_id].append(action)
    with ThreadPoolExecutor(
        max_workers=max(1, min(workers, len(by_router))),
        thread_name_prefix="router-actions",
    ) as pool:
        futures = [
            pool.submit(_send_router, factory, acts, now, sender, timeout, retries)
            for acts in by_router.values()
        ]
        for future in futures:
            for key, n in future.result().items():
                report.counts[key] += n
    return report


def router_status(
    session: Session, routers: list[Router]
) -> dict[int, dict[str, object]]:
    """Per router: pending and failed actions, the last failure and the last success."""
    ids = [r.id for r in routers]
    status: dict[int, dict[str, object]] = {
        i: {"pending": 0, "failed": 0, "last_error": "", "last_ok": None} for i in ids
    }
    counts = session.execute(
        select(RouterAction.router_id, RouterAction.state, func.count())
        .where(RouterAction.router_id.in_(ids))
        .where(RouterAction.state.in_(("pending", "failed")))
        .group_by(RouterAction.router_id, RouterAction.state)
    )
    for router_id, state, n in counts:
        status[router_id][state] = n
    errors = session.execute(
        select(RouterAction.router_id, RouterAction.last_error)
        .where(RouterAction.router_id.in_(ids), RouterAction.last_error != "")
        .order_by(RouterAction.router_id, RouterAction.id.desc())
        .ext(distinct_on(RouterAction.router_id))
    )
    for router_id, error in errors:
        status[router_id]["last_error"] = error
    oks = session.execute(
        select(RouterAction.router_id, func.max(RouterAction.done_at))
        .where(RouterAction.router_id.in_(ids), RouterAction.state == "done")
        .group_by(RouterAction.router_id)
    )
    for router_id, when in oks:
        status[router_id]["last_ok"] = when.isoformat() if when else None
    return status


@dataclass(frozen=True)
class SessionAction:
    """The newest action queued for a session, as ``hotspot router status`` counts
    it: pending (queued, perhaps retried), done (sent) or failed."""

    kind: str
    state: str
    result: str | None
    last_error: str
    rate_limit: str | None
    attempts: int


def session_actions(
    session: Session, session_ids: list[int]
) -> dict[int, SessionAction]:
    """Per session id: its newest action (sessions with none are absent)."""
    if not session_ids:
        return {}
    rows = session.scalars(
        select(RouterAction)
        .where(RouterAction.radius_session_id.in_(session_ids))
        .order_by(RouterAction.radius_session_id, RouterAction.id.desc())
        .ext(distinct_on(RouterAction.radius_session_id))
    )
    return {
        int(a.radius_session_id or 0): SessionAction(
            a.kind, a.state, a.result, a.last_error, a.rate_limit, a.attempts
        )
        for a in rows
    }
