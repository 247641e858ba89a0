"""Keyset paging of the live sessions: every session once, in order, forwards,
backwards and from the last page; the same start time does not lose rows."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import RadiusSession
from tests import factories
from tests.portal.cabinet_helpers import log_in, make_account

COUNT = 123  # 50 + 50 + 23


def _seed(session_factory):
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner)
        base = utcnow() - dt.timedelta(hours=1)
        ids = []
        for i in range(COUNT):
            # Pairs share a start time: the id breaks the tie.
            started = base + dt.timedelta(seconds=i // 2)
            rs = RadiusSession(
                router_id=router.id,
                acct_session_id=uuid.uuid4().hex[:12],
                username=f"card{i:04d}",
                started_at=started,
                updated_at=started,
            )
            s.add(rs)
            s.flush()
            ids.append(rs.id)
    return owner, ids[::-1]  # newest first


def _ids(page: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr data-session="(\d+)">', page)]


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_pages_forward_back_and_last(app, session_factory):
    owner, newest_first = _seed(session_factory)
    web = app.test_client()
    log_in(web, make_account(session_factory, "owner", owner).email)
    page = web.get("/cabinet/sessions").text
    assert f"{COUNT} in all" in page
    assert _link(page, "prev") is None
    seen, pages = [], [page]
    while True:
        seen += _ids(page)
        nxt = _link(page, "next")
        if nxt is None:
            break
        page = web.get(nxt).text
        pages.append(page)
    assert seen == newest_first
    assert len(pages) == 3
    # Back from the last page reaches the second one exactly.
    back = web.get(_link(pages[2], "prev")).text
    assert _ids(back) == _ids(pages[1])
    # "Last" shows the oldest 50, oldest at the bottom; nothing older.
    last = web.get(_link(pages[0], "last")).text
    assert _ids(last) == newest_first[-50:]
    assert _link(last, "next") is None
    assert _ids(web.get(_link(last, "prev")).text) == newest_first[-100:-50]
    # Past the oldest: an empty page that still leads back to the first.
    oldest = web.get("/cabinet/sessions?before=2000-01-01T00:00:00%2B00:00~1").text
    assert _ids(oldest) == [] and _link(oldest, "first") == "/cabinet/sessions"
    assert _link(pages[0], "first") is None  # the first page itself
    # A cursor that is not one is the first page.
    assert _ids(web.get("/cabinet/sessions?before=nonsense").text) == newest_first[:50]


def test_sms_and_audit_lists_page_by_key(app, session_factory):
    """The SMS history and the audit log share the helper: forwards, then the
    last page, each row once."""
    from hotspot.models import SmsMessage
    from hotspot.services.audit import record

    with transaction(session_factory) as s:
        owner = factories.owner(s)
        at = utcnow() - dt.timedelta(hours=2)
        for i in range(70):
            s.add(
                SmsMessage(
                    owner_id=owner.id,
                    phone=f"99890{i:07d}",
                    template="otp",
                    client_ref=uuid.uuid4().hex,
                    status="sent",
                    created_at=at + dt.timedelta(seconds=i // 3),
                )
            )
            record(s, "boss@example.com", f"step.{i:02d}", {}, owner_id=owner.id, at=at)
    web = app.test_client()
    log_in(web, make_account(session_factory, "owner", owner).email)
    for path, pattern in (
        ("/cabinet/sms", r"99890\*+(\d\d)<"),
        ("/cabinet/audit", r"<td>step\.(\d\d)</td>"),
    ):
        first = web.get(path).text
        second = web.get(_link(first, "next")).text
        seen = re.findall(pattern, first) + re.findall(pattern, second)
        assert len(seen) == 70 and len(set(seen)) == 70, path
        assert _link(second, "next") is None
        last = web.get(_link(first, "last")).text
        assert re.findall(pattern, last) == re.findall(pattern, first + second)[-50:]
