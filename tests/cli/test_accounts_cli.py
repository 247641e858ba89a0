"""`hotspot user add` / `hotspot operator add`: passwords from stdin or generated."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from hotspot.clock import utcnow
from hotspot.models import Account, AuditEntry
from hotspot.services.accounts import authenticate


def test_user_add_with_password_from_stdin(cli, session_factory):
    owner = f"cafe-{uuid.uuid4().hex[:6]}"
    cli("owner", "add", owner)
    email = f"Cashier-{uuid.uuid4().hex[:6]}@Example.com"
    out = cli(
        "user",
        "add",
        "--owner",
        owner,
        "--email",
        email,
        "--role",
        "cashier",
        "--password-stdin",
        "--json",
        stdin="a long password 1\n",
    )
    data = json.loads(out.stdout)
    assert data == {"email": email.lower(), "role": "cashier", "owner": owner}
    with session_factory() as s:
        account = authenticate(s, email, "a long password 1", None, utcnow())
        assert account.role == "cashier"
        audit = s.scalars(
            select(AuditEntry).where(AuditEntry.owner_id == account.owner_id)
        ).all()
        assert [(a.actor, a.action) for a in audit] == [("cli", "account.add")]
    listed = json.loads(cli("user", "list", "--owner", owner, "--json").stdout)
    assert [r["email"] for r in listed] == [email.lower()]


def test_operator_add_prints_a_generated_password(cli, session_factory):
    email = f"op-{uuid.uuid4().hex[:6]}@example.com"
    out = cli("operator", "add", "--email", email)
    assert "Password (shown once): " in out.stdout
    password = out.stdout.rsplit(": ", 1)[1].strip()
    assert len(password) >= 16
    with session_factory() as s:
        account = authenticate(s, email, password, None, utcnow())
        assert account.role == "operator" and account.owner_id is None
    # Again: refused, exit code 1, no traceback.
    again = cli("operator", "add", "--email", email, ok=False)
    assert again.returncode == 1 and "exists" in again.stderr
    with session_factory() as s:
        assert s.scalar(select(Account.id).where(Account.email == email))


def test_weak_password_is_refused(cli):
    owner = f"cafe-{uuid.uuid4().hex[:6]}"
    cli("owner", "add", owner)
    out = cli(
        "user",
        "add",
        "--owner",
        owner,
        "--email",
        f"x{uuid.uuid4().hex[:6]}@ex.com",
        "--password-stdin",
        stdin="short\n",
        ok=False,
    )
    assert out.returncode == 1 and "password" in out.stderr


def test_user_disable_and_enable(cli, session_factory):
    owner = f"cafe-{uuid.uuid4().hex[:6]}"
    cli("owner", "add", owner)
    email = f"till-{uuid.uuid4().hex[:6]}@example.com"
    cli(
        "user",
        "add",
        "--owner",
        owner,
        "--email",
        email,
        "--role",
        "cashier",
        "--password-stdin",
        stdin="a long password 2\n",
    )
    assert "can no longer log in" in cli("user", "disable", "--email", email).stdout
    with session_factory() as s:
        account = s.scalar(select(Account).where(Account.email == email))
        assert account.disabled_at is not None and account.session_epoch == 1
    cli("user", "enable", "--email", email)
    with session_factory() as s:
        assert authenticate(s, email, "a long password 2", None, utcnow())
        actions = s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.owner_id == account.owner_id)
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["account.add", "account.disable", "account.enable"]
