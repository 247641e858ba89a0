"""Every Debian package the stack, the tests and the benchmarks need is installed by
scripts/install.sh.

What is needed is derived from the files that need it, not from a list kept by hand:
the FreeRADIUS modules and drivers each raddb/ overlay loads, and the programs the
Python code executes (subprocess calls, ``shutil.which``, absolute paths). Each is
asked of ``dpkg -S``; the package that provides it must be listed in install.sh or be
a dependency of one that is (or be essential: on every Debian). A machine that got a
package by hand passes ``make test`` only if install.sh would have installed it too.
"""

from __future__ import annotations

import ast
import glob
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALL_SH = REPO / "scripts" / "install.sh"
RADDB_OVERLAYS = [REPO / "raddb", *sorted((REPO / "bench").glob("*raddb"))]
PYTHON_TREES = [
    "hotspot",
    "devstack",
    "portal",
    "scheduler",
    "simulator",
    "bench",
    "tests",
]
FREERADIUS_LIBDIR = Path("/usr/lib/freeradius")
SEARCH_DIRS = [
    "/usr/bin",
    "/usr/sbin",
    "/bin",
    "/sbin",
    *glob.glob("/usr/lib/postgresql/*/bin"),
]
SUBPROCESS_CALLS = {"run", "Popen", "check_output", "check_call", "call"}
#: Programs of the Python environment itself, not of Debian's packages.
NOT_DEBIAN = {"python", "python3", "ruff", "hotspot"}

pytestmark = pytest.mark.skipif(
    shutil.which("dpkg") is None, reason="needs Debian's dpkg"
)


# -- what the files need ----------------------------------------------------------
def raddb_modules(overlay: Path) -> dict[str, str]:
    """rlm_*.so file name -> the config file that loads it."""
    needed: dict[str, str] = {}
    for conf in sorted((overlay / "mods-enabled").iterdir()):
        text = conf.read_text()
        # A module block starts at column 0: "sql {" or "detail acct_spool_0 {".
        for name in re.findall(r"^([a-z][a-z0-9_]*)(?:\s+[\w.-]+)?\s*\{", text, re.M):
            needed[f"rlm_{name}.so"] = str(conf.relative_to(REPO))
        for driver in re.findall(r'^\s*driver\s*=\s*"?(rlm_[a-z0-9_]+)"?', text, re.M):
            needed[f"{driver}.so"] = str(conf.relative_to(REPO))
        if re.search(r"^cache\b", text, re.M) and "driver" not in text:
            needed["rlm_cache_rbtree.so"] = str(conf.relative_to(REPO))
    return needed


def _literal_command(node: ast.AST) -> str | None:
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        first = node.elts[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _loop_names(tree: ast.AST) -> dict[str, list[str]]:
    """``for name in ("a", "b")``: the literals a loop variable takes."""
    names: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            if isinstance(node.iter, ast.Tuple | ast.List):
                values = [
                    e.value
                    for e in node.iter.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                ]
                names.setdefault(node.target.id, []).extend(values)
    return names


def programs_in(path: Path) -> set[str]:
    """Programs a Python file executes or looks up, by name or absolute path, and
    the font files it loads."""
    tree = ast.parse(path.read_text(), str(path))
    loops = _loop_names(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            if attr == "which" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
                elif isinstance(arg, ast.Name) and loops.get(arg.id):
                    # Alternatives tried in turn: one of them is needed.
                    found.add("|".join(loops[arg.id]))
            elif attr in SUBPROCESS_CALLS and node.args:
                command = _literal_command(node.args[0])
                if command:
                    found.add(command)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.fullmatch(r"/usr/(s?bin|lib/postgresql/\*/bin)/[\w.+-]+", node.value):
                found.add(node.value)
            elif re.fullmatch(r"/usr/share/fonts/[\w/.+-]+", node.value):
                found.add(node.value)  # a font file the code loads
    return {p for p in found if Path(p.split("|")[0]).name not in NOT_DEBIAN}


def needed_files() -> dict[str, str]:
    """Absolute path (or a bare name not found) -> the file that needs it."""
    needed: dict[str, str] = {}
    for overlay in RADDB_OVERLAYS:
        if (overlay / "mods-enabled").is_dir():
            for so, conf in raddb_modules(overlay).items():
                needed.setdefault(str(FREERADIUS_LIBDIR / so), conf)
    for tree in PYTHON_TREES:
        for path in sorted((REPO / tree).rglob("*.py")):
            for program in programs_in(path):
                needed.setdefault(_resolve(program), str(path.relative_to(REPO)))
    return needed


def _resolve(program: str) -> str:
    if "|" in program:
        resolved = [_resolve(p) for p in program.split("|")]
        return next((r for r in resolved if r.startswith("/")), resolved[0])
    if "*" in program:
        matches = sorted(glob.glob(program))
        return matches[-1] if matches else program
    if program.startswith("/"):
        return program
    for d in SEARCH_DIRS:
        if Path(d, program).exists():
            return str(Path(d, program))
    return program


# -- what install.sh installs -----------------------------------------------------
def listed_packages() -> set[str]:
    text = INSTALL_SH.read_text()
    listed: set[str] = set()
    for body in re.findall(r"packages\+?=\(([^)]*)\)", text):
        listed.update(re.sub(r"#.*", "", body).split())
    return listed


@cache
def package_db() -> dict[str, tuple[set[str], bool]]:
    """Installed package -> (what it depends on, whether it is essential)."""
    out = subprocess.run(
        [
            "dpkg-query",
            "-W",
            "-f",
            "${Package}\t${Depends}, ${Pre-Depends}\t${Essential} ${Priority}\n",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    db: dict[str, tuple[set[str], bool]] = {}
    for line in out.splitlines():
        name, depends, flags = line.split("\t")
        deps = set()
        for clause in depends.split(","):
            # "a (>= 1) | b": any alternative that is installed satisfies it.
            for alt in clause.split("|"):
                dep = alt.strip().split(" ")[0].split(":")[0]
                if dep:
                    deps.add(dep)
        db[name] = (deps, flags.startswith("yes") or flags.endswith("required"))
    return db


def installed_closure(roots: set[str]) -> set[str]:
    db = package_db()
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo.extend(db.get(p, (set(), False))[0] - seen)
    return seen


def providing_packages(paths: list[str]) -> dict[str, str | None]:
    """path -> the installed package that ships it (links followed), or None."""
    candidates = {p: [p, str(Path(p).resolve())] for p in paths}
    asked = sorted({c for cs in candidates.values() for c in cs if c.startswith("/")})
    out = subprocess.run(
        ["dpkg", "-S", *asked], capture_output=True, text=True, check=False
    ).stdout
    owner: dict[str, str] = {}
    for line in out.splitlines():
        packages, _, path = line.partition(": ")
        owner[path.strip()] = packages.split(",")[0].split(":")[0].strip()
    return {
        p: next((owner[c] for c in cs if c in owner), None)
        for p, cs in candidates.items()
    }


def is_essential(package: str) -> bool:
    return package_db().get(package, (set(), False))[1]


# -- the guard --------------------------------------------------------------------
def test_install_script_installs_every_package_the_stack_needs():
    covered = installed_closure(listed_packages())
    problems = []
    needed = needed_files()
    packages = providing_packages(sorted(needed))
    for path, needed_by in sorted(needed.items()):
        package = packages[path]
        if package is None:
            problems.append(
                f"{path} (needed by {needed_by}) is on no installed package: "
                "add the package that provides it to scripts/install.sh"
            )
        elif package not in covered and not is_essential(package):
            problems.append(
                f"{path} (needed by {needed_by}) comes from the Debian package "
                f"{package}, which scripts/install.sh does not install"
            )
    assert not problems, "\n".join(problems)


def test_the_guard_finds_what_the_files_need():
    """The derivation sees the driver and the programs the issue named, so the guard
    above cannot pass by finding nothing."""
    needed = needed_files()
    names = {Path(p).name for p in needed}
    for expected in (
        "rlm_sql_postgresql.so",
        "rlm_python3.so",
        "rlm_cache_rbtree.so",
        "rlm_detail.so",
        "freeradius",
        "radclient",
        "initdb",
        "chromium",
        "zbarimg",
        "pdftoppm",
        "DejaVuSans.ttf",
    ):
        assert expected in names, f"{expected} not derived from the code"
    driver = next(p for p in needed if p.endswith("rlm_sql_postgresql.so"))
    assert providing_packages([driver])[driver] == "freeradius-postgresql"


def test_a_package_missing_from_install_sh_is_named(tmp_path, monkeypatch):
    """Without freeradius-postgresql in install.sh the guard names that package."""
    script = tmp_path / "install.sh"
    script.write_text(INSTALL_SH.read_text().replace(" freeradius-postgresql", ""))
    monkeypatch.setattr(sys.modules[__name__], "INSTALL_SH", script)
    with pytest.raises(AssertionError, match="Debian package freeradius-postgresql"):
        test_install_script_installs_every_package_the_stack_needs()
