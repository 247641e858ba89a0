"""How the local stack sizes FreeRADIUS."""

from __future__ import annotations

import os

from hotspot.devstack.freeradius import radius_threads
from hotspot.settings import Settings


def test_two_worker_threads_per_core_unless_set() -> None:
    assert radius_threads(Settings()) == 2 * (os.cpu_count() or 1)
    assert radius_threads(Settings(radius_threads=3)) == 3
    env = {"HOTSPOT_RADIUS_THREADS": "5"}
    assert radius_threads(Settings.from_env(env)) == 5
