"""`hotspot` commands: sessions."""

from __future__ import annotations

import click

from .base import Context, command, emit, main, pass_ctx


@main.group()
def session() -> None:
    """Live sessions: list, disconnect, change speed."""


@command(session, "list")
@click.option("--owner", "owner_name", required=True)
@click.option("--router", "nas_id", help="Only at this router (NAS-Identifier).")
@pass_ctx
def session_list(
    ctx: Context, owner_name: str, nas_id: str | None, as_json: bool
) -> None:
    """The owner's sessions online now."""
    from hotspot.services.sessions import live_sessions, session_dicts
    from hotspot.services.tenancy import get_owner, get_router, list_routers

    with ctx.session_factory()() as db_session:
        owner_ = get_owner(db_session, owner_name)
        router_ = get_router(db_session, nas_id, owner_) if nas_id else None
        names = {r.id: r.nas_identifier for r in list_routers(db_session, owner_)}
        live = live_sessions(db_session, owner=owner_, router=router_)
        rows = session_dicts(db_session, live, names)
    emit(
        rows,
        as_json,
        lambda rows: (
            "\n".join(
                f"{r['id']:<8} {r['router']:<20} {r['username']:<16} "
                f"{r['mac'] or '':<17} {r['ip'] or '':<15} since {r['started_at'][:19]}"
                for r in rows
            )
            or "No sessions online."
        ),
    )


@command(session, "disconnect")
@click.option("--owner", "owner_name", required=True)
@click.argument("session_id", type=int)
@pass_ctx
def session_disconnect(
    ctx: Context, owner_name: str, session_id: int, as_json: bool
) -> None:
    """Cut a session: its router gets a Disconnect within seconds."""
    from hotspot.clock import utcnow
    from hotspot.db import transaction
    from hotspot.services.sessions import disconnect_session, session_dicts
    from hotspot.services.tenancy import get_owner

    with transaction(ctx.session_factory()) as db_session:
        rs = disconnect_session(
            db_session, get_owner(db_session, owner_name), session_id, utcnow()
        )
        data = session_dicts(db_session, [rs])[0]
    emit(data, as_json, lambda d: f"Session {d['id']} ({d['username']}) is being cut.")


@command(session, "speed")
@click.option("--owner", "owner_name", required=True)
@click.option("--voucher", "code", help="One card.")
@click.option("--tariff", "tariff_name", help="A tariff and every card sold with it.")
@click.option("--rate", required=True, help="Mikrotik-Rate-Limit, e.g. 1M/4M.")
@pass_ctx
def session_speed(
    ctx: Context,
    owner_name: str,
    code: str | None,
    tariff_name: str | None,
    rate: str,
    as_json: bool,
) -> None:
    """Change the speed of a card or a tariff, also for the sessions online (CoA)."""
    from hotspot.clock import utcnow
    from hotspot.db import transaction
    from hotspot.services.sessions import change_speed
    from hotspot.services.tenancy import get_owner

    with transaction(ctx.session_factory()) as db_session:
        count = change_speed(
            db_session,
            get_owner(db_session, owner_name),
            rate,
            utcnow(),
            voucher_code=code,
            tariff_name=tariff_name,
        )
    emit(
        {"rate": rate, "sessions": count},
        as_json,
        lambda d: f"Speed {d['rate']}; {d['sessions']} session(s) online changed.",
    )
