import os

from hotspot.db import transaction
from tests import factories


def test_voucher_pap_accept(nas_a, venues, settings, session_factory):
    with transaction(session_factory) as s:
        v = factories.voucher(
            s,
            venues["a"].owner,
            settings.pin_key,
            time="60m",
            data="100MB",
            rate="2M/2M",
        )
    r = nas_a.authenticate(v.code, v.pin, mac="AA:BB:CC:00:00:01")
    assert r.accepted, r.reply_message
    assert r.first("Session-Timeout") == 3600
    assert r.first("Mikrotik-Rate-Limit") == "2M/2M"
    assert r.message_authenticator


def test_freeradius_runs_on_the_cores_it_was_given(radius, settings) -> None:
    from devstack.affinity import placement

    wanted = placement(settings)[0] or sorted(os.sched_getaffinity(0))
    assert radius.proc is not None
    assert sorted(os.sched_getaffinity(radius.proc.pid)) == wanted
    # Every thread of it, not only the main one.
    for task in os.listdir(f"/proc/{radius.proc.pid}/task"):
        assert sorted(os.sched_getaffinity(int(task))) == wanted
