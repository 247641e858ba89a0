"""Accounts: argon2 passwords, roles, login limits per account and address, TOTP."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest

from hotspot.errors import AlreadyExists, InvalidInput
from hotspot.models import AuditEntry, LoginAttempt
from hotspot.services import accounts
from hotspot.services.accounts import LoginRefused, add_account, authenticate, may
from hotspot.services.audit import audit_query, record
from tests import factories

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"


def _email() -> str:
    return factories.unique("staff") + "@example.com"


def test_password_is_argon2_and_login_works(db_session):
    owner = factories.owner(db_session)
    email = _email()
    account = add_account(db_session, email.upper(), "manager", PASSWORD, owner)
    assert account.email == email
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash
    assert authenticate(db_session, email, PASSWORD, "192.0.2.1", NOW) is account
    with pytest.raises(LoginRefused) as refused:
        authenticate(db_session, email, "wrong password!", "192.0.2.1", NOW)
    assert refused.value.key == "login_failed"


def test_roles_and_owners_fit_together(db_session):
    owner = factories.owner(db_session)
    with pytest.raises(InvalidInput):
        add_account(db_session, _email(), "operator", PASSWORD, owner)
    with pytest.raises(InvalidInput):
        add_account(db_session, _email(), "cashier", PASSWORD, None)
    with pytest.raises(InvalidInput):
        add_account(db_session, _email(), "boss", PASSWORD, owner)
    with pytest.raises(InvalidInput):
        add_account(db_session, _email(), "owner", "short", owner)
    email = _email()
    add_account(db_session, email, "owner", PASSWORD, owner)
    with pytest.raises(AlreadyExists):
        add_account(db_session, email, "manager", PASSWORD, owner)


def test_permissions_by_role(db_session):
    owner = factories.owner(db_session)
    cashier = add_account(db_session, _email(), "cashier", PASSWORD, owner)
    manager = add_account(db_session, _email(), "manager", PASSWORD, owner)
    boss = add_account(db_session, _email(), "owner", PASSWORD, owner)
    op = add_account(db_session, _email(), "operator", PASSWORD, None)
    assert may(cashier, "cards") and not may(cashier, "sessions")
    assert may(manager, "blacklist") and not may(manager, "settings")
    assert not may(manager, "tariffs")
    assert may(boss, "settings") and may(op, "anything")


def test_login_is_limited_per_account(db_session):
    owner = factories.owner(db_session)
    email = _email()
    add_account(db_session, email, "owner", PASSWORD, owner)
    for i in range(accounts.ACCOUNT_FAILURES):
        with pytest.raises(LoginRefused):
            authenticate(db_session, email, "nope-nope-nope", f"192.0.2.{i}", NOW)
    # Even the right password waits now, from any address...
    with pytest.raises(LoginRefused) as refused:
        authenticate(db_session, email, PASSWORD, "198.51.100.9", NOW)
    assert refused.value.key == "login_limited"
    # ... until the window has passed.
    later = NOW + accounts.LIMIT_WINDOW + dt.timedelta(seconds=1)
    assert authenticate(db_session, email, PASSWORD, "198.51.100.9", later)


def test_login_is_limited_per_address(db_session):
    owner = factories.owner(db_session)
    email = _email()
    add_account(db_session, email, "owner", PASSWORD, owner)
    address = "203.0.113.77"
    for _ in range(accounts.ADDRESS_FAILURES):
        with pytest.raises(LoginRefused):
            authenticate(db_session, _email(), "guess-guess", address, NOW)
    with pytest.raises(LoginRefused) as refused:
        authenticate(db_session, email, PASSWORD, address, NOW)
    assert refused.value.key == "login_limited"
    assert authenticate(db_session, email, PASSWORD, "203.0.113.78", NOW)


def test_unknown_email_is_refused_like_a_wrong_password(db_session):
    with pytest.raises(LoginRefused) as refused:
        authenticate(db_session, _email(), PASSWORD, None, NOW)
    assert refused.value.key == "login_failed"
    assert db_session.query(LoginAttempt).filter_by(ok=False).count() >= 1


def test_totp_enrolment_and_one_use_per_code(db_session):
    owner = factories.owner(db_session)
    account = add_account(db_session, _email(), "owner", PASSWORD, owner)
    enrolment = accounts.start_totp(db_session, account)
    assert enrolment.uri.startswith("otpauth://totp/")
    code = pyotp.TOTP(enrolment.secret).at(NOW)
    with pytest.raises(InvalidInput):
        accounts.confirm_totp(db_session, account, "000000", NOW)
    accounts.confirm_totp(db_session, account, code, NOW)
    assert account.totp_enabled
    # The same code is not good twice; the next one is.
    assert not accounts.check_totp(account, code, NOW)
    later = NOW + dt.timedelta(seconds=30)
    assert accounts.check_totp(account, pyotp.TOTP(enrolment.secret).at(later), later)


def test_new_password_ends_web_sessions(db_session):
    owner = factories.owner(db_session)
    account = add_account(db_session, _email(), "owner", PASSWORD, owner)
    epoch = account.session_epoch
    accounts.set_password(db_session, account, "another long password")
    assert account.session_epoch == epoch + 1
    assert authenticate(db_session, account.email, "another long password", None, NOW)


def test_audit_rows_are_scoped_by_owner(db_session):
    a, b = factories.owner(db_session), factories.owner(db_session)
    record(db_session, "x@example.com", "blacklist.add", {"n": 1}, owner_id=a.id)
    record(
        db_session, "y@example.com", "tariff.add", {}, "why", "192.0.2.5", owner_id=b.id
    )
    rows = list(db_session.scalars(audit_query(a.id)))
    assert [r.action for r in rows] == ["blacklist.add"]
    every = {r.owner_id for r in db_session.scalars(audit_query(None))}
    assert {a.id, b.id} <= every
    entry = db_session.query(AuditEntry).filter_by(owner_id=b.id).one()
    assert (entry.reason, entry.address) == ("why", "192.0.2.5")


def test_totp_enrolment_keeps_its_secret_until_confirmed(db_session):
    owner = factories.owner(db_session)
    account = add_account(db_session, _email(), "owner", PASSWORD, owner)
    first = accounts.start_totp(db_session, account)
    assert accounts.start_totp(db_session, account).secret == first.secret
    accounts.disable_totp(db_session, account)
    assert accounts.start_totp(db_session, account).secret != first.secret
