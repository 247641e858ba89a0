"""How the local stack sizes and places FreeRADIUS and PostgreSQL."""

from __future__ import annotations

import os

import pytest

from devstack.affinity import parse_cpus, pinned, placement
from devstack.freeradius import radius_threads
from hotspot.settings import Settings, SettingsError


def test_two_worker_threads_per_core_unless_set() -> None:
    assert radius_threads(Settings()) == 2 * (os.cpu_count() or 1)
    assert radius_threads(Settings(radius_threads=3)) == 3
    env = {"HOTSPOT_RADIUS_THREADS": "5"}
    assert radius_threads(Settings.from_env(env)) == 5


def test_cpu_lists() -> None:
    assert parse_cpus("0") == [0]
    assert parse_cpus("3,0-1") == [0, 1, 3]
    for bad in ("", "x", "1-", "0;1", "-1"):
        with pytest.raises(SettingsError):
            parse_cpus(bad)


def test_freeradius_gets_cores_of_its_own_and_postgresql_is_left_free() -> None:
    cpus = sorted(os.sched_getaffinity(0))
    radius, db = placement(Settings())
    assert db is None
    if len(cpus) < 2:
        assert radius is None
    else:
        assert radius == cpus[: (len(cpus) + 1) // 2]
        # "auto" for the database: the other half.
        _, db = placement(Settings(db_cpus="auto"))
        assert db and not set(radius) & set(db) and sorted(radius + db) == cpus
    assert placement(Settings(radius_cpus="all", db_cpus="ALL")) == (None, None)
    assert placement(Settings(radius_cpus="0", db_cpus="1-2")) == ([0], [1, 2])


def test_pinned_commands_go_through_taskset() -> None:
    assert pinned(["radiusd", "-f"], None) == ["radiusd", "-f"]
    command = pinned(["radiusd", "-f"], [0, 2])
    assert command[1:] == ["-c", "0,2", "radiusd", "-f"]
    assert command[0].endswith("taskset")


def test_each_component_gets_only_its_own_database_url() -> None:
    from devstack.process import component_environ

    owner = "postgresql+psycopg2://owner:o@db/hotspot"
    portal = "postgresql+psycopg2://hotspot_portal:p@db/hotspot"
    env = {
        "HOTSPOT_DATABASE_URL": owner,
        "HOTSPOT_PORTAL_DATABASE_URL": portal,
        "HOTSPOT_RADIUS_DATABASE_URL": "postgresql+psycopg2://hotspot_radius:r@db/x",
        "HOTSPOT_SECRET_KEY": "k",
    }
    settings = Settings.from_env(env)
    assert component_environ(env, settings, "portal") == {
        "HOTSPOT_DATABASE_URL": portal,
        "HOTSPOT_SECRET_KEY": "k",
    }
    # One role for everything still works: a component without a URL of its own.
    assert settings.database_url_for("scheduler") == owner
    assert (
        component_environ(env, settings, "scheduler")["HOTSPOT_DATABASE_URL"] == owner
    )
    assert component_environ(env, settings, None) == {"HOTSPOT_SECRET_KEY": "k"}
