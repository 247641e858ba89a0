"""Injected time: every rule that depends on time takes ``now`` from a clock."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


def utcnow() -> dt.datetime:
    """The current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> dt.datetime:
        return utcnow()


class FrozenClock:
    """A clock the tests move by hand."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or utcnow()

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, **delta: float) -> dt.datetime:
        self._now += dt.timedelta(**delta)
        return self._now

    def set(self, when: dt.datetime) -> None:
        self._now = when
