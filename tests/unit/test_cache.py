"""The few seconds' cache of the guest pages: values kept for their TTL only, and
a value loaded while the cache was cleared is not kept; an owner's policy parsed
once per policy."""

from __future__ import annotations

from hotspot.cache import TTLCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_kept_for_its_ttl_then_loaded_again():
    clock, loads = Clock(), []
    cache = TTLCache(ttl=5, clock=clock)

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert cache.get("k", load) == 1
    clock.now += 4.9
    assert cache.get("k", load) == 1
    clock.now += 0.2
    assert cache.get("k", load) == 2


def test_clear_drops_values_and_one_loaded_meanwhile_is_not_kept():
    cache = TTLCache(ttl=5, clock=Clock())
    cache.get("a", lambda: "old")
    cache.clear()
    assert cache.get("a", lambda: "new") == "new"

    def load_while_cleared() -> str:
        cache.clear()  # a change committed while this value was being read
        return "maybe stale"

    assert cache.get("b", load_while_cleared) == "maybe stale"
    assert cache.get("b", lambda: "fresh") == "fresh"


def test_a_zero_ttl_keeps_nothing():
    cache, loads = TTLCache(ttl=0, clock=Clock()), []
    cache.get("k", lambda: loads.append(1))
    cache.get("k", lambda: loads.append(1))
    assert len(loads) == 2


def test_the_parsed_policy_follows_a_new_policy_on_the_same_owner():
    from hotspot.models import Owner
    from hotspot.venues import OwnerPolicy

    owner = Owner(name="memo", policy={"ad_delay": 3})
    first = OwnerPolicy.of(owner)
    assert first.ad_delay == 3 and OwnerPolicy.of(owner) is first  # parsed once
    owner.policy = {"ad_delay": 9}
    assert OwnerPolicy.of(owner).ad_delay == 9
    owner.policy = None
    assert OwnerPolicy.of(owner).ad_delay == OwnerPolicy().ad_delay
