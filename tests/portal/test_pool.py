"""The portal's pooled connections: checked before use only after a pause
(hotspot.db.ping_idle), a dead one replaced before a request sees it."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, text

from hotspot.db import ping_idle


def _kill(admin: Engine, pid: int) -> None:
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})


def test_only_a_connection_idle_a_while_is_pinged(
    database_url: str, engine: Engine
) -> None:
    now = [100.0]
    pool = create_engine(database_url, pool_size=1, max_overflow=0)
    ping_idle(pool, idle=1.0, clock=lambda: now[0])
    try:
        with pool.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            raw = conn.connection.driver_connection
        _kill(engine, pid)

        # Back in the pool a moment ago: used as it is, without a round trip
        # (here a dead one: the statement would fail and the pool start afresh).
        now[0] += 0.5
        with pool.connect() as conn:
            assert conn.connection.driver_connection is raw
            conn.invalidate()

        # Idle for longer: checked first, and a dead one replaced unseen.
        with pool.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        _kill(engine, pid)
        now[0] += 5
        with pool.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        pool.dispose()
