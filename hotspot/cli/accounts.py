"""`hotspot` commands: accounts."""

from __future__ import annotations

import sys
from typing import Any

import click

from .base import Context, command, emit, main, pass_ctx


@main.group()
def user() -> None:
    """An owner's accounts for the cabinet (/cabinet/): owner, manager, cashier."""


@main.group()
def operator() -> None:
    """Operator accounts for the admin (/admin/)."""


def _new_password(from_stdin: bool) -> tuple[str, bool]:
    """The password read from standard input (first line), or a generated one
    (True: print it, it is shown once)."""
    from hotspot.services.accounts import generate_password

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    return generate_password(), True


def _add_account(
    ctx: Context, email: str, role: str, owner_name: str | None, stdin: bool
) -> dict[str, Any]:
    from hotspot.db import transaction
    from hotspot.services.accounts import add_account
    from hotspot.services.audit import record
    from hotspot.services.tenancy import get_owner

    password, generated = _new_password(stdin)
    with transaction(ctx.session_factory()) as session:
        owner_ = get_owner(session, owner_name) if owner_name else None
        account = add_account(session, email, role, password, owner_)
        record(
            session,
            "cli",
            "account.add",
            {"email": account.email, "role": role},
            owner_id=account.owner_id,
        )
        data: dict[str, Any] = {"email": account.email, "role": role}
    if owner_name:
        data["owner"] = owner_name
    if generated:
        data["password"] = password
    return data


def _account_text(d: dict[str, Any]) -> str:
    where = f" of {d['owner']}" if d.get("owner") else ""
    text = f"Account {d['email']} ({d['role']}{where}) added."
    if "password" in d:
        text += f"\nPassword (shown once): {d['password']}"
    return text


PASSWORD_STDIN = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (else one is generated and shown).",
)


@command(user, "add")
@click.option("--owner", "owner_name", required=True)
@click.option("--email", required=True)
@click.option(
    "--role",
    type=click.Choice(["owner", "manager", "cashier"]),
    default="owner",
    show_default=True,
)
@PASSWORD_STDIN
@pass_ctx
def user_add(
    ctx: Context,
    owner_name: str,
    email: str,
    role: str,
    password_stdin: bool,
    as_json: bool,
) -> None:
    """Give an owner's staff member a cabinet login."""
    data = _add_account(ctx, email, role, owner_name, password_stdin)
    emit(data, as_json, _account_text)


@command(user, "list")
@click.option("--owner", "owner_name", required=True)
@pass_ctx
def user_list(ctx: Context, owner_name: str, as_json: bool) -> None:
    """An owner's cabinet accounts."""
    from hotspot.services.accounts import list_staff
    from hotspot.services.tenancy import get_owner

    with ctx.session_factory()() as session:
        rows = [
            {"email": a.email, "role": a.role, "totp": a.totp_enabled}
            for a in list_staff(session, get_owner(session, owner_name))
        ]
    emit(
        rows,
        as_json,
        lambda rows: (
            "\n".join(f"{r['email']:<40} {r['role']}" for r in rows) or "No accounts."
        ),
    )


@command(user, "password")
@click.option("--email", required=True)
@PASSWORD_STDIN
@pass_ctx
def user_password(
    ctx: Context, email: str, password_stdin: bool, as_json: bool
) -> None:
    """Set a new password for an account (its web sessions end)."""
    from hotspot.db import transaction
    from hotspot.services.accounts import get_account, set_password
    from hotspot.services.audit import record

    password, generated = _new_password(password_stdin)
    with transaction(ctx.session_factory()) as session:
        account = get_account(session, email)
        set_password(session, account, password)
        record(
            session,
            "cli",
            "account.password",
            {"email": account.email},
            owner_id=account.owner_id,
        )
    data = {"email": account.email, **({"password": password} if generated else {})}
    emit(
        data,
        as_json,
        lambda d: (
            f"Password of {d['email']} changed."
            + (f"\nPassword (shown once): {d['password']}" if "password" in d else "")
        ),
    )


def _switch_account(ctx: Context, email: str, disabled: bool, as_json: bool) -> None:
    from hotspot.clock import utcnow
    from hotspot.db import transaction
    from hotspot.services.accounts import get_account, set_disabled
    from hotspot.services.audit import record

    with transaction(ctx.session_factory()) as session:
        account = get_account(session, email)
        set_disabled(session, account, disabled, utcnow())
        action = "account.disable" if disabled else "account.enable"
        record(
            session, "cli", action, {"email": account.email}, owner_id=account.owner_id
        )
    data = {"email": account.email, "disabled": disabled}
    emit(
        data,
        as_json,
        lambda d: f"{d['email']} {'can no longer' if disabled else 'can'} log in.",
    )


@command(user, "disable")
@click.option("--email", required=True)
@pass_ctx
def user_disable(ctx: Context, email: str, as_json: bool) -> None:
    """Switch a login off (its web sessions end at once)."""
    _switch_account(ctx, email, True, as_json)


@command(user, "enable")
@click.option("--email", required=True)
@pass_ctx
def user_enable(ctx: Context, email: str, as_json: bool) -> None:
    """Switch a login on again."""
    _switch_account(ctx, email, False, as_json)


@command(operator, "add")
@click.option("--email", required=True)
@PASSWORD_STDIN
@pass_ctx
def operator_add(ctx: Context, email: str, password_stdin: bool, as_json: bool) -> None:
    """Give someone an operator login to the admin."""
    data = _add_account(ctx, email, "operator", None, password_stdin)
    emit(data, as_json, _account_text)
