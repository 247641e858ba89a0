"""Where the local stack runs: FreeRADIUS on cores of its own.

Every Access-Request runs through FreeRADIUS (its threads taking turns in the one
embedded Python interpreter) and PostgreSQL, one after the other. Left to the
kernel, the threads and the database backends wander over all cores, and each
half of a request finds its working set evicted or on the other core. Measured on
2 cores (bench/RESULTS.md): FreeRADIUS pinned to one core cut the CPU per
Access-Request of FreeRADIUS and of PostgreSQL by a third to a half (voucher
logins 3,579 -> 5,465/s at 16 in flight). PostgreSQL itself is best left free:
pinned to the other core it gained nothing more at login and lost a quarter of its
speed at storing accounting, which wants more than one core.

``HOTSPOT_RADIUS_CPUS``: ``auto`` (the default) gives FreeRADIUS the first half of
the CPUs this process may use, rounded up, when there are at least two; ``all``
leaves it unpinned; a list such as ``0`` or ``2-3,6`` pins to exactly those
(``taskset -c`` syntax). ``HOTSPOT_DB_CPUS`` places the local PostgreSQL the same
way (``all``, the default; ``auto``: the other half). The portal, the scheduler and
the simulator are never pinned.
"""

from __future__ import annotations

import os
import re
import shutil

from hotspot.settings import Settings, SettingsError

_LIST = re.compile(r"^\d+(-\d+)?(,\d+(-\d+)?)*$")


def parse_cpus(value: str) -> list[int]:
    """``"0,2-3"`` -> ``[0, 2, 3]``."""
    if not _LIST.match(value):
        raise SettingsError(f"not a CPU list: {value!r} (e.g. 0 or 0-1,4)")
    cpus: set[int] = set()
    for part in value.split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return sorted(cpus)


def _available() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def _resolve(value: str, auto: list[int]) -> list[int] | None:
    value = value.strip().lower()
    if value in ("", "all"):
        return None
    if value == "auto":
        return auto or None
    return parse_cpus(value)


def placement(settings: Settings) -> tuple[list[int] | None, list[int] | None]:
    """(FreeRADIUS CPUs, PostgreSQL CPUs); None: not pinned."""
    cpus = _available()
    half = (len(cpus) + 1) // 2
    split = len(cpus) >= 2
    radius = _resolve(settings.radius_cpus, cpus[:half] if split else [])
    db = _resolve(settings.db_cpus, cpus[half:] if split else [])
    return radius, db


def describe(cpus: list[int] | None) -> str:
    """``[0, 1]`` -> ``"0,1"``; not pinned -> ``"any"``."""
    return ",".join(map(str, cpus)) if cpus else "any"


def pinned(command: list[str], cpus: list[int] | None) -> list[str]:
    """``command`` run on ``cpus`` (through taskset; unchanged when None)."""
    if not cpus:
        return command
    taskset = shutil.which("taskset")
    if taskset is None:  # util-linux is essential on Debian; elsewhere, run unpinned
        return command
    return [taskset, "-c", ",".join(map(str, cpus)), *command]
