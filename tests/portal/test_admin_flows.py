"""The operator's flow report in the admin: the CLI's audited service behind a
form that requires a reason, with CSV and evidence downloads; owners get 403."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

import pytest
from sqlalchemy import select, text

from hotspot.db import transaction
from hotspot.models import AuditEntry, RadiusSession

from .cabinet_helpers import log_in, make_account

DST = "198.51.100.21"
CLIENT = "10.21.0.7"
PHONE = "998901112121"
AT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def seeded(session_factory, place):
    sid = f"admin-flows-{uuid.uuid4().hex[:6]}"
    with transaction(session_factory) as s:
        s.add(
            RadiusSession(
                router_id=place.router.id,
                acct_session_id=sid,
                username=PHONE,
                framed_ip=CLIENT,
                started_at=AT - dt.timedelta(minutes=5),
                updated_at=AT,
            )
        )
        s.execute(
            text(
                "INSERT INTO flows (peer_ip_src, ip_src, ip_dst, port_src, port_dst,"
                " ip_proto, timestamp_start, timestamp_end, bytes) VALUES (:r, :c,"
                " :d, 50021, 443, 6, :t, :t, 2121)"
            ),
            {
                "r": str(place.router.ip_address),
                "c": CLIENT,
                "d": DST,
                "t": AT.replace(tzinfo=None),
            },
        )
    yield sid
    with transaction(session_factory) as s:
        s.execute(text("DELETE FROM flows WHERE ip_dst = :d"), {"d": DST})
        s.execute(
            text("DELETE FROM radius_sessions WHERE acct_session_id = :s"), {"s": sid}
        )


def _search(client, **fields):
    data = {
        "kind": "phone",
        "value": "+" + PHONE,
        "start": "2026-11-20T09:00",
        "end": "2026-11-20T11:00",
        "reason": "request 21",
        "output": "page",
        **fields,
    }
    return client.post("/admin/flows", data=data)


def _audit(session_factory, email):
    with session_factory() as s:
        return [
            (e.action, e.reason)
            for e in s.scalars(
                select(AuditEntry)
                .where(AuditEntry.actor == email, AuditEntry.action.like("flows.%"))
                .order_by(AuditEntry.id)
            )
        ]


def test_operator_searches_the_flow_log(app, session_factory, seeded):
    who = make_account(session_factory, "operator", None)
    client = app.test_client()
    log_in(client, who.email, "/admin/login")
    assert client.get("/admin/flows").status_code == 200

    refused = _search(client, reason="  ")
    assert refused.status_code == 200 and DST not in refused.text
    assert _audit(session_factory, who.email) == []

    page = _search(client)
    assert page.status_code == 200
    assert DST in page.text and PHONE in page.text and CLIENT in page.text
    by_dst = _search(client, kind="dst", value=DST, reason="request 22")
    assert PHONE in by_dst.text

    csv = _search(client, output="csv", reason="request 23")
    assert csv.mimetype == "text/csv"
    lines = csv.text.splitlines()
    assert lines[0].startswith("start,end,router,client,dst") and DST in lines[1]

    evidence = _search(client, output="evidence", reason="request 24")
    assert evidence.mimetype == "application/json"
    body = evidence.get_data()
    digest = hashlib.sha256(body).hexdigest()
    assert evidence.headers["X-Content-SHA256"] == digest
    assert [f["dst"] for f in json.loads(body)["flows"]] == [DST]

    assert _audit(session_factory, who.email) == [
        ("flows.report", "request 21"),
        ("flows.report", "request 22"),
        ("flows.report", "request 23"),
        ("flows.evidence", "request 24"),
    ]


def test_owners_have_no_flow_page(app, session_factory, place, seeded):
    staff = app.test_client()
    log_in(staff, make_account(session_factory, "owner", place.owner).email)
    assert staff.get("/admin/flows").status_code == 403
    assert _search(staff).status_code == 403
