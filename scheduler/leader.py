"""Leader election with a PostgreSQL session-level advisory lock."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from hotspot.db import describe_db_error

#: An arbitrary constant: "hotspot scheduler".
LOCK_KEY = 0x486F7453


class LeaderLock:
    """Held for as long as its dedicated connection lives."""

    def __init__(self, engine: Engine, key: int = LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._conn: Connection | None = None
        #: Why the last :meth:`try_acquire` failed to reach the database, or "".
        self.error = ""

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return self.alive()
        try:
            conn = self.engine.connect()
            got = conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
            conn.commit()
        except DBAPIError as exc:
            self.error = describe_db_error(exc)
            return False
        self.error = ""
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def alive(self) -> bool:
        """Whether we still hold the lock (the connection is up)."""
        if self._conn is None:
            return False
        try:
            self._conn.scalar(text("SELECT 1"))
            self._conn.commit()
            return True
        except DBAPIError:
            self.release()
            return False

    def release(self) -> None:
        """Give up the lead. The connection is discarded, not returned to the pool:
        a pooled connection would keep holding the session-level lock. The lock is
        unlocked first, so another scheduler can take it at once (a closed
        connection's backend lets go of it only when it has exited)."""
        if self._conn is not None:
            try:
                if not self._conn.invalidated:
                    self._conn.rollback()
                    self._conn.scalar(
                        text("SELECT pg_advisory_unlock(:k)"), {"k": self.key}
                    )
            except SQLAlchemyError:
                pass  # the connection is gone, and the lock with it
            try:
                self._conn.invalidate()
                self._conn.close()
            except SQLAlchemyError:
                pass
            self._conn = None
