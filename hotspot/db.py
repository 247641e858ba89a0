"""Engine and session factory for the core's entry points (CLI, scheduler)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import CursorResult, Engine, Result, create_engine, event
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: object) -> Engine:
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)  # type: ignore[arg-type]


#: Seconds a pooled connection may have been idle and still be used unchecked.
IDLE_PING_SECONDS = 1.0


def ping_idle(
    engine: Engine,
    idle: float = IDLE_PING_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Check a pooled connection before use (``SELECT 1``) only when it has been
    idle for more than ``idle`` seconds; a dead one is replaced before the caller
    sees it. Instead of ``pool_pre_ping``, which costs a round trip on every
    checkout: a connection back in the pool a moment ago is almost never dead,
    and if the server went away since, the statement's disconnect error makes
    the pool replace all its connections at once (an outage fails the requests
    already under way, as it would anyway)."""

    @event.listens_for(engine, "checkin")
    def _returned(_: Any, record: Any) -> None:
        record.info["returned"] = clock()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn: Any, record: Any, __: Any) -> None:
        returned = record.info.pop("returned", None)
        if returned is not None and clock() - returned <= idle:
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
        except Exception as exc:
            raise DisconnectionError(str(exc)) from exc


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The entry point owns the transaction: commit on success, roll back on error."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def affected(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched."""
    return result.rowcount if isinstance(result, CursorResult) else 0


def describe_db_error(exc: BaseException) -> str:
    """A one-line reason for a log line: ``OperationalError: connection refused``."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = detail[0] if detail else ""
    return f"{exc.__class__.__name__}: {first}" if first else exc.__class__.__name__


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database could not be reached (an outage), rather
    than a statement that failed."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError)


class Backoff:
    """Delays that double from ``first`` up to ``cap`` seconds, until reset."""

    def __init__(self, first: float = 1.0, cap: float = 30.0) -> None:
        self.first = first
        self.cap = cap
        self._next = first

    def next(self) -> float:
        delay = self._next
        self._next = min(self.cap, delay * 2)
        return delay

    def reset(self) -> None:
        self._next = self.first


def alembic_config(url: str) -> Any:
    """Alembic's configuration for the database at ``url`` (migrations/)."""
    from pathlib import Path

    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
    cfg = Config(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(root / "migrations"))
    cfg.attributes["database_url"] = url
    return cfg
