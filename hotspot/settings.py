"""One settings object, built from environment variables (12-factor).

The same settings reach the portal, the scheduler and the FreeRADIUS module. Nothing
reads the environment at import time: call :func:`Settings.from_env`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

#: Files under var/ in which the local stack (``make run``) leaves its settings:
#: the generated secrets, and the address of its private database.
LOCAL_STACK_FILES = ("hotspot.env", "stack.env")


class SettingsError(ValueError):
    """A required setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    #: SQLAlchemy URL of the PostgreSQL database.
    database_url: str = "postgresql+psycopg2://hotspot@127.0.0.1:5433/hotspot"
    #: Each component's own database role (only the grants it needs, migration
    #: 0011); empty: the component connects with ``database_url`` (the owner).
    radius_database_url: str = ""
    portal_database_url: str = ""
    scheduler_database_url: str = ""
    #: nfacctd and the DNS-log receiver (0022: INSERT on the flow log only).
    flows_database_url: str = ""
    #: Secret for Flask sessions/CSRF and for deriving one-time ticket passwords.
    secret_key: str = ""
    #: Fernet key (urlsafe base64, 32 bytes) that encrypts voucher PINs at rest.
    pin_key: str = ""
    #: Where the local stack keeps its state (PostgreSQL cluster, logs, spool).
    var_dir: str = "var"
    radius_host: str = "127.0.0.1"
    radius_auth_port: int = 1812
    radius_acct_port: int = 1813
    #: FreeRADIUS worker threads, and so at most as many database connections;
    #: 0: two per CPU core (the best measured on 2 cores, bench/RESULTS.md).
    radius_threads: int = 0
    #: CPUs of FreeRADIUS and of the local PostgreSQL (devstack.affinity):
    #: "auto" (FreeRADIUS: the first half of the cores; PostgreSQL: the other),
    #: "all" (unpinned) or a list like "0-1".
    radius_cpus: str = "auto"
    db_cpus: str = "all"
    portal_host: str = "127.0.0.1"
    portal_port: int = 8080
    #: Milliseconds between the portal's writes of ad impressions (batched;
    #: hotspot.services.ad_views); 0: each written with its request.
    ad_view_interval_ms: int = 200
    #: Public base URL of the portal (what routers redirect guests to).
    portal_url: str = "http://127.0.0.1:8080"
    #: Seconds a one-time login ticket stays valid.
    ticket_ttl: int = 120
    #: Acct-Interim-Interval sent to routers, in seconds.
    acct_interim_interval: int = 60
    #: Idle-Timeout sent when the tariff has none, in seconds.
    default_idle_timeout: int = 600
    #: The longest an access session may last (the Uzbek 24-hour rule), seconds.
    max_session_seconds: int = 86400
    #: The most routers an owner may add from the cabinet (the operator's CLI and
    #: admin are not limited); 0: owners add none themselves.
    max_routers_per_owner: int = 20
    #: SMS gateways, a JSON list of provider configs tried in order (hotspot.sms),
    #: e.g. [{"type": "eskiz", "name": "eskiz", "email": "...", "password": "..."}].
    sms_providers: str = ""
    #: The demo stack's simulated router, linked from the portal's front page.
    demo_router_url: str = ""
    #: Reverse proxies in front of the portal (addresses or networks, comma
    #: separated): only from them is X-Forwarded-For believed. Empty: none.
    trusted_proxies: str = ""
    #: 1 in the demo stack only: shows the demo's SMS outbox at /demo/sms.
    demo: int = 0
    #: Default language of guest pages.
    default_locale: str = "en"
    #: Days each kind of record is kept (hotspot.services.retention); 0: for ever.
    #: Sessions and identifications are legal records: the operator sets them.
    retention_session_days: int = 365
    retention_identification_days: int = 365
    retention_sms_days: int = 180
    retention_otp_days: int = 30
    retention_auth_failure_days: int = 7
    #: The flow log (hotspot.services.flows): nfacctd listens here for NetFlow
    #: v5/v9 and IPFIX from the routers; flows are kept ``retention_flow_days``
    #: (a legal minimum the operator sets; 0: for ever), day partitions are made
    #: ``flow_days_ahead`` days ahead; nfacctd writes every ``flow_refresh`` s.
    flow_host: str = "127.0.0.1"
    flow_port: int = 2055
    #: The collector's address the routers send to (the onboarding script), when
    #: it is not ``flow_host`` (a NAT, a wildcard bind); empty: ``flow_host``, or
    #: for a wildcard the script's RADIUS address.
    flow_address: str = ""
    flow_refresh: int = 10
    retention_flow_days: int = 365
    flow_days_ahead: int = 3
    #: The DNS-log receiver (python -m dnslog): UDP syslog from the routers
    #: (``/system logging action add target=remote remote=<server>
    #: remote-port=5514``), names into ``dns_names``.
    dnslog_host: str = "127.0.0.1"
    dnslog_port: int = 5514
    #: The receiver's address the routers send to, as ``flow_address``.
    dnslog_address: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> Settings:
        """Read ``HOTSPOT_<NAME>`` variables, e.g. ``HOTSPOT_DATABASE_URL``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = env.get(f"HOTSPOT_{f.name.upper()}")
            if raw is None:
                continue
            if f.type == "int":
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise SettingsError(
                        f"HOTSPOT_{f.name.upper()} must be an integer"
                    ) from exc
            else:
                values[f.name] = raw
        values.update(overrides)
        return cls(**values)

    def database_url_for(self, component: str) -> str:
        """The URL ``component`` ("radius", "portal", "scheduler", "flows") connects
        with; migrations and the CLI use ``database_url``, the owner of the schema."""
        return getattr(self, f"{component}_database_url") or self.database_url

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def require(self, *names: str) -> None:
        """Raise :class:`SettingsError` naming every empty required setting."""
        missing = [n for n in names if not getattr(self, n)]
        if missing:
            raise SettingsError(
                "missing settings: "
                + ", ".join(f"HOTSPOT_{n.upper()}" for n in missing)
            )


def local_stack_dir(environ: Mapping[str, str], cwd: Path | None = None) -> Path | None:
    """The local stack's var/ directory: ``HOTSPOT_VAR_DIR``, else ./var, else the
    checkout's var/ (an editable install), whichever holds the stack's files."""
    if environ.get("HOTSPOT_VAR_DIR"):
        candidates = [Path(environ["HOTSPOT_VAR_DIR"])]
    else:
        candidates = [
            (cwd or Path.cwd()) / "var",
            Path(__file__).resolve().parent.parent / "var",
        ]
    for path in candidates:
        if (path / LOCAL_STACK_FILES[0]).is_file():
            return path
    return None


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines (no quoting, ``#`` comments)."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            values[name.strip()] = value.strip()
    return values


def with_local_stack(
    environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> dict[str, str]:
    """The environment, completed from the local stack's files when it has no
    ``HOTSPOT_DATABASE_URL`` of its own: so the CLI beside ``make run`` finds that
    stack's database and keys. What the environment sets always wins."""
    env = dict(os.environ if environ is None else environ)
    if env.get("HOTSPOT_DATABASE_URL"):
        return env
    var = local_stack_dir(env, cwd)
    if var is None:
        return env
    for name in LOCAL_STACK_FILES:
        path = var / name
        if path.is_file():
            for key, value in read_env_file(path).items():
                env.setdefault(key, value)
    return env
