"""The Markdown report of ``python -m bench`` (bench/RESULTS.md)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from devstack.affinity import describe

from .runner import REPO_ROOT, TARGETS, VARIANTS, Bench, median

ANALYSIS_BEGIN = "<!-- BEGIN ANALYSIS (hand-written; kept when regenerated) -->"
ANALYSIS_END = "<!-- END ANALYSIS -->"

Summary = dict[tuple[str, str, int], dict[str, Any]]


def summarize(results: list[dict[str, Any]]) -> Summary:
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["target"], r["kind"], r["inflight"]), []).append(r)
    out: Summary = {}
    for key, rs in groups.items():
        rates = [r["rate"] for r in rs]
        s: dict[str, Any] = {
            "runs": len(rs),
            "rate": median(rates),
            "rate_min": min(rates),
            "rate_max": max(rates),
            "p50": median([r["p50_ms"] for r in rs]),
            "p99": median([r["p99_ms"] for r in rs]),
            "p99_max": max(r["p99_ms"] for r in rs),
            "accepts": sum(r["accepts"] for r in rs),
            "rejects": sum(r["rejects"] for r in rs),
            "responses": sum(r["responses"] for r in rs),
            "timeouts": sum(r["timeouts"] for r in rs),
            "dropped": sum(r.get("dropped", 0) for r in rs),
            "bad": sum(
                r["bad_authenticator"] + r["ma_bad"] + r["ma_missing"] for r in rs
            ),
            "client_cpu": median([r["client_cpu"] for r in rs]),
            "cpu": {
                k: median([r["cpu"].get(k, 0.0) for r in rs])
                for k in rs[0].get("cpu", {})
            },
            "waited": sum(r.get("waited", 0.0) for r in rs),
        }
        probes = [r["probe"] for r in rs if r.get("probe")]
        if probes:
            s["probe"] = {k: median([p[k] for p in probes]) for k in probes[0]}
        if key[0] == "d":
            s["drain_rate"] = median([r["drain_rate"] for r in rs])
            s["drain_rates"] = [r["drain_rate"] for r in rs]
            s["drain_backlog_rate"] = median([r["drain_backlog_rate"] for r in rs])
            s["drain_backlog_rates"] = [r["drain_backlog_rate"] for r in rs]
            s["drain_complete"] = all(r["drain_complete"] for r in rs)
            s["records"] = sum(r["records"] for r in rs)
            s["drain_cpu"] = {
                k: median([r["drain_cpu"][k] for r in rs]) for k in rs[0]["drain_cpu"]
            }
        if key[0] == "c":
            s["stored_ok"] = all(r.get("stored_ok") for r in rs)
        out[key] = s
    return out


def paired(
    results: list[dict[str, Any]], num: str, den: str, kind: str, n: int
) -> list[float]:
    """The ratio num/den in each round (the two ran back to back)."""
    by_round: dict[int, dict[str, float]] = {}
    for r in results:
        if r["kind"] == kind and r["inflight"] == n and r["target"] in (num, den):
            by_round.setdefault(r["round"], {})[r["target"]] = r["rate"]
    return [
        v[num] / v[den]
        for _, v in sorted(by_round.items())
        if num in v and den in v and v[den]
    ]


def _first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, check=False, cwd=REPO_ROOT
        )
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError):
        return "?"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3].rsplit(" ", 1)[0] + "..."


def machine_info() -> dict[str, str]:
    from devstack.postgres import pg_bindir

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    kb = int(Path("/proc/meminfo").read_text().split()[1])
    debian = Path("/etc/debian_version").read_text().strip()
    fr = _first_line(["freeradius", "-v"])
    m = re.search(r"Version ([0-9.]+)", fr)
    deb = _first_line(["dpkg-query", "-W", "-f=${Version}", "freeradius"])
    changed = (
        subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--",
                "raddb",
                "freeradius_module",
                "migrations",
                "hotspot",
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO_ROOT,
        )
        .stdout.strip()
        .splitlines()
    )
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{kb / 1024 / 1024:.0f} GiB",
        "os": f"Debian {debian}, Linux {platform.release()}",
        "freeradius": f"{m.group(1) if m else fr} (Debian {deb})",
        "postgresql": _first_line([str(pg_bindir() / "postgres"), "--version"]),
        "python": platform.python_version(),
        "commit": _short(_first_line(["git", "log", "-1", "--format=%h %s"]), 90),
        "dirty": (
            f"; {len(changed)} uncommitted change(s) in raddb/, "
            "freeradius_module/, migrations/, hotspot/ measured as they were"
            if changed
            else ""
        ),
    }


def render(bench: Bench, args: argparse.Namespace, out_path: Path | None) -> str:
    """Long because it writes the report's sections in the order they are read."""
    o = bench.o
    results = bench.results
    summary = summarize(results)
    info = machine_info()
    title = (
        "RADIUS benchmark: proposed changes"
        if bench.variants
        else "RADIUS benchmark results"
    )
    waited = sum(bench.waits)
    lines = [
        f"# {title}",
        "",
        "Generated by `python -m bench` (bench/README.md explains the method and "
        "every figure). Do not edit outside the analysis section: the next run "
        "rewrites the rest.",
        "",
        f"- Date: {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {info['cpu']}, {info['memory']} RAM; {info['os']}",
        f"- Software: FreeRADIUS {info['freeradius']}; {info['postgresql']}; "
        f"Python {info['python']}",
        f"- Code: {info['commit']}{info['dirty']}",
        f"- Command: `{' '.join(['python -m bench', *sys.argv[1:]])}`",
    ]
    if bench.variants:
        lines.append(
            "- **Proposed changes applied to (b) and (d)**, in the bench's "
            "copies only: " + "; ".join(f"`{v}`: {VARIANTS[v]}" for v in bench.variants)
        )
    lines.append(
        "- CPUs: "
        + (
            f"our FreeRADIUS on CPU {describe(bench.radius_cpus)}, our PostgreSQL "
            f"on CPU {describe(bench.db_cpus)}, as the local stack places them "
            "(devstack.affinity); the stock servers, the stock database "
            "and the load generator unpinned"
            if bench.radius_cpus or bench.db_cpus
            else "nothing pinned (`--unpinned`, or a single CPU)"
        )
    )
    if bench.probe:
        lines.append(
            "- Probe: (b) ran through bench/probe_rlm.py (times the Python "
            "call; adds ~1 us per request)"
        )
    lines += [
        f"- Data: {o.vouchers:,} vouchers; {o.sessions:,} rows in radius_sessions "
        f"and the same in radacct (for (c)), {o.open_sessions:,} of them open; "
        f"seeded in {bench.seed_seconds:.0f} s",
        f"- Ceiling (a): stock FreeRADIUS with Debian's stock logging and the thread "
        f"pool that was fastest here ({bench.stock_pool or '-'}; calibrated at 16 in "
        "flight: "
        + (
            ", ".join(
                f"{n.removeprefix('baseline-')} {r:,.0f}/s"
                for n, r in bench.calibration.items()
            )
            or "-"
        )
        + "); (s) the same server with raddb/'s thread pool and logging",
        f"- Load: (a) and (s) one user; (b) and (w) {o.codes:,} distinct vouchers "
        "with their PINs, "
        "PAP, Calling-Station-Id, Message-Authenticator (router requires it); (c) "
        f"and (d) Interim-Updates over the {o.open_sessions:,} open sessions, "
        "counters growing",
        f"- Method: {o.rounds} round(s); Access-Requests {o.warmup:g} s warm-up + "
        f"{o.duration:g} s measured per run, Interim-Updates {o.acct_warmup:g} + "
        f"{o.acct_duration:g} s; (a)/(b) and (c)/(d) back to back, order "
        "alternating; closed loop (exactly N requests in flight); load generator "
        "in its own process on the same machine"
        + (
            f"; {waited:.0f} s spent waiting for other processes to leave the CPUs"
            if waited
            else ""
        ),
        "",
        "## Results",
        "",
        "Medians over the rounds; spread = slowest-fastest round. CPU in cores "
        f"(1.00 = one core; the machine has {os.cpu_count()}) over the measured "
        "window; *other* is CPU used by processes that are not part of the "
        "benchmark (other people's test suites on this machine).",
        "",
        "| path | in flight | rate /s | spread /s | p50 ms | p99 ms (worst) "
        "| radiusd CPU | postgres CPU | loadgen CPU | other CPU | answers |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for (t, kind, n), s in sorted(summary.items()):
        cpu = s["cpu"]
        if kind == "auth":
            answers = f"{s['accepts']:,} accept, {s['rejects']} reject"
        else:
            answers = f"{s['responses']:,} answered"
        answers += f", {s['timeouts']} timeout"
        if s["dropped"]:
            answers += f", {s['dropped']:,} DROPPED by the server (max_requests)"
        if s["bad"]:
            answers += f", {s['bad']} BAD"
        pg = f"{cpu['postgres']:.2f}" if "postgres" in cpu else "-"
        lines.append(
            f"| ({t}) {TARGETS[t]} | {n} | {s['rate']:,.0f} | "
            f"{s['rate_min']:,.0f}-{s['rate_max']:,.0f} | {s['p50']:.2f} | "
            f"{s['p99']:.2f} ({s['p99_max']:.2f}) | {cpu.get('radiusd', 0):.2f} | "
            f"{pg} | {s['client_cpu']:.2f} | {cpu.get('other', 0):.2f} | {answers} |"
        )
    drains = [(k, s) for k, s in sorted(summary.items()) if k[0] == "d"]
    for (_, _, n), s in drains:
        c = s["drain_cpu"]
        lines += [
            "",
            f"Spool drain of (d) at {n} in flight: server hotspot_acct_spool storing "
            "the spooled Interim-Updates with hotspot_accounting(), timed until "
            "radius_sessions reflected every one:",
            "",
            f"- **{s['drain_rate']:,.0f} records/s** from the first packet sent to the "
            f"last record stored (rounds: "
            f"{', '.join(f'{x:,.0f}' for x in s['drain_rates'])})",
            f"- **{s['drain_backlog_rate']:,.0f} records/s** on the backlog left when "
            f"the load stopped (rounds: "
            f"{', '.join(f'{x:,.0f}' for x in s['drain_backlog_rates'])}), using "
            f"radiusd {c['radiusd']:.2f} + postgres {c['postgres']:.2f} cores "
            f"(other {c['other']:.2f})",
            f"- {s['records']:,} records in all, "
            f"{'every one stored' if s['drain_complete'] else '**NOT all stored**'}",
        ]
    for (t, _, n), s in sorted(summary.items()):
        if "probe" in s:
            p = s["probe"]
            lines.append(
                f"- Probe ({t}) x{n}: the Python call took {p['python_us']:.0f} us "
                f"({p['python_cpu_us']:.0f} us of CPU) and held rlm_python3's mutex "
                f"{p['python_busy']:.0%} of the time"
            )
    lines += ["", "## Ratios and targets", ""]
    lines += ratio_lines(bench, summary)
    lines += ["", "## CPU per request (measured)", ""]
    lines += cpu_lines(summary)
    if bench.applied:
        lines += ["", "## The proposed changes as applied", ""]
        for v in bench.variants:
            for ddl in bench.applied.get(v, []) if v != "raddb-diff" else []:
                lines += [f"`{v}`:", "", "```sql", ddl.strip() + ";", "```", ""]
        if bench.applied.get("raddb-diff"):
            lines += ["```diff", bench.applied["raddb-diff"].rstrip(), "```", ""]
    lines += ["", _kept_analysis(out_path), ""]
    return "\n".join(lines)


def ratio_lines(bench: Bench, summary: Summary) -> list[str]:
    results = bench.results
    lines = []
    for n in bench.o.inflight:
        a, b = summary.get(("a", "auth", n)), summary.get(("b", "auth", n))
        if not (a and b):
            continue
        ratio = b["rate"] / a["rate"]
        verdict = ""
        if n == 16:
            ok = ratio >= 0.2 and b["p99"] <= 10
            verdict = (
                f"; target >= 0.2 with p99 <= 10 ms: "
                f"**{'met' if ok else 'NOT met'}** (p99 {b['p99']:.1f} ms)"
            )
        lines.append(
            f"- (b)/(a) at {n} in flight: **{ratio:.3f}** ({b['rate']:,.0f} / "
            f"{a['rate']:,.0f}; per round "
            f"{', '.join(f'{x:.3f}' for x in paired(results, 'b', 'a', 'auth', n))})"
            f"{verdict}"
        )
        lines += _other_ratios(results, summary, n)
    for n in bench.o.acct_inflight:
        c, d = summary.get(("c", "acct", n)), summary.get(("d", "acct", n))
        if not (c and d):
            continue
        ratio = d["rate"] / c["rate"]
        lines.append(
            f"- (d)/(c) at {n} in flight: **{ratio:.2f}** ({d['rate']:,.0f} / "
            f"{c['rate']:,.0f} Interim-Updates answered per second; per round "
            f"{', '.join(f'{x:.2f}' for x in paired(results, 'd', 'c', 'acct', n))}); "
            f"target >= 1.0: **{'met' if ratio >= 1 else 'NOT met'}**"
        )
        drain = d["drain_backlog_rate"]
        lines.append(
            f"- but sustained: the spool drains at {drain:,.0f} records/s = "
            f"**{drain / c['rate']:.2f} x (c)**. Above that rate, for long, the "
            "spool grows: nothing is lost, but radius_sessions (and the limits "
            "enforced from it) lag behind"
        )
    return lines


def _other_ratios(results: list[dict[str, Any]], summary: Summary, n: int) -> list[str]:
    """(b) against the same-settings stock line, and the busy venue (w)."""
    lines = []
    for num, den, what in (
        ("b", "s", "against stock with raddb/'s pool and logging"),
        (
            "w",
            "a",
            "a busy venue (a wrong PIN in the last 15 minutes): what most venues see",
        ),
    ):
        x, y = summary.get((num, "auth", n)), summary.get((den, "auth", n))
        if x and y:
            rounds = ", ".join(f"{r:.3f}" for r in paired(results, num, den, "auth", n))
            ratio = x["rate"] / y["rate"]
            lines.append(
                f"- ({num})/({den}) at {n} in flight, {what}: **{ratio:.3f}** "
                f"({x['rate']:,.0f} / {y['rate']:,.0f}; per round {rounds}; "
                f"p99 {x['p99']:.1f} ms)"
            )
    return lines


def cpu_lines(summary: Summary) -> list[str]:
    lines = []
    for (t, _, n), s in sorted(summary.items()):
        cpu, rate = s["cpu"], s["rate"] or float("nan")
        per = ", ".join(
            f"{k} {cpu[k] / rate * 1e6:.0f} us"
            for k in ("radiusd", "postgres")
            if k in cpu
        )
        lines.append(
            f"- ({t}) x{n}: {per}, loadgen {s['client_cpu'] / rate * 1e6:.0f} us "
            f"per request; machine {cpu.get('machine', 0):.2f} cores busy, of which "
            f"{cpu.get('other', 0):.2f} not ours"
        )
    return lines


def _kept_analysis(out_path: Path | None) -> str:
    if out_path is not None and out_path.exists():
        text = out_path.read_text()
        if ANALYSIS_BEGIN in text and ANALYSIS_END in text:
            return text[
                text.index(ANALYSIS_BEGIN) : text.index(ANALYSIS_END)
                + len(ANALYSIS_END)
            ]
    return f"{ANALYSIS_BEGIN}\n{ANALYSIS_END}"
