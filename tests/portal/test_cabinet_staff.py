"""Owners manage their own staff in the cabinet: add, switch off and on, new
password, two-step login reset; managers and cashiers cannot; all audited."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from hotspot.db import transaction
from hotspot.models import Account, AuditEntry
from tests.portal.cabinet_helpers import PASSWORD, csrf, log_in, make_account
from tests.portal.test_cabinet import tenants  # noqa: F401 - the shared fixture


def _login_with(app, email: str, password: str):
    client = app.test_client()
    response = client.post(
        "/cabinet/login",
        data={
            "csrf_token": csrf(client, "/cabinet/login"),
            "email": email,
            "password": password,
        },
    )
    return client, response.status_code


def _shown_password(text: str) -> str:
    found = re.search(r"\(shown once\): (\S+)</p>", text)
    assert found, text[:2000]
    return found.group(1)


def test_owner_adds_disables_and_resets_a_manager(app, session_factory, tenants):  # noqa: F811
    a = tenants["a"]
    boss = make_account(session_factory, "owner", a.owner)
    owner = app.test_client()
    log_in(owner, boss.email)
    email = f"new-{uuid.uuid4().hex[:6]}@example.com"
    added = owner.post("/cabinet/staff", data={"email": email, "role": "manager"})
    assert added.status_code == 200 and added.headers["Cache-Control"] == "no-store"
    first = _shown_password(added.text)
    manager, status = _login_with(app, email, first)
    assert status == 302 and manager.get("/cabinet/sessions").status_code == 200
    with session_factory() as s:
        account = s.scalar(select(Account).where(Account.email == email))
    assert account.role == "manager" and account.owner_id == a.owner.id

    assert owner.post(f"/cabinet/staff/{account.id}/disable").status_code == 302
    assert manager.get("/cabinet/sessions").status_code == 302  # logged out
    assert _login_with(app, email, first)[1] == 401
    owner.post(f"/cabinet/staff/{account.id}/enable")
    assert _login_with(app, email, first)[1] == 302

    reset = owner.post(f"/cabinet/staff/{account.id}/password")
    second = _shown_password(reset.text)
    assert second != first and reset.headers["Cache-Control"] == "no-store"
    assert _login_with(app, email, first)[1] == 401
    assert _login_with(app, email, second)[1] == 302

    with transaction(session_factory) as s:
        s.get(Account, account.id).totp_enabled = True
        s.get(Account, account.id).totp_secret = "JBSWY3DPEHPK3PXP"
    assert "Reset two-step login" in owner.get("/cabinet/staff").text
    owner.post(f"/cabinet/staff/{account.id}/totp")
    with session_factory() as s:
        again = s.get(Account, account.id)
        assert not again.totp_enabled and again.totp_secret is None
        actions = [
            e.action
            for e in s.scalars(
                select(AuditEntry)
                .where(AuditEntry.actor == boss.email)
                .order_by(AuditEntry.id)
            )
        ]
    assert [x for x in actions if x != "account.login"] == [
        "account.add",
        "account.disable",
        "account.enable",
        "account.password",
        "account.totp_reset",
    ]


def test_owner_cannot_touch_owners_or_others(app, session_factory, tenants):  # noqa: F811
    a, b = tenants["a"], tenants["b"]
    other_owner = make_account(session_factory, "owner", a.owner)
    owner = app.test_client()
    log_in(owner, make_account(session_factory, "owner", a.owner).email)
    with session_factory() as s:
        peer = s.scalar(select(Account).where(Account.email == other_owner.email))
    b_manager = b.ids["account_id"]
    for target in (peer.id, b_manager):
        for action in ("disable", "password", "totp"):
            assert owner.post(f"/cabinet/staff/{target}/{action}").status_code == 404
    # No owner role on offer, and a forged one is refused.
    assert 'value="owner"' not in owner.get("/cabinet/staff").text
    forged = owner.post(
        "/cabinet/staff",
        data={"email": f"x-{uuid.uuid4().hex[:6]}@example.com", "role": "owner"},
    )
    assert "(shown once)" not in forged.text
    with session_factory() as s:
        assert s.get(Account, b_manager).disabled_at is None
        assert s.get(Account, peer.id).disabled_at is None


def test_manager_and_cashier_cannot_manage_staff(app, session_factory, tenants):  # noqa: F811
    a = tenants["a"]
    cashier = make_account(session_factory, "cashier", a.owner)
    with session_factory() as s:
        cashier_id = s.scalar(select(Account.id).where(Account.email == cashier.email))
    for role in ("manager", "cashier"):
        client = app.test_client()
        log_in(client, make_account(session_factory, role, a.owner).email)
        assert client.get("/cabinet/staff").status_code == 403
        assert "/cabinet/staff" not in client.get("/cabinet/cards").text
        assert client.post(f"/cabinet/staff/{cashier_id}/disable").status_code == 403
        made = client.post(
            "/cabinet/staff", data={"email": "y@example.com", "role": "cashier"}
        )
        assert made.status_code == 403
    with session_factory() as s:
        assert s.get(Account, cashier_id).disabled_at is None
    _, status = _login_with(app, cashier.email, PASSWORD)
    assert status == 302
