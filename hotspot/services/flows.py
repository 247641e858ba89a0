"""The flow log: which identified person reached which address when.

pmacct's nfacctd (flows/nfacctd.conf) writes one row per exported flow into
``flows``, partitioned by day on the flow's start (UTC, no zone, as nfacctd writes).
Here: the partition upkeep (days created ahead, days past retention dropped — never
a DELETE of the day tables), and the reports.

Flows are linked to sessions **at query time**, by router (the exporter's address is
the router's registered address) + client address (the session's Framed-IP) + time
(the latest session of that address started before the flow, not stopped before
it). Nothing is written per flow: ingest stays one COPY, and a Start, Interim or
Stop stored late (accounting spooled on the router or in FreeRADIUS) links its
flows at the next query. A flow no session explains is kept and reported with
``matched: false``. The flow log must not outlive the sessions that explain it:
``HOTSPOT_RETENTION_FLOW_DAYS`` <= ``HOTSPOT_RETENTION_SESSION_DAYS``.

Only the operator reaches this (the CLI; no owner URL serves it), and every search
is written to the audit log with who ran it and why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..models import PurgeLog
from . import audit

log = logging.getLogger(__name__)

#: Day-partitioned tables and the column they are partitioned on.
PARTITIONED = {"flows": "timestamp_start", "dns_names": "seen_at"}
#: Slack between a session's times (RADIUS) and its flows' (the router's clock).
GRACE = dt.timedelta(seconds=60)
DAY = dt.timedelta(days=1)


def _utc(value: dt.datetime) -> dt.datetime:
    """A naive UTC time, as the flow tables store it."""
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def partition_name(table: str, day: dt.date) -> str:
    return f"{table}_{day:%Y%m%d}"


# -- partition upkeep ------------------------------------------------------------
def _create_partition(session: Session, table: str, day: dt.date) -> None:
    """Create one day, moving in what the default partition holds of it (a
    function with the owner's rights: migrations/sql/0013_functions.sql)."""
    session.execute(
        text("SELECT hotspot_flow_partition_create(:t, :d)"), {"t": table, "d": day}
    )


def day_partitions(session: Session, table: str) -> dict[dt.date, str]:
    rows = session.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = CAST(:t AS regclass)"
        ),
        {"t": table},
    ).scalars()
    days = {}
    for name in rows:
        suffix = name.removeprefix(f"{table}_")
        if suffix.isdigit():
            days[dt.datetime.strptime(suffix, "%Y%m%d").date()] = name
    return days


def ensure_partitions(session: Session, now: dt.datetime, ahead: int) -> list[str]:
    """Day partitions from yesterday to ``ahead`` days on; returns those created."""
    created = []
    today = _utc(now).date()
    for table in PARTITIONED:
        have = day_partitions(session, table)
        for n in range(-1, ahead + 1):
            day = today + n * DAY
            if day not in have:
                _create_partition(session, table, day)
                created.append(partition_name(table, day))
    return created


def _rows_estimate(session: Session, name: str) -> int:
    """Planner's row count of a partition (exact when never analysed): counting
    a day of a busy installation would read the whole day."""
    estimate = session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:n AS regclass)"),
        {"n": name},
    ).scalar_one()
    if estimate is not None and estimate >= 0:
        return int(estimate)
    return int(session.execute(text(f"SELECT count(*) FROM {name}")).scalar_one())  # noqa: S608


def drop_expired_partitions(session: Session, now: dt.datetime, days: int) -> int:
    """Drop the day partitions wholly older than ``days``; recorded in purge_log.
    Strays in the default partition (wrong exporter clocks) are deleted."""
    if days <= 0:
        return 0
    cutoff = _utc(now) - days * DAY
    dropped = 0
    for table, column in PARTITIONED.items():
        removed, days_dropped = 0, 0
        for day, name in sorted(day_partitions(session, table).items()):
            if dt.datetime.combine(day + DAY, dt.time()) <= cutoff:
                removed += _rows_estimate(session, name)
                session.execute(
                    text("SELECT hotspot_flow_partition_drop(:t, :d)"),
                    {"t": table, "d": day},
                )
                days_dropped += 1
        strays = session.execute(
            text(f"DELETE FROM {table}_default WHERE {column} < :c"),  # noqa: S608
            {"c": cutoff},
        )
        removed += int(strays.rowcount or 0)  # type: ignore[attr-defined]
        dropped += days_dropped
        if removed or days_dropped:
            session.add(
                PurgeLog(
                    table_name=table,
                    cutoff=cutoff.replace(tzinfo=dt.UTC),
                    deleted=removed,
                    purged_at=now,
                )
            )
            log.info(
                "flows: dropped %d days of %s older than %s (a legal record)",
                days_dropped,
                table,
                cutoff,
            )
    return dropped


# -- reports ---------------------------------------------------------------------
#: The session that explains a flow ``f``: the router that exported it, the latest
#: session of the flow's client address on it started before the flow and not
#: stopped before it; then who that session's user was (identification).
_LINK = """
LEFT JOIN routers r ON r.ip_address = f.peer_ip_src
LEFT JOIN LATERAL (
    SELECT s.id, s.acct_session_id, s.username, s.mac, s.started_at, s.stopped_at
    FROM radius_sessions s
    WHERE s.router_id = r.id AND s.framed_ip = f.ip_src
      AND (s.started_at AT TIME ZONE 'UTC') <= f.timestamp_start + :grace
      AND (s.stopped_at IS NULL
           OR (s.stopped_at AT TIME ZONE 'UTC') >= f.timestamp_start - :grace)
    ORDER BY s.started_at DESC LIMIT 1) s ON TRUE
LEFT JOIN LATERAL (
    SELECT i.method, i.reference, i.subject FROM identifications i
    WHERE i.owner_id = r.owner_id AND i.login = s.username) i ON TRUE
LEFT JOIN LATERAL (
    SELECT d.name FROM dns_names d
    WHERE d.address = f.ip_dst AND d.client_ip = f.ip_src
      AND d.router_ip = f.peer_ip_src
      AND d.seen_at BETWEEN f.timestamp_start - interval '1 hour'
                        AND f.timestamp_start + :grace
    ORDER BY d.seen_at DESC LIMIT 1) d ON TRUE
"""

_COLUMNS = """
f.timestamp_start AS start, f.timestamp_end AS "end", r.nas_identifier AS router,
host(f.ip_src) AS client, host(f.ip_dst) AS dst, f.port_src AS sport,
f.port_dst AS dport, f.ip_proto AS proto, f.packets, f.bytes, d.name AS dst_name,
s.id IS NOT NULL AS matched, s.acct_session_id,
coalesce(i.subject, s.username) AS username, s.mac,
i.method, i.reference
"""


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInput("the period ends before it starts", "bad_period")

    def params(self) -> dict[str, Any]:
        return {"lo": _utc(self.start), "hi": _utc(self.end), "grace": GRACE}


#: The RADIUS user names of ``:subjects`` (phones, documents, cards): themselves, and
#: the login names of their identifications (an identified guest's sessions carry
#: those, hotspot.models.identification.new_login).
_NAMES = """(SELECT unnest(CAST(:subjects AS text[]))
 UNION ALL SELECT login FROM identifications WHERE subject = ANY(:subjects))"""


def _rows(session: Session, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(m) for m in session.execute(text(sql), params).mappings()]


def moment(value: str) -> dt.datetime:
    """An ISO 8601 time as the operator types it; no zone: UTC."""
    try:
        t = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput("not a time: %(value)r", "bad_time", value=value) from exc
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


#: The columns of a flow report's CSV (the CLI's --csv and the admin's download).
REPORT_FIELDS = (
    "start",
    "end",
    "router",
    "client",
    "dst",
    "dst_name",
    "sport",
    "dport",
    "proto",
    "bytes",
    "packets",
    "matched",
    "username",
    "mac",
    "method",
    "reference",
    "acct_session_id",
)


def subject_of(phone: str | None = None, card: str | None = None) -> str:
    """The RADIUS user name of a phone (E.164 digits) or a card."""
    if phone:
        digits = "".join(ch for ch in phone if ch.isdigit())
        if len(digits) < 7:
            raise InvalidInput(
                "not a phone number: %(phone)r", "bad_phone", phone=phone
            )
        return digits
    if card:
        return card.strip().upper()
    raise InvalidInput("name a phone, a document or a card", "no_subject")


def subjects_of_document(session: Session, document: str) -> list[str]:
    """User names whose identification names this document."""
    return list(
        session.execute(
            text(
                "SELECT DISTINCT subject FROM identifications"
                " WHERE reference ILIKE :p OR subject = :d"
            ),
            {"p": f"%{document}%", "d": document},
        ).scalars()
    )


def flows_of_subjects(
    session: Session, subjects: list[str], period: Period
) -> list[dict[str, Any]]:
    """Every flow of the sessions of these user names in the period."""
    sql = f"""
    SELECT {_COLUMNS} FROM radius_sessions s0
    JOIN routers r0 ON r0.id = s0.router_id
    JOIN flows f ON f.peer_ip_src = r0.ip_address AND f.ip_src = s0.framed_ip
      AND f.timestamp_start >= greatest(:lo,
            (s0.started_at AT TIME ZONE 'UTC') - :grace)
      AND f.timestamp_start < least(:hi,
            coalesce(s0.stopped_at AT TIME ZONE 'UTC', :hi) + :grace)
    {_LINK}
    WHERE s0.username IN {_NAMES} AND s.id = s0.id
      AND (s0.started_at AT TIME ZONE 'UTC') < :hi
      AND (s0.stopped_at IS NULL OR (s0.stopped_at AT TIME ZONE 'UTC') >= :lo)
    ORDER BY f.timestamp_start
    """  # noqa: S608
    return _rows(session, sql, {**period.params(), "subjects": subjects})


def addresses_of_name(session: Session, name: str, period: Period) -> list[str]:
    return list(
        session.execute(
            text(
                "SELECT DISTINCT host(address) FROM dns_names WHERE name = :n"
                " AND address IS NOT NULL AND seen_at < :hi"
                " AND seen_at >= CAST(:lo AS timestamp) - interval '1 day'"
            ),
            {"n": name.lower().rstrip("."), **period.params()},
        ).scalars()
    )


def flows_to(session: Session, dst: str, period: Period) -> list[dict[str, Any]]:
    """Every flow to an address (or a name the routers' DNS resolved) in the
    period, each with the session and person behind it, or ``matched: false``."""
    try:
        import ipaddress

        addresses = [str(ipaddress.ip_address(dst))]
    except ValueError:
        addresses = addresses_of_name(session, dst, period)
    sql = f"""
    SELECT {_COLUMNS} FROM flows f {_LINK}
    WHERE f.ip_dst = ANY(CAST(:dsts AS inet[]))
      AND f.timestamp_start >= :lo AND f.timestamp_start < :hi
    ORDER BY f.timestamp_start
    """  # noqa: S608
    return _rows(session, sql, {**period.params(), "dsts": addresses})


def report(
    session: Session,
    actor: str,
    reason: str,
    period: Period,
    *,
    subject: str | None = None,
    document: str | None = None,
    dst: str | None = None,
) -> list[dict[str, Any]]:
    """A search of the flow log, audited (who, what, why) in the same transaction."""
    detail: dict[str, Any] = {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
    }
    if dst:
        detail["dst"] = dst
        rows = flows_to(session, dst, period)
    else:
        subjects = subjects_of_document(session, document) if document else []
        if subject:
            subjects.append(subject)
        detail.update(subject=subject, document=document)
        rows = flows_of_subjects(session, subjects, period)
    detail["rows"] = len(rows)
    audit.record_search(session, actor, "flows.report", detail, reason)
    return rows


def _identity_rows(
    session: Session, subjects: list[str], period: Period
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    params = {**period.params(), "subjects": subjects}
    idents = _rows(
        session,
        "SELECT i.created_at, i.expires_at, i.method, i.subject, i.reference, i.mac,"
        " r.nas_identifier AS router FROM identifications i"
        " LEFT JOIN routers r ON r.id = i.router_id WHERE i.subject = ANY(:subjects)"
        " AND (i.created_at AT TIME ZONE 'UTC') < :hi"
        " AND (i.expires_at AT TIME ZONE 'UTC') >= :lo ORDER BY i.created_at",
        params,
    )
    sessions = _rows(
        session,
        "SELECT s.acct_session_id, coalesce(i.subject, s.username) AS username,"
        " s.mac, host(s.framed_ip) AS framed_ip,"
        " s.started_at, s.stopped_at, s.input_octets, s.output_octets,"
        " s.terminate_cause, r.nas_identifier AS router FROM radius_sessions s"
        " JOIN routers r ON r.id = s.router_id"
        " LEFT JOIN identifications i ON i.login = s.username"
        f" WHERE s.username IN {_NAMES}"  # noqa: S608
        " AND (s.started_at AT TIME ZONE 'UTC') < :hi AND (s.stopped_at IS NULL"
        " OR (s.stopped_at AT TIME ZONE 'UTC') >= :lo) ORDER BY s.started_at",
        params,
    )
    return idents, sessions


def evidence(
    session: Session,
    actor: str,
    reason: str,
    period: Period,
    *,
    subject: str | None = None,
    document: str | None = None,
) -> tuple[bytes, str]:
    """One person's identifications, sessions and flows in the period as one JSON
    document, and its SHA-256; audited."""
    subjects = subjects_of_document(session, document) if document else []
    if subject:
        subjects.append(subject)
    idents, sessions = _identity_rows(session, subjects, period)
    flows = flows_of_subjects(session, subjects, period)
    document_body = {
        "subject": subject,
        "document": document,
        "subjects": subjects,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "identifications": idents,
        "sessions": sessions,
        "flows": flows,
    }
    body = json.dumps(document_body, indent=1, sort_keys=True, default=str).encode()
    digest = hashlib.sha256(body).hexdigest()
    detail = {
        "subject": subject,
        "document": document,
        "from": document_body["from"],
        "to": document_body["to"],
        "flows": len(flows),
        "sha256": digest,
    }
    audit.record_search(session, actor, "flows.evidence", detail, reason)
    return body, digest
