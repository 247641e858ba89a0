"""Benchmark data, seeded with set-based SQL (generate_series) in a few seconds.

Hotspot database (migrated by Alembic, like the test suite does):
- one owner, one router at 127.0.0.1 (Message-Authenticator required), one tariff;
- ``vouchers`` vouchers with random-looking 10-digit codes (a bijection of the row
  number, so they are unique) and ``pins`` distinct Fernet-encrypted PINs shared
  round-robin; limits large enough that the benchmark never exhausts them;
- ``sessions`` accounting rows (radius_sessions) spread over the vouchers, ten per
  voucher at the default sizes, all closed except the newest ``open_sessions``,
  which the accounting load updates with Interim-Updates.

Stock radacct database (Debian's schema.sql): the same sessions, with
AcctUniqueId computed exactly as the stock ``acct_unique`` policy does for the
packets the load generator sends, so an Interim-Update finds its row.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from hotspot.crypto import PinCipher

from .loadgen import AcctSession, AuthUser

STOCK_SQL_DIR = Path("/etc/freeradius/3.0/mods-config/sql/main/postgresql")
NAS_IDENTIFIER = "bench-nas"
NAS_IP = "127.0.0.1"
NAS_PORT_ID = "bridge-hotspot"  # what loadgen sends
CODE_MULT = 2654435761  # coprime with 9e9: code(g) is a bijection
AUTH_STRIDE = 7919  # coprime with 10^k: picks load vouchers all over the table
SESSION_ID_BASE = 0x81000000
TIME_LIMIT = 30 * 86400
DATA_LIMIT = 10 * 1024**3


def voucher_code(g: int) -> str:
    return str(1_000_000_000 + (g * CODE_MULT) % 9_000_000_000)


def device_mac(k: int) -> str:
    h = hashlib.md5(b"dev" + str(k).encode()).hexdigest()[:10].upper()
    return "02:" + ":".join(h[i : i + 2] for i in range(0, 10, 2))


def session_id(g: int) -> str:
    return "%08x" % (SESSION_ID_BASE + g)


def framed_ip(g: int) -> str:
    return f"10.5.{(g // 250) % 250}.{g % 250 + 1}"


@dataclass
class Dataset:
    vouchers: int
    sessions: int
    open_sessions: int
    pins: int
    auth_codes: int
    router_id: int = 0
    #: radius_sessions.id of the first load session (they are the highest ids).
    first_open_id: int = 0
    radacct_first_open_id: int = 0
    seed_seconds: float = 0.0


# SQL mirrors of voucher_code() and session_id() (keep them in step).
_SQL_CODE = f"(1000000000 + mod(g::bigint * {CODE_MULT}, 9000000000))::text"
# (No md5() per row: with OpenSSL 3 it costs microseconds, and a LATERAL value used
# six times is computed six times.)
_SQL_MAC_HEX = f"lpad(upper(to_hex(mod(g::bigint * {CODE_MULT}, 4294967296))), 8, '0')"
_SQL_MAC = (
    "('02:5E:' || "
    + " || ':' || ".join(f"substr({_SQL_MAC_HEX}, {i}, 2)" for i in (1, 3, 5, 7))
    + ")"
)
_SQL_SESSION_ID = f"lpad(to_hex({SESSION_ID_BASE}::bigint + g), 8, '0')"
_SQL_FRAMED_IP = "('10.5.' || mod(g / 250, 250) || '.' || (mod(g, 250) + 1))"
_SQL_SESSION_VOUCHER = "(1 + mod(g, %(vouchers)s))"


_SQL_VOUCHER_CODE = _SQL_CODE.replace("g::bigint", "v::bigint")
_SQL_SESSION_ROWS = f"""
  FROM generate_series(1, %(sessions)s) g,
       LATERAL (SELECT {_SQL_SESSION_VOUCHER} AS v, 60 * mod(g, 120) AS t) x,
       LATERAL (SELECT now() - make_interval(secs => (%(sessions)s - g) * 30 + 7200)
                       AS st) y
 ORDER BY g
"""
_SQL_CAUSE = (
    "(ARRAY['User-Request', 'Idle-Timeout', 'Session-Timeout', 'Lost-Carrier'])"
    "[1 + mod(g, 4)]"
)

SESSIONS_SQL = f"""
INSERT INTO radius_sessions (router_id, acct_session_id, username, mac, framed_ip,
    voucher_id, started_at, updated_at, stopped_at, session_time, input_octets,
    output_octets, terminate_cause)
SELECT %(router)s, {_SQL_SESSION_ID}, {_SQL_VOUCHER_CODE}, {_SQL_MAC},
       {_SQL_FRAMED_IP}::inet, v, st, st + make_interval(secs => t),
       CASE WHEN g <= %(closed)s THEN st + make_interval(secs => t) END,
       t, mod(g, 977)::bigint * 104729, mod(g, 991)::bigint * 524287,
       CASE WHEN g <= %(closed)s THEN {_SQL_CAUSE} END
{_SQL_SESSION_ROWS}"""

# AcctUniqueId as the stock acct_unique policy computes it for loadgen's packets:
# md5("User-Name,Acct-Session-Id,NAS-IP-Address,NAS-Identifier,NAS-Port-Id,NAS-Port")
_SQL_UNIQUE_ID = (
    f"md5({_SQL_VOUCHER_CODE} || ',' || {_SQL_SESSION_ID} || "
    f"',{NAS_IP},{NAS_IDENTIFIER},{NAS_PORT_ID},' || ({SESSION_ID_BASE}::bigint + g))"
)

RADACCT_SQL = f"""
INSERT INTO radacct (acctsessionid, acctuniqueid, username, realm, nasipaddress,
    nasportid, nasporttype, acctstarttime, acctupdatetime, acctstoptime,
    acctinterval, acctsessiontime, acctauthentic, connectinfo_start,
    connectinfo_stop, acctinputoctets, acctoutputoctets, calledstationid,
    callingstationid, acctterminatecause, servicetype, framedprotocol,
    framedipaddress)
SELECT {_SQL_SESSION_ID}, {_SQL_UNIQUE_ID}, {_SQL_VOUCHER_CODE}, NULL, '{NAS_IP}',
       '{NAS_PORT_ID}', 'Ethernet', st, st + make_interval(secs => t),
       CASE WHEN g <= %(closed)s THEN st + make_interval(secs => t) END,
       60, t, 'RADIUS', '', '',
       mod(g, 977)::bigint * 104729, mod(g, 991)::bigint * 524287,
       'hotspot1', {_SQL_MAC},
       CASE WHEN g <= %(closed)s THEN {_SQL_CAUSE} ELSE '' END,
       'Login-User', '', {_SQL_FRAMED_IP}::inet
{_SQL_SESSION_ROWS}"""


def _connect(dsn: str):  # type: ignore[no-untyped-def]
    """A loading connection: no FK triggers (the data is consistent by
    construction; the cluster user is a superuser), asynchronous commit."""
    conn = psycopg2.connect(dsn)
    conn.autocommit = False
    cur = conn.cursor()
    cur.execute("SET session_replication_role = replica")
    cur.execute("SET synchronous_commit = off")
    cur.execute("SET maintenance_work_mem = '256MB'")
    return conn


@contextlib.contextmanager
def _indexes_built_after(cur, table: str):  # type: ignore[no-untyped-def]
    """Drop the table's secondary indexes and unique constraints (not the primary
    key), and recreate them from their catalog definitions after the load:
    sorting once is several times faster than a million random index inserts."""
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'u'",
        (table,),
    )
    constraints = cur.fetchall()
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
        "FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = i.indexrelid)",
        (table,),
    )
    indexes = cur.fetchall()
    for name, _ in constraints:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {name}")
    yield
    for _, definition in indexes:
        cur.execute(definition)
    for name, definition in constraints:
        cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def seed_hotspot(dsn: str, ds: Dataset, secret: str, pin_key: str) -> list[str]:
    """Fill the migrated hotspot database; return the clear PINs (index g % pins).

    Long because it is one bulk load, statement after statement, in the order the
    constraints need.
    """
    cipher = PinCipher(pin_key)
    pins = [f"{(i * 7_654_321 + 123_457) % 1_000_000:06d}" for i in range(ds.pins)]
    conn = _connect(dsn)
    try:
        cur = conn.cursor()
        cur.execute(
            "INSERT INTO owners (name, display_name) VALUES ('bench', 'Bench venue') "
            "RETURNING id"
        )
        owner_id = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO routers (owner_id, nas_identifier, ip_address, radius_secret,"
            " require_message_authenticator, title) "
            "VALUES (%s, %s, %s, %s, true, 'bench router') RETURNING id",
            (owner_id, NAS_IDENTIFIER, NAS_IP, secret),
        )
        ds.router_id = router_id = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO tariffs (owner_id, name, time_limit, data_limit, rate_limit,"
            " idle_timeout, validity_seconds, price, currency) "
            "VALUES (%s, 'month', %s, %s, '2M/4M', 600, %s, 50000, 'UZS') RETURNING id",
            (owner_id, TIME_LIMIT, DATA_LIMIT, TIME_LIMIT),
        )
        tariff_id = cur.fetchone()[0]
        cur.execute("CREATE TEMP TABLE bench_pins (i int PRIMARY KEY, enc text)")
        cur.executemany(
            "INSERT INTO bench_pins VALUES (%s, %s)",
            [(i, cipher.encrypt(p)) for i, p in enumerate(pins)],
        )
        # ids 1..N in generate_series order (fresh table): voucher g has id g.
        cur.execute(
            f"""
            INSERT INTO vouchers (owner_id, tariff_id, code, pin_encrypted, status,
                time_limit, data_limit, rate_limit, idle_timeout, validity_seconds,
                expires_at, activated_at, used_seconds, used_bytes, created_at)
            SELECT %(owner)s, %(tariff)s, {_SQL_CODE}, p.enc,
                   CASE WHEN mod(g, 4) = 0 THEN 'active' ELSE 'new' END,
                   %(tl)s, %(dl)s, '2M/4M', 600, %(tl)s, NULL,
                   CASE WHEN mod(g, 4) = 0
                        THEN now() - make_interval(mins => mod(g, 1440)) END,
                   CASE WHEN mod(g, 4) = 0 THEN mod(g, 1440) * 60 ELSE 0 END,
                   CASE WHEN mod(g, 4) = 0
                        THEN mod(g, 1000)::bigint * 1000000 ELSE 0 END,
                   now() - make_interval(hours => mod(g, 2000))
              FROM generate_series(1, %(vouchers)s) g
              JOIN bench_pins p ON p.i = mod(g, %(pins)s)
             ORDER BY g
            """,
            {
                "owner": owner_id,
                "tariff": tariff_id,
                "tl": TIME_LIMIT,
                "dl": DATA_LIMIT,
                "vouchers": ds.vouchers,
                "pins": ds.pins,
            },
        )
        cur.execute("SELECT min(id), max(id) FROM vouchers")
        lo, hi = cur.fetchone()
        if (lo, hi) != (1, ds.vouchers):
            raise RuntimeError(f"voucher ids {lo}..{hi}: seed into an empty database")
        # Sessions: g = 1..S, voucher 1 + g % V; the newest open_sessions are open.
        with _indexes_built_after(cur, "radius_sessions"):
            cur.execute(
                SESSIONS_SQL,
                {
                    "router": router_id,
                    "sessions": ds.sessions,
                    "closed": ds.sessions - ds.open_sessions,
                    "vouchers": ds.vouchers,
                },
            )
        # Loaded around hotspot_accounting and the triggers: set the hints they
        # keep (each card's last accounting...) from the rows (migrations/sql/0006).
        cur.execute("SELECT hotspot_rebuild_hints()")
        cur.execute("SELECT min(id) FROM radius_sessions WHERE stopped_at IS NULL")
        ds.first_open_id = cur.fetchone()[0]
        conn.commit()
    finally:
        conn.close()
    _vacuum(dsn)
    return pins


def seed_radacct(dsn: str, ds: Dataset) -> None:
    """Stock schema.sql, then the same sessions in radacct."""
    conn = _connect(dsn)
    try:
        cur = conn.cursor()
        cur.execute((STOCK_SQL_DIR / "schema.sql").read_text())
        with _indexes_built_after(cur, "radacct"):
            cur.execute(
                RADACCT_SQL,
                {
                    "sessions": ds.sessions,
                    "closed": ds.sessions - ds.open_sessions,
                    "vouchers": ds.vouchers,
                },
            )
        cur.execute("SELECT min(radacctid) FROM radacct WHERE acctstoptime IS NULL")
        ds.radacct_first_open_id = cur.fetchone()[0]
        conn.commit()
    finally:
        conn.close()
    _vacuum(dsn)


def _vacuum(dsn: str) -> None:
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        conn.cursor().execute("VACUUM (ANALYZE)")
    finally:
        conn.close()


def auth_users(ds: Dataset, pins: list[str]) -> list[AuthUser]:
    """The vouchers the Access-Request load cycles over, with PINs and devices:
    spread over the table, and never one with an open session (the accounting
    load keeps those sessions fresh, and a second device would be refused by the
    simultaneous-use limit)."""
    busy = {
        1 + g % ds.vouchers
        for g in range(ds.sessions - ds.open_sessions + 1, ds.sessions + 1)
    }
    users = []
    k = 0
    while len(users) < ds.auth_codes and k < 10 * ds.vouchers:
        g = 1 + (k * AUTH_STRIDE) % ds.vouchers
        if g not in busy:
            users.append(AuthUser(voucher_code(g), pins[g % ds.pins], device_mac(k)))
        k += 1
    if len(users) < ds.auth_codes:
        raise ValueError("not enough vouchers without an open session")
    return users


def load_sessions(dsn: str, ds: Dataset, *, radacct: bool = False) -> list[AcctSession]:
    """The open sessions the Interim-Update load reports on, with their counters."""
    conn = psycopg2.connect(dsn)
    try:
        cur = conn.cursor()
        if radacct:
            cur.execute(
                "SELECT username, acctsessionid, callingstationid,"
                " host(framedipaddress), acctsessiontime, acctinputoctets,"
                " acctoutputoctets "
                "FROM radacct WHERE radacctid >= %s ORDER BY radacctid",
                (ds.radacct_first_open_id,),
            )
        else:
            cur.execute(
                "SELECT username, acct_session_id, mac, host(framed_ip), session_time,"
                " input_octets, output_octets "
                "FROM radius_sessions WHERE id >= %s ORDER BY id",
                (ds.first_open_id,),
            )
        rows = cur.fetchall()
    finally:
        conn.close()
    return [
        AcctSession(
            user=u,
            session_id=sid,
            mac=mac,
            framed_ip=ip,
            nas_port=int(sid, 16),
            session_time=t,
            input_octets=i,
            output_octets=o,
        )
        for u, sid, mac, ip, t, i, o in rows
    ]
