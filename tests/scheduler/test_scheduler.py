"""The scheduler: one leader at a time, and its ticket purge job."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading

from sqlalchemy import func, select

from hotspot.clock import FrozenClock
from hotspot.db import make_sessionmaker, transaction
from hotspot.models import LoginTicket
from hotspot.services.access import issue_ticket
from scheduler.jobs import JOBS, run_job
from scheduler.leader import LeaderLock
from tests import factories


def test_only_one_scheduler_leads(engine):
    first, second = LeaderLock(engine, key=4242), LeaderLock(engine, key=4242)
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
        assert second.alive()
    finally:
        first.release()
        second.release()


def test_purge_job_deletes_only_expired_tickets(engine, settings):
    factory = make_sessionmaker(engine)
    clock = FrozenClock(dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC))
    with transaction(factory) as s:
        router = factories.router(s, factories.owner(s))
        old, _ = issue_ticket(
            s,
            settings,
            router,
            "u1",
            "02:00:00:00:00:01",
            "voucher",
            clock.now() - dt.timedelta(minutes=10),
        )
        fresh, _ = issue_ticket(
            s, settings, router, "u2", "02:00:00:00:00:02", "voucher", clock.now()
        )
        ids = (old.id, fresh.id)
    purge = next(j for j in JOBS if j.name == "purge-login-tickets")
    assert run_job(purge, factory, clock) >= 1
    with factory() as s:
        left = set(s.scalars(select(LoginTicket.id).where(LoginTicket.id.in_(ids))))
    assert left == {fresh.id}
    # Once its validity (settings.ticket_ttl) has passed, the fresh one goes too.
    clock.advance(seconds=settings.ticket_ttl + 1)
    run_job(purge, factory, clock)
    with factory() as s:
        assert s.scalar(select(func.count()).where(LoginTicket.id.in_(ids))) == 0


def test_scheduler_process_runs_and_stops(settings):
    """`python -m scheduler` takes the lead, runs its jobs and exits on SIGTERM."""
    import os
    import signal
    import time

    env = dict(os.environ, HOTSPOT_DATABASE_URL=settings.database_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(
        "purge-login-tickets done" in line for line in lines
    ):
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(15) == 0
    reader.join(5)
    proc.stdout.close()
    assert any("leader" in line for line in lines), lines
    assert any("purge-login-tickets done" in line for line in lines), lines


def test_expired_vouchers_are_marked(engine, settings):
    """Reports see cards past their validity or sell-by date as expired."""
    from hotspot.crypto import PinCipher
    from hotspot.models import Voucher
    from hotspot.services.vouchers import generate_vouchers

    factory = make_sessionmaker(engine)
    t0 = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    cipher = PinCipher(settings.pin_key)
    with transaction(factory) as s:
        owner = factories.owner(s)
        tariff = factories.tariff(s, owner, time="1h", validity="7d")
        unsold, used, fresh = generate_vouchers(
            s, owner, tariff, 3, cipher, unsold_expiry=30 * 86400, now=t0
        )
        used.voucher.activated_at = t0 + dt.timedelta(days=1)
        used.voucher.status = "active"
        fresh.voucher.activated_at = t0 + dt.timedelta(days=29)
        fresh.voucher.status = "active"
        codes = [v.code for v in (unsold, used, fresh)]
    job = next(j for j in JOBS if j.name == "mark-expired-vouchers")
    run_job(job, factory, FrozenClock(t0 + dt.timedelta(days=31)))
    with factory() as s:
        status = dict(
            s.execute(
                select(Voucher.code, Voucher.status).where(Voucher.code.in_(codes))
            ).all()
        )
    assert status == {codes[0]: "expired", codes[1]: "expired", codes[2]: "active"}
