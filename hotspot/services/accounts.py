"""Accounts of the admin and the cabinet: who they are, what they may do, how they
log in (argon2 passwords, rate limits per account and per address, optional TOTP).

Roles: the operator runs the installation (``/admin/``); an owner's staff use the
cabinet (``/cabinet/``): the owner (everything of their venues), a manager
(sessions, vouchers, blacklist; no money settings), a cashier (sells and prints
cards only). Views ask :func:`may` with a permission name."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import AlreadyExists, DomainError, InvalidInput, NotFound
from ..models import Account, LoginAttempt, Owner, Role

_hasher = PasswordHasher()
#: Verified when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}$")

MIN_PASSWORD_LENGTH = 10
#: Failed logins in LIMIT_WINDOW before an account, or an address, must wait.
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
LIMIT_WINDOW = dt.timedelta(minutes=15)
ISSUER = "Hotspot"

#: What each role may do; the operator may do everything, everywhere.
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(
        {
            "dashboard",
            "sessions",
            "sms",
            "blacklist",
            "tariffs",
            "ads",
            "vouchers",
            "cards",
            "routers",
            "settings",
            "audit",
            "staff",
            "documents",
            "onboarding",
        }
    ),
    Role.MANAGER: frozenset(
        {
            "dashboard",
            "sessions",
            "sms",
            "blacklist",
            "vouchers",
            "cards",
            "routers",
            "documents",
        }
    ),
    Role.CASHIER: frozenset({"cards"}),
}


class LoginRefused(DomainError):
    key = "login_failed"


def may(account: Account, permission: str) -> bool:
    """Whether ``account`` may use ``permission`` (a name in PERMISSIONS)."""
    if account.role == Role.OPERATOR:
        return True
    return permission in PERMISSIONS.get(account.role, frozenset())


def normalise_email(text: str) -> str:
    email = (text or "").strip().lower()
    if not _EMAIL_RE.match(email):
        raise InvalidInput("not an e-mail address: %(text)r", text=text)
    return email


def generate_password() -> str:
    """A random password to hand to a new account (about 96 bits)."""
    return secrets.token_urlsafe(12)


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH or len(password) > 200:
        raise InvalidInput(
            "password: %(low)s to %(high)s characters",
            key="weak_password",
            low=MIN_PASSWORD_LENGTH,
            high=200,
        )
    return password


def add_account(
    session: Session, email: str, role: str, password: str, owner: Owner | None
) -> Account:
    """A new account: the operator (``owner`` None) or one of ``owner``'s staff."""
    if role not in {r.value for r in Role}:
        raise InvalidInput(
            "role: operator, owner, manager or cashier, not %(role)r", role=role
        )
    if (role == Role.OPERATOR) != (owner is None):
        raise InvalidInput("the operator has no owner; every other role has one")
    email = normalise_email(email)
    if session.scalar(select(Account.id).where(Account.email == email)):
        raise AlreadyExists("an account %(email)s exists", email=email)
    account = Account(
        email=email,
        role=role,
        owner_id=owner.id if owner else None,
        password_hash=_hasher.hash(_check_password(password)),
        totp_enabled=False,
        session_epoch=0,
    )
    session.add(account)
    session.flush()
    return account


def get_account(session: Session, email: str) -> Account:
    account = session.scalar(
        select(Account).where(Account.email == normalise_email(email))
    )
    if account is None:
        raise NotFound("no account %(email)s", email=email)
    return account


def list_staff(session: Session, owner: Owner | None) -> list[Account]:
    """An owner's accounts (None: the operators)."""
    query = select(Account).order_by(Account.email)
    query = query.where(
        Account.owner_id.is_(None) if owner is None else Account.owner_id == owner.id
    )
    return list(session.scalars(query))


#: The accounts an owner manages in the cabinet (another owner is the operator's).
STAFF_ROLES = (Role.MANAGER.value, Role.CASHIER.value)


def staff_member(session: Session, owner: Owner, account_id: int) -> Account:
    """One of ``owner``'s managers or cashiers; anyone else's (or an owner's
    login): NotFound."""
    account = session.get(Account, account_id)
    if (
        account is None
        or account.owner_id != owner.id
        or (account.role not in STAFF_ROLES)
    ):
        raise NotFound("no such manager or cashier")
    return account


def set_disabled(
    session: Session, account: Account, disabled: bool, now: dt.datetime
) -> None:
    """Switch a login off (its web sessions end at once) or on again."""
    if disabled and account.disabled_at is None:
        account.disabled_at = now
        account.session_epoch += 1
    elif not disabled:
        account.disabled_at = None
    session.flush()


def set_password(session: Session, account: Account, password: str) -> None:
    """A new password; every web session of the account ends."""
    account.password_hash = _hasher.hash(_check_password(password))
    account.session_epoch += 1
    session.flush()


def _failures(session: Session, now: dt.datetime, **where: str) -> int:
    ((column, value),) = where.items()
    return int(
        session.scalar(
            select(func.count(LoginAttempt.id)).where(
                getattr(LoginAttempt, column) == value,
                LoginAttempt.at > now - LIMIT_WINDOW,
                LoginAttempt.ok.is_(False),
            )
        )
        or 0
    )


def _limited(
    session: Session, email: str, address: str | None, now: dt.datetime
) -> bool:
    if _failures(session, now, email=email) >= ACCOUNT_FAILURES:
        return True
    if not address:
        return False
    return _failures(session, now, address=address) >= ADDRESS_FAILURES


def authenticate(
    session: Session,
    email: str,
    password: str,
    address: str | None,
    now: dt.datetime,
) -> Account:
    """The account whose password this is, or :class:`LoginRefused` (wrong e-mail
    or password, disabled, or too many failures: ``login_limited``). Every try is a
    :class:`LoginAttempt`; the caller commits it, the refusal included."""
    email = (email or "").strip().lower()[:254]
    if _limited(session, email, address, now):
        session.add(LoginAttempt(at=now, email=email, address=address, ok=False))
        session.flush()
        raise LoginRefused("too many failed logins: wait 15 minutes", "login_limited")
    account = session.scalar(select(Account).where(Account.email == email))
    ok = _verify(account.password_hash if account else _DUMMY_HASH, password)
    ok = ok and account is not None and account.disabled_at is None
    session.add(LoginAttempt(at=now, email=email, address=address, ok=ok))
    session.flush()
    if not ok or account is None:
        raise LoginRefused("wrong e-mail or password")
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    return account


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password or "")
    except (VerificationError, InvalidHashError):
        return False


def note_login(account: Account, now: dt.datetime) -> None:
    account.last_login_at = now


def purge_login_attempts(session: Session, now: dt.datetime) -> int:
    """Forget login attempts older than a day (the limits count 15 minutes)."""
    result = session.execute(
        delete(LoginAttempt).where(LoginAttempt.at < now - dt.timedelta(days=1))
    )
    return int(getattr(result, "rowcount", 0) or 0)


# -- TOTP --------------------------------------------------------------------------
@dataclass(frozen=True)
class TotpEnrolment:
    secret: str
    uri: str


def start_totp(session: Session, account: Account) -> TotpEnrolment:
    """The secret to enrol (not yet required: :func:`confirm_totp` switches it
    on). The same one until then, so the page can be shown again."""
    if not account.totp_secret:
        account.totp_secret = pyotp.random_base32()
        session.flush()
    assert account.totp_secret
    uri = pyotp.TOTP(account.totp_secret).provisioning_uri(
        name=account.email, issuer_name=ISSUER
    )
    return TotpEnrolment(account.totp_secret, uri)


def check_totp(account: Account, code: str, now: dt.datetime) -> bool:
    """Whether ``code`` is the account's current (or neighbouring) TOTP, not used
    before; an accepted code is marked used."""
    if not account.totp_secret:
        return False
    code = (code or "").strip().replace(" ", "")
    if not re.fullmatch(r"[0-9]{6}", code):
        return False
    totp = pyotp.TOTP(account.totp_secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in (step - 1, step, step + 1):
        if candidate <= (account.totp_last_step or -1):
            continue
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            account.totp_last_step = candidate
            return True
    return False


def confirm_totp(
    session: Session, account: Account, code: str, now: dt.datetime
) -> None:
    """Switch the second factor on once the authenticator shows the right code."""
    if not check_totp(account, code, now):
        raise InvalidInput("wrong code: check the phone's clock", key="wrong_totp")
    account.totp_enabled = True
    session.flush()


def disable_totp(session: Session, account: Account) -> None:
    account.totp_enabled = False
    account.totp_secret = None
    account.totp_last_step = None
    session.flush()


def second_factor(
    session: Session, account: Account, code: str, address: str | None, now: dt.datetime
) -> None:
    """Check the TOTP code of a login whose password was right; wrong codes count
    against the same limits as wrong passwords."""
    if _limited(session, account.email, address, now):
        raise LoginRefused("too many failed logins: wait 15 minutes", "login_limited")
    ok = check_totp(account, code, now)
    session.add(LoginAttempt(at=now, email=account.email, address=address, ok=ok))
    session.flush()
    if not ok:
        raise LoginRefused("wrong code", "wrong_totp")
