"""``hotspot run`` (the README's ``make run``): the whole stack on one machine.

A private PostgreSQL under var/, migrations, a demo venue, then FreeRADIUS (raddb/),
the portal, the scheduler and the router simulator, until Ctrl-C.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import select

from ..crypto import PinCipher, new_fernet_key
from ..db import make_engine, make_sessionmaker, transaction
from ..models import Owner, Router, Tariff, Voucher
from ..settings import Settings, read_env_file
from .affinity import describe, placement
from .freeradius import REPO_ROOT, FreeRadius
from .nfacctd import Nfacctd
from .postgres import PostgresCluster
from .process import stop_process

DEMO_OWNER = "demo"
DEMO_ROUTER = "demo-router"
DEMO_SECRET = "testing123"  # noqa: S105 - the documented demo secret
DEMO_TARIFF = "demo-1h"


def var_dir() -> Path:
    path = Path(os.environ.get("HOTSPOT_VAR_DIR", REPO_ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path.absolute()


def load_env_file(path: Path) -> None:
    """Generated secrets live in var/hotspot.env; the environment wins."""
    if not path.exists():
        path.write_text(
            f"HOTSPOT_SECRET_KEY={os.urandom(32).hex()}\n"
            f"HOTSPOT_PIN_KEY={new_fernet_key()}\n"
        )
        path.chmod(0o600)
    for name, value in read_env_file(path).items():
        os.environ.setdefault(name, value)


def write_stack_env(var: Path, settings: Settings) -> None:
    """Where this stack's database and portal are, for the CLI run beside it
    (hotspot.settings.with_local_stack); only its owner can read it (a password)."""
    path = var / "stack.env"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(
            "# Written by `hotspot run`: the CLI reads it when HOTSPOT_DATABASE_URL "
            "is unset.\n"
            f"HOTSPOT_DATABASE_URL={settings.database_url}\n"
            f"HOTSPOT_PORTAL_URL={settings.portal_url}\n"
            f"HOTSPOT_SMS_PROVIDERS={settings.sms_providers}\n"
        )


def seed_demo(settings: Settings) -> list[tuple[str, str]]:
    """The demo venue (idempotent); returns unused demo voucher codes and PINs."""
    from ..services.identification import import_registrations
    from ..services.tariffs import add_tariff
    from ..services.tenancy import add_owner, add_router
    from ..services.vouchers import generate_vouchers

    engine = make_engine(settings.database_url)
    cipher = PinCipher(settings.pin_key)
    try:
        with transaction(make_sessionmaker(engine)) as s:
            owner = s.scalar(select(Owner).where(Owner.name == DEMO_OWNER))
            if owner is None:
                owner = add_owner(s, DEMO_OWNER, "Demo Cafe")
                # The demo venue also takes hotel guests: room 101, surname Demo.
                owner.policy = {"documents": ["hotel"]}
                now = dt.datetime.now(dt.UTC)
                import_registrations(
                    s,
                    owner,
                    "hotel",
                    f"101,Demo,{now.isoformat()},"
                    f"{(now + dt.timedelta(days=365)).isoformat()}\n",
                )
            if (
                s.scalar(select(Router).where(Router.nas_identifier == DEMO_ROUTER))
                is None
            ):
                add_router(s, owner, DEMO_ROUTER, "127.0.0.1", DEMO_SECRET)
            tariff = s.scalar(
                select(Tariff).where(
                    Tariff.owner_id == owner.id, Tariff.name == DEMO_TARIFF
                )
            )
            if tariff is None:
                tariff = add_tariff(
                    s, owner, DEMO_TARIFF, time="60m", data="100MB", rate="2M/2M"
                )
            unused_demo_cards = (
                select(Voucher)
                .where(Voucher.owner_id == owner.id, Voucher.status == "new")
                .order_by(Voucher.id)
                .limit(5)
            )
            unused = list(s.scalars(unused_demo_cards))
            if len(unused) < 5:
                generate_vouchers(s, owner, tariff, 5 - len(unused), cipher)
                unused = list(s.scalars(unused_demo_cards))
            return [(v.code, cipher.decrypt(v.pin_encrypted) or "?") for v in unused]
    finally:
        engine.dispose()


def run_stack(demo: bool = True) -> int:
    from alembic import command

    from ..cli import alembic_config

    var = var_dir()
    load_env_file(var / "hotspot.env")
    pg_port = int(os.environ.get("HOTSPOT_PG_PORT", "5433"))
    cluster = PostgresCluster(var / "pgdata", pg_port)
    print(f"PostgreSQL: private cluster in {cluster.data_dir}, port {pg_port}")
    cluster.init()
    radius_cpus, db_cpus = placement(Settings.from_env())
    cluster.start(cpus=db_cpus)
    cluster.ensure_database("hotspot")
    os.environ.setdefault("HOTSPOT_DATABASE_URL", cluster.url("hotspot"))
    sim_listen = os.environ.get("HOTSPOT_SIM_LISTEN", "127.0.0.1:8081")
    os.environ.setdefault("HOTSPOT_DEMO_ROUTER_URL", f"http://{sim_listen}/")
    # No real SMS in the demo: codes go to an outbox shown at /demo/sms.
    os.environ.setdefault(
        "HOTSPOT_SMS_PROVIDERS",
        json.dumps(
            [{"type": "outbox", "name": "outbox", "path": str(var / "outbox.jsonl")}]
        ),
    )
    settings = Settings.from_env()
    write_stack_env(var, settings)

    command.upgrade(alembic_config(settings.database_url), "head")
    vouchers = seed_demo(settings) if demo else []

    procs: list[subprocess.Popen[bytes]] = []
    radius = FreeRadius(settings, var / "radius", echo=False)
    collector = Nfacctd(settings, var / "nfacctd")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        radius.start()
        collector.start()
        env = dict(os.environ, HOTSPOT_DATABASE_URL=settings.database_url)
        py = sys.executable
        procs.append(subprocess.Popen([py, "-m", "portal"], env=env, cwd=REPO_ROOT))
        procs.append(subprocess.Popen([py, "-m", "scheduler"], env=env, cwd=REPO_ROOT))
        if demo:
            sim_env = dict(
                env,
                HOTSPOT_SIM_LISTEN=sim_listen,
                HOTSPOT_SIM_RADIUS_HOST=settings.radius_host,
                HOTSPOT_SIM_AUTH_PORT=str(settings.radius_auth_port),
                HOTSPOT_SIM_ACCT_PORT=str(settings.radius_acct_port),
                HOTSPOT_SIM_SECRET=DEMO_SECRET,
                HOTSPOT_SIM_NAS_IDENTIFIER=DEMO_ROUTER,
                HOTSPOT_SIM_PORTAL_URL=f"{settings.portal_url}/login",
            )
            procs.append(
                subprocess.Popen([py, "-m", "simulator"], env=sim_env, cwd=REPO_ROOT)
            )
        print()
        print(
            f"RADIUS      auth {settings.radius_host}:{settings.radius_auth_port}, "
            f"accounting :{settings.radius_acct_port} (log: {radius.log_path})"
        )
        print(
            f"Flows       NetFlow/IPFIX {settings.flow_host}:{settings.flow_port}/udp "
            f"(nfacctd; log: {collector.log_path})"
        )
        print(f"Portal      {settings.portal_url}")
        if radius_cpus or db_cpus:
            print(
                f"CPUs        FreeRADIUS {describe(radius_cpus)}, PostgreSQL "
                f"{describe(db_cpus)} (HOTSPOT_RADIUS_CPUS / HOTSPOT_DB_CPUS)"
            )
        if demo:
            print(
                f"Demo router http://{sim_listen}/  (NAS-Identifier {DEMO_ROUTER}, "
                f"secret {DEMO_SECRET})"
            )
            print("Demo vouchers (tariff demo-1h: 60 min, 100 MB, 2M/2M):")
            for code, pin in vouchers:
                print(f"  card {code}  PIN {pin}")
            print(
                f"SMS codes of the demo (no real SMS): {settings.portal_url}/demo/sms"
            )
            print("Hotel guest login of the demo: room 101, surname Demo")
        print("\nPress Ctrl-C to stop.", flush=True)
        while not stop.wait(1):
            for p in procs:
                if p.poll() is not None:
                    print(f"a process exited ({p.args!r}); stopping", file=sys.stderr)
                    return 1
            if radius.proc and radius.proc.poll() is not None:
                print("FreeRADIUS exited; see its log; stopping", file=sys.stderr)
                return 1
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        print("\nStopping…", flush=True)
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            stop_process(p)
        radius.stop()
        collector.stop()
        cluster.stop()
        print("Stopped.")
