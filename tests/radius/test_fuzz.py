"""Hostile RADIUS packets from a registered router to the real FreeRADIUS
(simulator/fuzz.py, seeded): well-formed ones, however odd, are answered within a
second (Access-Reject, Accounting-Response), malformed ones are dropped; the
server stays up, a normal login works during and after, and accounting sent after
them is stored. ``bench/fuzz_radius.py`` sends 100,000 the same way.

The normal logins come from another router: to the guessing lock-out, thousands of
rejected logins from one router are guessing, and lock that router out for a
while (hotspot.policy), as they should."""

from __future__ import annotations

import threading
import time

from hotspot.db import transaction
from simulator.fuzz import Generator, Sender
from tests import factories
from tests.radius.conftest import client_for, new_loopback_ip, wait_until
from tests.radius.test_accounting import session_row

MAC = "AA:BB:CC:00:43:01"
SEED = 20261201
COUNT = 5000


class Logins(threading.Thread):
    """A guest logging in at the same router every 0.1 s until stopped."""

    def __init__(self, nas, voucher) -> None:
        super().__init__(daemon=True)
        self.nas, self.voucher = nas, voucher
        self.stop = threading.Event()
        self.results: list[tuple[bool, float]] = []
        self.error: Exception | None = None

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                r = self.nas.authenticate(self.voucher.code, self.voucher.pin, mac=MAC)
                self.results.append((r.accepted, r.elapsed))
            except Exception as exc:  # a timeout: recorded, the test fails on it
                self.error = exc
                return
            time.sleep(0.1)


def test_hostile_packets_are_answered_or_dropped_and_service_goes_on(
    radius, settings, session_factory, venues, make_voucher
) -> None:
    ip, secret = new_loopback_ip(), "fuzz-" + factories.unique("secret")
    with transaction(session_factory) as s:
        owner = factories.owner(s)
        router = factories.router(s, owner, ip=ip, secret=secret)
        v = factories.voucher(s, owner, settings.pin_key)
    guest = make_voucher("b")
    with (
        client_for(settings, ip=ip, secret=secret, timeout=1.0, retries=1) as nas,
        client_for(settings, venues["b"], timeout=1.0, retries=1) as other,
    ):
        assert nas.authenticate(v.code, v.pin, mac=MAC).accepted
        logins = Logins(other, guest)
        sender = Sender(
            settings.radius_host,
            {"auth": settings.radius_auth_port, "acct": settings.radius_acct_port},
            ip,
            sockets=2,
            window=8,
        )
        logins.start()
        started = time.monotonic()
        try:
            tally = sender.run(Generator(secret.encode(), SEED).cases(COUNT))
        finally:
            logins.stop.set()
            logins.join()
            sender.close()
        took = time.monotonic() - started
        print("", *tally.lines(), f"{took:.1f} s", sep="\n")

        assert sum(tally.sent.values()) == COUNT
        assert tally.wrong == []
        # Access-Requests within 1 s; accounting (answered once spooled) within 2 s.
        assert [k for k in tally.late if k.startswith("access")] == [], tally.late
        assert tally.codes[2] == 0  # never an Access-Accept
        assert radius.proc is not None and radius.proc.poll() is None
        assert logins.error is None, logins.error
        assert len(logins.results) > 5 and all(ok for ok, _ in logins.results)
        assert max(t for _, t in logins.results) < 1.0

        # Accounting sent after them, in every spool shard, is stored.
        sids = [f"8500000{d}" for d in "0123"]
        for sid in sids:
            nas.accounting_start(username=v.code, session_id=sid, mac=MAC)
        for sid in sids:
            wait_until(lambda sid=sid: session_row(session_factory, router.id, sid), 30)
        assert other.authenticate(guest.code, guest.pin, mac=MAC).accepted
