"""Proposed changes to raddb/ and the SQL functions, applied by ``--variant`` to the
benchmark's own copies (its private database, a copy of raddb/ in its work
directory), never to the repository. Each is derived from the live definitions, so
it keeps measuring the right thing while raddb/ and migrations/ evolve.

auth-plpgsql (adopted in 46e9cde; a no-op on later code)
    Every ``hotspot_auth_state`` written in SQL is recreated, same signature, same
    volatility, as PL/pgSQL ``BEGIN RETURN (<the same query>); END``. PostgreSQL 15
    does not cache the plan of a SQL-language function it cannot inline (WITH/FROM
    in the body), so each Access-Request parses and plans the whole query again;
    PL/pgSQL keeps the plan for the life of the (pooled) connection.

threads-N (N = 2, 3, 4, 6, 8, 16)
    A thread pool of N workers instead of raddb/'s (HOTSPOT_RADIUS_THREADS, two per
    core by default), so at most N SQL connections (the sql pool's max follows
    thread[pool].max_servers): on 2 cores, more threads and busy backends mostly
    queue for the CPU, which shows in p99 (32 -> 8 -> 4 adopted).

spool-shards
    The detail spool in SHARDS files, by the last hex digit of Acct-Session-Id (a
    session always lands in the same shard, so its records stay in order), and one
    detail listener per shard in server hotspot_acct_spool. A detail listener
    stores one record at a time, so this drains SHARDS records at a time. A
    ``policy { acct_spool {...} }`` takes the place of the module of that name, so
    sites-enabled/hotspot is unchanged.
"""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

SHARDS = 4


def auth_state_plpgsql(cur) -> list[str]:  # type: ignore[no-untyped-def]
    """Recreate each SQL-language hotspot_auth_state as PL/pgSQL; return the DDL."""
    cur.execute(
        """
        SELECT pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
               p.prosrc, p.provolatile, l.lanname
          FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
         WHERE p.proname = 'hotspot_auth_state'
        """
    )
    volatility = {"s": "STABLE", "i": "IMMUTABLE", "v": "VOLATILE"}
    ddl = []
    for args, result, body, vol, lang in cur.fetchall():
        if lang != "sql":
            continue
        query = body.strip().rstrip(";").strip()
        if ";" in query.replace("';'", ""):
            raise ValueError("hotspot_auth_state has several statements")
        ddl.append(
            f"CREATE OR REPLACE FUNCTION hotspot_auth_state({args})\n"
            f"RETURNS {result}\nLANGUAGE plpgsql {volatility[vol]} AS $plpgsql$\n"
            f"BEGIN\n    RETURN (\n{query}\n    );\nEND\n$plpgsql$"
        )
    for statement in ddl:
        cur.execute(statement)
    return ddl


#: Variants applied to the migrated database: name -> function(cursor) -> DDL run.
SQL_VARIANTS = {"auth-plpgsql": auth_state_plpgsql}


def _block(text: str, start: int) -> int:
    """The index just past the brace block that opens at or after ``start``."""
    depth = 0
    for i in range(text.index("{", start), len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError("unbalanced braces")


def spool_shards(raddb: Path, shards: int = SHARDS) -> None:
    """Rewrite a copy of raddb/ in place for a sharded spool."""
    if not 1 <= shards <= 16 or 16 % shards:
        raise ValueError("shards: 1, 2, 4, 8 or 16")
    detail_path = raddb / "mods-enabled" / "detail"
    text = detail_path.read_text()
    m = re.search(r"^detail acct_spool \{", text, re.M)
    if m is None:
        raise ValueError("no 'detail acct_spool' in mods-enabled/detail")
    end = _block(text, m.start())
    module = text[m.start() : end]
    instances = []
    for k in range(shards):
        inst = module.replace("detail acct_spool {", f"detail acct_spool_{k} {{")
        inst = re.sub(r"(filename = \$\{radacctdir\}/spool/)", rf"\g<1>{k}/", inst)
        instances.append(inst)
    detail_path.write_text(text[: m.start()] + "\n".join(instances) + text[end:])

    site_path = raddb / "sites-enabled" / "acct_spool"
    site = site_path.read_text()
    m = re.search(r"^\tlisten \{", site, re.M)
    if m is None:
        raise ValueError("no listen section in sites-enabled/acct_spool")
    end = _block(site, m.start())
    listen = site[m.start() : end]
    if '"${radacctdir}/spool/detail-*"' not in listen:
        raise ValueError("unexpected spool file name in sites-enabled/acct_spool")
    old_name = '"${radacctdir}/spool/detail-*"'
    listeners = "\n".join(
        listen.replace(old_name, f'"${{radacctdir}}/spool/{k}/detail-*"')
        for k in range(shards)
    )
    digits = "0123456789abcdef"
    branches = []
    for k in range(shards):
        cls = "".join(digits[i] for i in range(k, 16, shards))
        keyword = "if" if k == 0 else "elsif"
        if k == shards - 1 and shards > 1:
            branches.append(f"\t\telse {{\n\t\t\tacct_spool_{k}\n\t\t}}")
        else:
            branches.append(
                f"\t\t{keyword} (&Acct-Session-Id =~ /[{cls}]$/i) {{\n"
                f"\t\t\tacct_spool_{k}\n\t\t}}"
            )
    policy = "policy {\n\tacct_spool {\n" + "\n".join(branches) + "\n\t}\n}\n\n"
    site_path.write_text(policy + site[: m.start()] + listeners + site[end:])


def python_module(raddb: Path, module: str) -> None:
    """Point rlm_python3 at another Python module (bench.probe_rlm)."""
    path = raddb / "mods-enabled" / "python3"
    text = path.read_text()
    new = re.sub(r"^(\s*module = ).*$", rf"\g<1>{module}", text, count=1, flags=re.M)
    if new == text:
        raise ValueError("no 'module =' in mods-enabled/python3")
    path.write_text(new)


def thread_pool(raddb: Path, threads: int) -> None:
    """At most ``threads`` worker threads (and so SQL connections: the sql pool's
    max follows thread[pool].max_servers)."""
    path = raddb / "radiusd.conf"
    text = path.read_text()
    m = re.search(r"^thread pool \{.*?^\}", text, re.S | re.M)
    if m is None:
        raise ValueError("no 'thread pool' section in radiusd.conf")
    pool = m.group(0)
    for key, value in (
        ("start_servers", threads),
        ("max_servers", threads),
        ("min_spare_servers", 1),
        ("max_spare_servers", threads),
    ):
        pool, n = re.subn(rf"(\b{key} = )(\d+|\$ENV\{{\w+\}})", rf"\g<1>{value}", pool)
        if n != 1:
            raise ValueError(f"no {key} in the thread pool section")
    path.write_text(text[: m.start()] + pool + text[m.end() :])


def proposed_raddb(
    source: Path, target: Path, variants: list[str], probe: bool = False
) -> Path:
    shutil.copytree(source, target)
    if "spool-shards" in variants:
        spool_shards(target)
    for v in variants:
        if v.startswith("threads-"):
            thread_pool(target, int(v.split("-", 1)[1]))
    if probe:
        python_module(target, "bench.probe_rlm")
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # never world-writable
    return target


def raddb_diff(source: Path, target: Path) -> str:
    """A unified diff of the proposed raddb copy against raddb/."""
    out = []
    names = {p.relative_to(source) for p in source.rglob("*") if p.is_file()}
    names |= {p.relative_to(target) for p in target.rglob("*") if p.is_file()}
    for name in sorted(names):
        a, b = source / name, target / name
        old = a.read_text().splitlines(keepends=True) if a.exists() else []
        new = b.read_text().splitlines(keepends=True) if b.exists() else []
        out += difflib.unified_diff(old, new, f"raddb/{name}", f"proposed/{name}")
    return "".join(out)
