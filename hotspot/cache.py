"""A few seconds' memory of what every guest request reads and rarely changes.

The guest pages of a busy venue read the same router, venue and banners on every
request; :data:`VENUE` keeps them in process for :data:`TTL` seconds. A change
made through the ORM in this process (the portal's cabinet and API, the CLI) clears
it at once (:func:`watch`): on the flush, and again on the commit, so a request in
between cannot keep the old value. A change made elsewhere (another process, raw
SQL) shows within :data:`TTL` seconds.

Cached ORM objects are detached copies, never used by a request itself: a request
attaches its own copy (:func:`attach`), without a query.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

T = TypeVar("T")

#: Seconds a cached value is used.
TTL = 5.0
_DIRTY = "hotspot_cache_dirty"


class TTLCache:
    """Values by key for ``ttl`` seconds; thread-safe. A value loaded while the
    cache was cleared is not kept (it may be the old one)."""

    def __init__(
        self,
        ttl: float = TTL,
        clock: Callable[[], float] = time.monotonic,
        max_items: int = 10_000,
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._max = max_items
        self._items: dict[Hashable, tuple[float, Any]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        now = self._clock()
        hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]  # type: ignore[no-any-return]
        generation = self._generation
        value = load()
        with self._lock:
            if generation == self._generation and self.ttl > 0:
                if len(self._items) >= self._max:
                    self._items.clear()
                self._items[key] = (now + self.ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._items.clear()


#: The routers, venues and banners of the guest pages.
VENUE = TTLCache()


def watch(cache: TTLCache, *classes: type) -> None:
    """Clear ``cache`` whenever a session of this process changes an instance of
    ``classes`` (on its flush, and on its commit or rollback)."""

    def after_flush(session: Session, _: Any) -> None:
        changed = (*session.new, *session.dirty, *session.deleted)
        if any(isinstance(obj, classes) for obj in changed):
            session.info[_DIRTY] = True
            cache.clear()

    def after_end(session: Session) -> None:
        if session.info.pop(_DIRTY, False):
            cache.clear()

    event.listen(Session, "after_flush", after_flush)
    event.listen(Session, "after_commit", after_end)
    event.listen(Session, "after_soft_rollback", lambda s, _: after_end(s))


def detached(session: Session, load: Callable[[Session], T]) -> T:
    """What ``load`` returns, loaded on ``session``'s connection in a session of its
    own and detached from it (for :data:`VENUE`)."""
    with Session(bind=session.connection(), expire_on_commit=False) as own:
        value = load(own)
        own.expunge_all()
    return value


def attach(session: Session, obj: T) -> T:
    """This request's copy of a cached object (and of what it has loaded), without
    a query."""
    key = inspect(obj).key
    mine = session.identity_map.get(key) if key is not None else None
    return mine if mine is not None else session.merge(obj, load=False)


def cached_get(session: Session, cls: type[T], ident: int, *options: Any) -> T | None:
    """``session.get(cls, ident)`` through :data:`VENUE` (``options``: what to load
    with it, e.g. ``joinedload(Router.owner)``)."""
    found = VENUE.get(
        (cls, ident),
        lambda: detached(session, lambda s: s.get(cls, ident, options=options)),
    )
    return attach(session, found) if found is not None else None


def has_logo(session: Session, owner_id: int) -> bool:
    """Whether the venue has a logo (cached)."""
    from .models.ads import VenueLogo

    return VENUE.get(
        ("logo", owner_id),
        lambda: (
            session.scalar(
                select(VenueLogo.owner_id).where(VenueLogo.owner_id == owner_id)
            )
            is not None
        ),
    )


def _watch_models() -> None:
    from .models import Owner, Router, Tariff
    from .models.ads import AdBanner, VenueLogo

    watch(VENUE, Owner, Router, Tariff, AdBanner, VenueLogo)


_watch_models()
