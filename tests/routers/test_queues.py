"""Queue sync through the RouterOS API: the parent queue for the hotspot's total
bandwidth and a per-guest override after a speed change; a second run changes
nothing; queues we did not make are never touched."""

from __future__ import annotations

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.models import Router
from hotspot.routers.queues import sync_all
from hotspot.routers.routeros import ApiAccess, RouterApi
from hotspot.services.sessions import change_speed
from tests import factories

from .conftest import API_PASSWORD, run_named_job, wait_stored


def _queues(venue):
    return {q["name"]: q for q in venue.sim.api.state.queues.values()}


def test_queue_sync_is_idempotent_and_leaves_foreign_queues_alone(
    sim_venue, settings, session_factory, scheduler_factory
):
    venue = sim_venue(api=True)
    access = ApiAccess(
        str(venue.router.ip_address), venue.sim.api.port, "hotspot-api", API_PASSWORD
    )
    with RouterApi(access) as api:  # the venue's own queue, and one named like ours
        api.add_queue(name="office", target="192.168.88.0/24", max_limit="10M/10M")
        api.add_queue(name="hotspot-x", target="10.0.0.1/32", comment="by hand")
    with transaction(session_factory) as s:
        router = s.get(Router, venue.router.id)
        router.bandwidth, router.hotspot_network = "50M/100M", "10.5.50.0/24"
        card = factories.voucher(
            s, s.merge(venue.owner), settings.pin_key, time="1h", rate="2M/2M"
        )
    online = venue.login(card)
    wait_stored(session_factory, venue.router, online.session_id)
    with transaction(session_factory) as s:
        change_speed(s, s.merge(venue.owner), "1M/4M", utcnow(), voucher_code=card.code)
    run_named_job("send-router-actions", scheduler_factory)

    def sync():  # the job's work, for this router only (others' are elsewhere)
        return sync_all(scheduler_factory, only=[venue.router.id])

    assert sync() == {
        "added": 2,
        "changed": 0,
        "removed": 0,
        "conflicts": 0,
    }
    queues = _queues(venue)
    assert queues["hotspot-total"]["max-limit"] == "50000000/100000000"
    assert queues["hotspot-total"]["target"] == "10.5.50.0/24"
    mine = queues[f"hotspot-{online.session_id}"]
    assert (mine["target"], mine["max-limit"], mine["parent"]) == (
        f"{online.ip}/32",
        "1000000/4000000",
        "hotspot-total",
    )
    # Second run: nothing differs, nothing is written.
    writes = len(venue.sim.api.state.commands)
    assert sync() == {
        "added": 0,
        "changed": 0,
        "removed": 0,
        "conflicts": 0,
    }
    assert [
        c for c in venue.sim.api.state.commands[writes:] if not c.endswith("/print")
    ] == []
    # A new total changes only the parent; without one, the parent goes and the
    # override hangs at the top.
    with transaction(session_factory) as s:
        s.get(Router, venue.router.id).bandwidth = "20M/20M"
    assert sync()["changed"] == 1
    with transaction(session_factory) as s:
        s.get(Router, venue.router.id).bandwidth = None
    assert sync() == {
        "added": 0,
        "changed": 1,
        "removed": 1,
        "conflicts": 0,
    }
    queues = _queues(venue)
    assert "hotspot-total" not in queues
    assert queues[f"hotspot-{online.session_id}"]["parent"] == "none"
    # The job does the same for every router with an API.
    run_named_job("sync-queues", scheduler_factory)
    assert f"hotspot-{online.session_id}" in _queues(venue)
    # The foreign ones are as they were.
    assert queues["office"]["max-limit"] == "10000000/10000000"
    assert queues["hotspot-x"]["comment"] == "by hand"
