"""Hotel registrations and ticket lists in the cabinet: the document logins
(filters, masking, CSV) and the registrations a venue enters (add, import,
remove), with their role checks and audit rows."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import AuditEntry, Identification, Registration
from tests import factories
from tests.portal.cabinet_helpers import log_in, make_account
from tests.portal.test_cabinet import tenants  # noqa: F401 - the shared fixture


def _identification(s, owner_id, router_id, kind, ref, name, at):
    s.add(
        Identification(
            owner_id=owner_id,
            router_id=router_id,
            method=kind,
            subject=f"{kind}-1",
            reference=f"{kind} {ref} / {name}",
            mac="02:00:00:00:00:09",
            expires_at=at + dt.timedelta(hours=24),
            created_at=at,
        )
    )


def test_document_logins_filtered_masked_and_exported(app, session_factory, tenants):  # noqa: F811
    a = tenants["a"]
    now = utcnow()
    with transaction(session_factory) as s:
        other = factories.router(s, s.merge(a.owner))
        _identification(
            s, a.owner.id, a.ids["router_id"], "hotel", "412", "TOSHMATOVA", now
        )
        _identification(
            s,
            a.owner.id,
            other.id,
            "ticket",
            "HY7765432",
            "ABDULLAEV",
            now - dt.timedelta(days=3),
        )
        _identification(
            s,
            tenants["b"].owner.id,
            tenants["b"].ids["router_id"],
            "hotel",
            "999",
            "BSURNAME",
            now,
        )
        # A phone login is not a document login.
        s.add(
            Identification(
                owner_id=a.owner.id,
                router_id=a.ids["router_id"],
                method="sms",
                subject="998901110077",
                reference="998901110077",
                mac="02:00:00:00:00:0a",
                expires_at=now + dt.timedelta(hours=24),
                created_at=now,
            )
        )
    client = app.test_client()
    log_in(client, make_account(session_factory, "manager", a.owner).email)
    page = client.get("/cabinet/documents")
    assert page.status_code == 200
    assert "412" in page.text and "T*********" in page.text
    assert "HY*****32" in page.text and "A********" in page.text
    assert "TOSHMATOVA" not in page.text and "HY7765432" not in page.text
    assert "B*******" not in page.text and "998901110077" not in page.text
    hotel = client.get("/cabinet/documents?kind=ticket").text
    assert "HY*****32" in hotel and "412" not in hotel
    by_router = client.get(f"/cabinet/documents?router={other.id}").text
    assert "HY*****32" in by_router and ">412<" not in by_router
    # The owner's days (Asia/Tashkent).
    today = now.astimezone(ZoneInfo("Asia/Tashkent")).date().isoformat()
    recent = client.get(f"/cabinet/documents?from={today}&to={today}").text
    assert ">412<" in recent and "HY*****32" not in recent
    csv = client.get("/cabinet/documents?format=csv")
    assert csv.mimetype == "text/csv"
    lines = csv.text.strip().splitlines()
    assert lines[0] == "at,kind,reference,surname,mac,router,expires"
    assert len(lines) == 3 and "TOSHMATOVA" not in csv.text and "HY*****32" in csv.text


def test_registrations_add_import_remove_audited(app, session_factory, tenants):  # noqa: F811
    a = tenants["a"]
    who = make_account(session_factory, "manager", a.owner)
    client = app.test_client()
    log_in(client, who.email)
    added = client.post(
        "/cabinet/registrations",
        data={
            "kind": "hotel",
            "reference": "  305 ",
            "surname": "Yusupova",
            "valid_from": "2026-12-01T14:00",
            "valid_until": "2026-12-03T12:00",
        },
    )
    assert added.status_code == 302
    with session_factory() as s:
        reg = s.scalar(
            select(Registration).where(
                Registration.owner_id == a.owner.id, Registration.reference == "305"
            )
        )
    assert reg.surname == "YUSUPOVA"
    # Typed in the venue's time (Asia/Tashkent, UTC+5).
    assert reg.valid_from == dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    backwards = client.post(
        "/cabinet/registrations",
        data={
            "kind": "hotel",
            "reference": "306",
            "surname": "X",
            "valid_from": "2026-12-03T14:00",
            "valid_until": "2026-12-01T12:00",
        },
        follow_redirects=True,
    )
    assert "valid_until must be after valid_from" in backwards.text
    good = (
        b"reference,surname,valid_from,valid_until\n"
        b"HY100200,Aliev,2026-12-01,2026-12-09\n"
    )
    done = client.post(
        "/cabinet/registrations/import",
        data={"kind": "ticket", "file": (io.BytesIO(good), "t.csv")},
        follow_redirects=True,
    )
    assert "Imported 1 registrations." in done.text
    bad = good + b"HY100201,Aliev,not a date,2026-12-09\n"
    refused = client.post(
        "/cabinet/registrations/import",
        data={"kind": "ticket", "file": (io.BytesIO(bad), "t.csv")},
        follow_redirects=True,
    )
    assert "Nothing imported" in refused.text and "line 3" in refused.text
    page = client.get("/cabinet/registrations?kind=ticket")
    assert "HY100200" in page.text and "A****" in page.text and "ALIEV" not in page.text
    exported = client.get("/cabinet/registrations?kind=ticket&format=csv").text
    assert exported.splitlines()[0] == "reference,surname,valid_from,valid_until"
    assert "HY100200,ALIEV,2026-12-01T00:00:00+05:00" in exported
    # B's registration is not A's to remove.
    b_reg = tenants["b"].ids["registration_id"]
    assert client.post(f"/cabinet/registrations/{b_reg}/remove").status_code == 404
    assert client.post(f"/cabinet/registrations/{reg.id}/remove").status_code == 302
    with session_factory() as s:
        assert s.get(Registration, reg.id) is None
        assert s.get(Registration, b_reg) is not None
        actions = set(
            s.scalars(select(AuditEntry.action).where(AuditEntry.actor == who.email))
        )
        details = " ".join(
            str(d)
            for d in s.scalars(
                select(AuditEntry.detail).where(AuditEntry.actor == who.email)
            )
        )
    assert {"registration.add", "registration.import", "registration.remove"} <= actions
    assert "YUSUPOVA" not in details


def test_cashier_sees_no_documents(app, session_factory, tenants):  # noqa: F811
    client = app.test_client()
    log_in(client, make_account(session_factory, "cashier", tenants["a"].owner).email)
    for path in ("/cabinet/documents", "/cabinet/registrations"):
        assert client.get(path).status_code == 403, path
    rid = tenants["a"].ids["registration_id"]
    assert client.post(f"/cabinet/registrations/{rid}/remove").status_code == 403
    with session_factory() as s:
        assert s.get(Registration, rid) is not None


def test_a_guest_logs_in_with_what_the_cabinet_entered(app, session_factory, tenants):  # noqa: F811
    """End to end: the owner enters a room in the venue's time, a guest behind
    the router logs in with it, the login is listed (masked)."""
    from hotspot.models import Owner, Router
    from hotspot.venues import update_settings
    from tests.portal.conftest import behind, router_post

    a = tenants["a"]
    owner = app.test_client()
    log_in(owner, make_account(session_factory, "owner", a.owner).email)
    # After make_account, which merges the fixture's (older) owner.
    with transaction(session_factory) as s:
        update_settings(s, s.get(Owner, a.owner.id), {"documents": "hotel"})
        router = s.get(Router, a.ids["router_id"])
    local = utcnow().astimezone(ZoneInfo("Asia/Tashkent")).replace(tzinfo=None)
    owner.post(
        "/cabinet/registrations",
        data={
            "kind": "hotel",
            "reference": "7-12",
            "surname": "Karimova",
            "valid_from": (local - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "valid_until": (local + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    guest = behind(app.test_client(), router)
    assert guest.post("/login", data=router_post(router)).status_code == 200
    done = guest.post(
        "/login/document",
        data={"kind": "hotel", "reference": "712", "surname": " karimova "},
    )
    assert done.status_code == 200, re.findall(r"id=\"error\">([^<]*)", done.text)
    assert 'id="router-login"' in done.text
    listed = owner.get("/cabinet/documents?kind=hotel").text
    assert ">712<" in listed and "K*******" in listed and "KARIMOVA" not in listed
