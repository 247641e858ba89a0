"""``python -m devstack`` (the README's ``make run``): the whole stack on one machine.

A private PostgreSQL under var/, migrations, a demo venue, then FreeRADIUS (raddb/),
the portal, the scheduler and the router simulator, until Ctrl-C.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from hotspot.crypto import PinCipher, new_fernet_key
from hotspot.db import make_engine, make_sessionmaker, transaction
from hotspot.models import Account, Owner, Router, Tariff, Voucher
from hotspot.settings import Settings, read_env_file

from .affinity import describe, placement
from .files import write_secret_file
from .freeradius import REPO_ROOT, FreeRadius
from .nfacctd import Nfacctd
from .postgres import PostgresCluster
from .process import component_environ
from .supervise import Command, Supervisor

#: CPUs a process is pinned to (None: unpinned).
Cpus = list[int] | None

DEMO_OWNER = "demo"
DEMO_ROUTER = "demo-router"
DEMO_SECRET = "demo-router-secret-2026"  # noqa: S105 - the documented demo secret
DEMO_TARIFF = "demo-1h"
DEMO_EMAIL = "demo@example.com"
DEMO_API_USER = "hotspot-api"
DEMO_API_PASSWORD = "demo-api-password-2026"  # noqa: S105 - the demo router's


@dataclass(frozen=True)
class DemoRouter:
    """Where the simulator playing the demo router listens: guests (HTTP), incoming
    RADIUS (Disconnect/CoA) and the RouterOS API, all on 127.0.0.1, the demo
    router's address."""

    listen: str = "127.0.0.1:8081"
    coa_port: int = 3799
    api_port: int = 8728

    @classmethod
    def from_env(cls) -> DemoRouter:
        env = os.environ
        return cls(
            env.get("HOTSPOT_SIM_LISTEN", cls.listen),
            int(env.get("HOTSPOT_SIM_COA_PORT") or cls.coa_port),
            int(env.get("HOTSPOT_SIM_API_PORT") or cls.api_port),
        )

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]") or "127.0.0.1"


def var_dir() -> Path:
    path = Path(os.environ.get("HOTSPOT_VAR_DIR", REPO_ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path.absolute()


def load_env_file(path: Path) -> None:
    """Generated secrets live in var/hotspot.env; the environment wins."""
    if not path.exists():
        write_secret_file(
            path,
            f"HOTSPOT_SECRET_KEY={os.urandom(32).hex()}\n"
            f"HOTSPOT_PIN_KEY={new_fernet_key()}\n",
        )
    for name, value in read_env_file(path).items():
        os.environ.setdefault(name, value)


def write_stack_env(var: Path, settings: Settings) -> None:
    """Where this stack's database and portal are, for the CLI run beside it
    (hotspot.settings.with_local_stack); only its owner can read it (a password)."""
    path = var / "stack.env"
    path.unlink(missing_ok=True)
    write_secret_file(
        path,
        "# Written by `make run`: the CLI reads it when HOTSPOT_DATABASE_URL "
        "is unset.\n"
        f"HOTSPOT_DATABASE_URL={settings.database_url}\n"
        f"HOTSPOT_PORTAL_URL={settings.portal_url}\n"
        f"HOTSPOT_SMS_PROVIDERS={settings.sms_providers}\n",
    )


def seed_demo(
    settings: Settings, sim: DemoRouter | None = None
) -> list[tuple[str, str]]:
    """The demo venue (idempotent); returns unused demo voucher codes and PINs.

    ``sim``: where the router simulator serves guests (its ``link-login-only``: the
    demo router's hotspot host, with ``localhost`` for a browser that opens the
    simulator by that name) and takes Disconnect/CoA and the RouterOS API."""
    sim = sim or DemoRouter()
    from hotspot.services.identification import import_registrations
    from hotspot.services.tariffs import add_tariff
    from hotspot.services.tenancy import add_owner, add_router, set_router_trust
    from hotspot.services.vouchers import generate_vouchers

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
            router = s.scalar(
                select(Router).where(Router.nas_identifier == DEMO_ROUTER)
            )
            if router is None:
                router = add_router(s, owner, DEMO_ROUTER, "127.0.0.1", DEMO_SECRET)
            # The simulator's guests post from 127.0.0.1, the router's address.
            set_router_trust(s, router, hotspot_hosts=[sim.host, "localhost"])
            _reach_demo_router(router, sim)
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


def _reach_demo_router(router: Router, sim: DemoRouter) -> None:
    """Disconnects and speed changes go to the simulator's incoming RADIUS, the
    RouterOS API fallback and queues to its API server."""
    router.coa_port = sim.coa_port
    router.coa_enabled = True
    router.api_port = sim.api_port
    router.api_username = DEMO_API_USER
    router.api_password = DEMO_API_PASSWORD


def seed_demo_account(settings: Settings, password_file: Path) -> str:
    """The demo owner's cabinet login, ``demo@example.com`` (idempotent): its
    password is generated once, kept in ``password_file`` (only the owner of the
    file can read it) and returned, to be printed."""
    from hotspot.services.accounts import add_account, generate_password, set_password
    from hotspot.services.audit import record

    known = password_file.read_text().strip() if password_file.exists() else ""
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as s:
            owner = s.scalar(select(Owner).where(Owner.name == DEMO_OWNER))
            assert owner is not None, "seed_demo first"
            account = s.scalar(select(Account).where(Account.email == DEMO_EMAIL))
            if account is not None and known:
                return known
            password = generate_password()
            if account is None:
                add_account(s, DEMO_EMAIL, "owner", password, owner)
            else:  # the file was lost: a new password
                set_password(s, account, password)
            record(s, "demo", "account.add", {"email": DEMO_EMAIL}, owner_id=owner.id)
            password_file.unlink(missing_ok=True)
            write_secret_file(password_file, password + "\n")
            return password
    finally:
        engine.dispose()


def _start_database(
    var: Path,
) -> tuple[PostgresCluster, list[int] | None, list[int] | None]:
    """The private cluster, its database and the components' roles (0011)."""
    pg_port = int(os.environ.get("HOTSPOT_PG_PORT", "5433"))
    cluster = PostgresCluster(var / "pgdata", pg_port)
    print(f"PostgreSQL: private cluster in {cluster.data_dir}, port {pg_port}")
    cluster.init()
    radius_cpus, db_cpus = placement(Settings.from_env())
    cluster.start(cpus=db_cpus)
    if "HOTSPOT_DATABASE_URL" not in os.environ:
        # Migrations and the CLI connect as the owner of the schema (no superuser);
        # FreeRADIUS, the portal and the scheduler as roles of their own (0011).
        os.environ["HOTSPOT_DATABASE_URL"] = cluster.ensure_owned_database("hotspot")
        for component, url in cluster.component_urls("hotspot").items():
            os.environ.setdefault(f"HOTSPOT_{component.upper()}_DATABASE_URL", url)
    return cluster, radius_cpus, db_cpus


def _demo_environment(var: Path, sim_listen: str, demo: bool) -> None:
    os.environ.setdefault("HOTSPOT_DEMO_ROUTER_URL", f"http://{sim_listen}/")
    # No real SMS in the demo: codes go to an outbox shown at /demo/sms.
    os.environ.setdefault(
        "HOTSPOT_SMS_PROVIDERS",
        json.dumps(
            [{"type": "outbox", "name": "outbox", "path": str(var / "outbox.jsonl")}]
        ),
    )
    if demo:
        # Shows the outbox at /demo/sms; nothing else ever does.
        os.environ.setdefault("HOTSPOT_DEMO", "1")


def _simulator(settings: Settings, sim: DemoRouter, var: Path) -> Command:
    """The demo router: the login.html `hotspot router script` installs, incoming
    RADIUS and the RouterOS API where the demo router's settings point."""
    from hotspot.routers.script import login_html

    page = var / "simulator" / "login.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(login_html(settings.portal_url))
    sim_env = dict(
        component_environ(os.environ, settings, None),
        HOTSPOT_SIM_LISTEN=sim.listen,
        HOTSPOT_SIM_RADIUS_HOST=settings.radius_host,
        HOTSPOT_SIM_AUTH_PORT=str(settings.radius_auth_port),
        HOTSPOT_SIM_ACCT_PORT=str(settings.radius_acct_port),
        HOTSPOT_SIM_SECRET=DEMO_SECRET,
        HOTSPOT_SIM_NAS_IDENTIFIER=DEMO_ROUTER,
        HOTSPOT_SIM_PORTAL_URL=f"{settings.portal_url}/login",
        HOTSPOT_SIM_LOGIN_HTML=str(page),
        HOTSPOT_SIM_COA_PORT=str(sim.coa_port),
        HOTSPOT_SIM_API_PORT=str(sim.api_port),
        HOTSPOT_SIM_API_USERNAME=DEMO_API_USER,
        HOTSPOT_SIM_API_PASSWORD=DEMO_API_PASSWORD,
    )
    return Command([sys.executable, "-m", "simulator"], sim_env, REPO_ROOT)


def _banner(
    settings: Settings,
    radius: FreeRadius,
    collector: Nfacctd,
    cpus: tuple[Cpus, Cpus],
    demo: tuple[DemoRouter, list[tuple[str, str]], str] | None,
) -> None:
    """What runs where, and the demo's cards and logins."""
    print()
    print(
        f"RADIUS      auth {settings.radius_host}:{settings.radius_auth_port}, "
        f"accounting :{settings.radius_acct_port} (log: {radius.log_path})"
    )
    print(
        f"Flows       NetFlow/IPFIX {settings.flow_host}:{settings.flow_port}/udp "
        f"(nfacctd; log: {collector.log_path}); DNS log by syslog "
        f"{settings.dnslog_host}:{settings.dnslog_port}/udp"
    )
    print(f"Portal      {settings.portal_url}")
    if cpus[0] or cpus[1]:
        print(
            f"CPUs        FreeRADIUS {describe(cpus[0])}, PostgreSQL "
            f"{describe(cpus[1])} (HOTSPOT_RADIUS_CPUS / HOTSPOT_DB_CPUS)"
        )
    if demo:
        sim, vouchers, password = demo
        print(
            f"Demo router http://{sim.listen}/  (NAS-Identifier {DEMO_ROUTER}, "
            f"secret {DEMO_SECRET}; Disconnect/CoA :{sim.coa_port}/udp, "
            f"RouterOS API :{sim.api_port})"
        )
        print("Demo vouchers (tariff demo-1h: 60 min, 100 MB, 2M/2M):")
        for code, pin in vouchers:
            print(f"  card {code}  PIN {pin}")
        print(f"SMS codes of the demo (no real SMS): {settings.portal_url}/demo/sms")
        print("Hotel guest login of the demo: room 101, surname Demo")
        print(
            f"Owner cabinet {settings.portal_url}/cabinet/  e-mail {DEMO_EMAIL}  "
            f"password {password}"
        )
    print("\nPress Ctrl-C to stop.", flush=True)


def run_stack(demo: bool = True) -> int:
    """The whole stack until Ctrl-C or SIGTERM; a process that exits is restarted
    (and logged), never the end of the stack."""
    from alembic import command

    from hotspot.db import alembic_config

    var = var_dir()
    load_env_file(var / "hotspot.env")
    cluster, radius_cpus, db_cpus = _start_database(var)
    sim = DemoRouter.from_env()
    _demo_environment(var, sim.listen, demo)
    settings = Settings.from_env()
    write_stack_env(var, settings)

    command.upgrade(alembic_config(settings.database_url), "head")
    vouchers = seed_demo(settings, sim) if demo else []
    demo_password = seed_demo_account(settings, var / "demo-password") if demo else ""

    radius = FreeRadius(settings, var / "radius", echo=False)
    collector = Nfacctd(settings, var / "nfacctd")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    supervisor = Supervisor()
    try:
        radius.start()
        supervisor.add("FreeRADIUS", radius, started=True)
        collector.start()
        supervisor.add("nfacctd", collector, started=True)
        # The DNS-log receiver connects with the collector's role.
        for name, role in (
            ("portal", "portal"),
            ("scheduler", "scheduler"),
            ("dnslog", "flows"),
        ):
            env = component_environ(os.environ, settings, role)
            supervisor.add(name, Command([sys.executable, "-m", name], env, REPO_ROOT))
        if demo:
            supervisor.add("simulator", _simulator(settings, sim, var))
        supervisor.start_all()
        _banner(
            settings,
            radius,
            collector,
            (radius_cpus, db_cpus),
            (sim, vouchers, demo_password) if demo else None,
        )
        supervisor.run(stop)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        print("\nStopping…", flush=True)
        supervisor.stop_all()
        radius.stop()
        collector.stop()
        cluster.stop()
        print("Stopped.")
