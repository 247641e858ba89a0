"""The RouterOS API: the simulator's server speaks the real protocol to the real
client library (librouteros, through our adapter), and a Disconnect falls back to
``/ip/hotspot/active/remove`` plus the device's cookies."""

from __future__ import annotations

import socket

import pytest

from hotspot.clock import utcnow
from hotspot.db import transaction
from hotspot.routers.routeros import ApiAccess, RouterApi, RouterApiError
from hotspot.services.tenancy import get_owner
from hotspot.services.vouchers import revoke_voucher
from simulator.routeros import _Reader, encode_sentence
from tests import factories

from .conftest import API_PASSWORD, actions_of, run_named_job, wait_stored


def _access(venue, password=API_PASSWORD) -> ApiAccess:
    return ApiAccess(
        str(venue.router.ip_address), venue.sim.api.port, "hotspot-api", password, 2
    )


def _card(session_factory, settings, venue):
    with transaction(session_factory) as s:
        return factories.voucher(s, s.merge(venue.owner), settings.pin_key, time="1h")


def test_the_client_library_logs_in_and_reads_the_router(
    sim_venue, settings, session_factory
):
    venue = sim_venue(api=True)
    card = _card(session_factory, settings, venue)
    online = venue.login(card)
    with pytest.raises(RouterApiError, match="invalid user name or password"):
        RouterApi(_access(venue, "wrong"))
    with RouterApi(_access(venue)) as api:
        assert api.identity() == venue.router.nas_identifier
        [row] = api.active(user=card.code)
        assert (row["address"], row["mac-address"]) == (online.ip, online.mac)
        assert api.active(user="nobody") == []
        # Long words take the 2- and 3-byte length prefixes.
        long = "x" * 20_000
        qid = api.add_queue(name="q1", target="10.5.50.9/32", comment=long)
        [queue] = [q for q in api.queues() if q[".id"] == qid]
        assert queue["comment"] == long
        api.remove_queue(qid)
        with pytest.raises(RouterApiError, match="no such item"):
            api.remove_queue(qid)


def test_tags_are_echoed_and_both_query_forms_work(sim_venue):
    """What routeros-api sends: a .tag on every command, ``?name=x`` queries, each
    word in a send() of its own."""
    venue = sim_venue(api=True)
    with socket.create_connection(
        (str(venue.router.ip_address), venue.sim.api.port)
    ) as sock:
        reader = _Reader(sock.makefile("rb"))
        for word in (
            "/login",
            "=name=hotspot-api",
            f"=password={API_PASSWORD}",
            ".tag=1",
        ):
            sock.sendall(encode_sentence([word])[:-1])
        sock.sendall(b"\x00")
        assert reader.sentence() == ["!done", ".tag=1"]
        sock.sendall(
            encode_sentence(["/system/identity/print", "?name=nope", ".tag=2"])
        )
        assert reader.sentence() == ["!done", ".tag=2"]
        sock.sendall(
            encode_sentence(
                [
                    "/system/identity/print",
                    "?=name=" + venue.router.nas_identifier,
                    ".tag=3",
                ]
            )
        )
        assert reader.sentence() == [
            "!re",
            f"=name={venue.router.nas_identifier}",
            ".tag=3",
        ]
        assert reader.sentence() == ["!done", ".tag=3"]
        sock.sendall(encode_sentence(["/ip/nothing/print", ".tag=4"]))
        assert reader.sentence() == ["!trap", "=message=no such command", ".tag=4"]
        assert reader.sentence() == ["!done", ".tag=4"]


@pytest.mark.parametrize("listening", [False, True], ids=["coa-off", "coa-dead"])
def test_a_disconnect_falls_back_to_the_api_and_removes_the_cookie(
    sim_venue, settings, session_factory, scheduler_factory, listening
):
    """Incoming RADIUS off at the router (we know it) or not answering (we learn
    it by a timeout): the API removes the session and the device's cookie."""
    venue = sim_venue(api=True, coa=False, coa_enabled=listening)
    card = _card(session_factory, settings, venue)
    online = venue.login(card)
    wait_stored(session_factory, venue.router, online.session_id)
    assert [mac for _, (mac, _) in venue.nas.cookie_items()] == [online.mac]
    with transaction(session_factory) as s:
        revoke_voucher(s, get_owner(s, venue.owner.name), card.code, utcnow())
    run_named_job("send-router-actions", scheduler_factory)
    assert venue.nas.get_session(online.session_id) is None
    assert venue.nas.cookie_items() == []
    [action] = actions_of(session_factory, venue.router)
    assert (action.state, action.result) == ("done", "api")
    expected = "timeout, then removed by the API" if listening else "removed by the API"
    assert action.last_error == expected
