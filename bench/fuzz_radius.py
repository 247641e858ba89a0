"""``python -m bench.fuzz_radius [--count N] [--seed S]``: hostile RADIUS packets
(simulator/fuzz.py) from a registered router to our FreeRADIUS, on a private
PostgreSQL and FreeRADIUS of its own, and what came back.

Prints, per kind of packet, how many were sent, answered and answered late (after
1 s; accounting must come within 2 s); then whether the server is still up, a
normal login at another router during and after, and how long accounting sent
after them took to be stored. Exits 1 if anything was not as it must be
(tests/radius/test_fuzz.py checks the same on a few thousand).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import text

from devstack.freeradius import FreeRadius
from devstack.postgres import PostgresCluster, free_port
from hotspot.crypto import PinCipher, new_fernet_key
from hotspot.db import make_engine, make_sessionmaker, transaction
from hotspot.services.tariffs import add_tariff
from hotspot.services.tenancy import add_owner, add_router
from hotspot.services.vouchers import generate_vouchers
from hotspot.settings import Settings
from simulator.fuzz import Generator, Sender
from simulator.radius import RadiusClient

FUZZ_IP, FUZZ_SECRET = "127.0.0.1", "fuzzing-router"
GUEST_IP, GUEST_SECRET = "127.0.0.3", "guest-router"
MAC = "AA:BB:CC:00:44:01"


def stack(work: Path) -> tuple[PostgresCluster, Settings]:
    from alembic import command

    from hotspot.db import alembic_config

    work.chmod(0o755)
    cluster = PostgresCluster(work / "pgdata", free_port())
    cluster.init()
    cluster.start()
    cluster.ensure_database("hotspot_fuzz")
    url = cluster.url("hotspot_fuzz")
    command.upgrade(alembic_config(url), "head")
    settings = Settings(
        database_url=url,
        secret_key=os.urandom(16).hex(),
        pin_key=new_fernet_key(),
        radius_auth_port=free_port(kind=2),
        radius_acct_port=free_port(kind=2),
    )
    return cluster, settings


def seed(settings: Settings) -> tuple[int, tuple[str, str]]:
    """Two routers of one owner; the fuzzing router's id and a guest's card."""
    factory = make_sessionmaker(make_engine(settings.database_url))
    with transaction(factory) as s:
        owner = add_owner(s, "fuzz")
        fuzzing = add_router(s, owner, "fuzzing", FUZZ_IP, FUZZ_SECRET)
        add_router(s, owner, "guests", GUEST_IP, GUEST_SECRET)
        tariff = add_tariff(s, owner, "day", time="1d")
        card = generate_vouchers(s, owner, tariff, 1, PinCipher(settings.pin_key))[0]
        return fuzzing.id, (card.code, card.pin)


def logins_during(nas: RadiusClient, card: tuple[str, str], stop: threading.Event):
    """Log the guest in every 0.2 s until ``stop``; the results."""
    results: list[str] = []

    def run() -> None:
        while not stop.is_set():
            try:
                r = nas.authenticate(*card, mac=MAC)
                results.append("ok" if r.accepted and r.elapsed < 1 else "slow/refused")
            except Exception as exc:  # reported below
                results.append(type(exc).__name__)
            time.sleep(0.2)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, results


def accounting_after(nas, settings, router_id: int, card) -> float | None:
    """A Start in each spool shard: seconds until all were stored (None: not in
    10 minutes). They wait for the records before them in their shards."""
    sids = [f"8600000{d}" for d in "0123"]
    started = time.monotonic()
    for sid in sids:
        nas.accounting_start(username=card[0], session_id=sid, mac=MAC)
    query = text(
        "SELECT count(*) FROM radius_sessions WHERE router_id = :r"
        " AND acct_session_id = ANY(:s)"
    )
    with make_engine(settings.database_url).connect() as c:
        while time.monotonic() - started < 600:
            if c.execute(query, {"r": router_id, "s": sids}).scalar() == len(sids):
                return time.monotonic() - started
            time.sleep(0.5)
    return None


def dead_letters(settings: Settings) -> int:
    with make_engine(settings.database_url).connect() as c:
        return c.execute(text("SELECT count(*) FROM accounting_dead_letters")).scalar()


def fuzz(settings: Settings, radius: FreeRadius, count: int, seed_: int) -> bool:
    router_id, card = seed(settings)
    ports = {"auth": settings.radius_auth_port, "acct": settings.radius_acct_port}
    fuzzing = RadiusClient(
        settings.radius_host,
        FUZZ_SECRET,
        *ports.values(),
        bind_address=FUZZ_IP,
        timeout=1.0,
        retries=1,
    )
    guests = RadiusClient(
        settings.radius_host,
        GUEST_SECRET,
        *ports.values(),
        bind_address=GUEST_IP,
        timeout=1.0,
        retries=1,
    )
    with fuzzing, guests:
        guests.authenticate(*card, mac=MAC)
        fuzzing.accounting_start(username="warm-up", session_id="86000010", mac=MAC)
        sender = Sender(settings.radius_host, ports, FUZZ_IP, sockets=2, window=8)
        stop = threading.Event()
        thread, logins = logins_during(guests, card, stop)
        started = time.monotonic()
        try:
            tally = sender.run(Generator(FUZZ_SECRET.encode(), seed_).cases(count))
        finally:
            stop.set()
            thread.join()
            sender.close()
        took = time.monotonic() - started
        up = radius.proc is not None and radius.proc.poll() is None
        after = guests.authenticate(*card, mac=MAC).accepted
        stored = accounting_after(fuzzing, settings, router_id, card)
    print(*tally.lines(), sep="\n")
    print(
        f"{sum(tally.sent.values())} packets in {took:.1f} s "
        f"({sum(tally.sent.values()) / took:.0f}/s)"
    )
    print(
        f"server up: {up}; logins at another router during: "
        f"{logins.count('ok')}/{len(logins)} ok; after: {after}"
    )
    print(
        "accounting sent after them, in every shard: "
        + ("not stored" if stored is None else f"stored {stored:.1f} s later")
        + f"; dead letters: {dead_letters(settings)}"
    )
    # Access-Requests answered within 1 s; accounting within 2 s (tally.wrong).
    late = [k for k in tally.late if k.startswith("access")]
    return (
        up
        and after
        and stored is not None
        and not tally.wrong
        and not late
        and logins.count("ok") == len(logins)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="hotspot-fuzz-"))
    cluster, settings = stack(work)
    radius = FreeRadius(settings, work / "radius", reject_delay=0)
    try:
        radius.start()
        ok = fuzz(settings, radius, args.count, args.seed)
    finally:
        radius.stop()
        cluster.stop(mode="immediate")
        shutil.rmtree(work, ignore_errors=True)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
