"""The Python dependencies are pinned with hashes (requirements/*.txt, made by
`make lock` with pip-tools) and the locks are current: every requirement of
setup.cfg is in them at a version it allows, and the virtualenv holds exactly the
pinned versions (scripts/install.sh installs from the lock with --require-hashes)."""

from __future__ import annotations

import configparser
import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
LOCKS = {
    "base": REPO / "requirements" / "base.txt",
    "test": REPO / "requirements" / "test.txt",
}


def declared(extra: bool) -> list[Requirement]:
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    lines = cfg["options"]["install_requires"].splitlines()
    if extra:
        lines += cfg["options.extras_require"]["test"].splitlines()
    return [Requirement(line) for line in lines if line.strip()]


def pins(lock: Path) -> dict[str, str]:
    text = lock.read_text()
    found = dict(
        (canonicalize_name(name), version)
        for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, re.M)
    )
    return found


@pytest.mark.parametrize("name", ["base", "test"])
def test_lock_has_every_requirement_at_an_allowed_version(name):
    locked = pins(LOCKS[name])
    stale = []
    for req in declared(extra=name == "test"):
        version = locked.get(canonicalize_name(req.name))
        if version is None:
            stale.append(f"{req} is not in requirements/{name}.txt")
        elif not req.specifier.contains(version, prereleases=True):
            stale.append(f"{req}: the lock pins {version}")
    assert not stale, "run `make lock`:\n" + "\n".join(stale)


@pytest.mark.parametrize("name", ["base", "test"])
def test_every_pin_has_a_hash(name):
    text = LOCKS[name].read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text)
    missing = [
        b.split()[0]
        for b in blocks
        if "==" in b.split()[0] and "--hash=sha256:" not in b
    ]
    assert not missing, missing
    assert "file://" not in text and "--find-links" not in text, (
        "machine paths in the lock"
    )


def test_the_virtualenv_holds_the_locked_versions():
    wrong = []
    for name, version in pins(LOCKS["test"]).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} {version} is not installed")
            continue
        if Version(installed) != Version(version):
            wrong.append(f"{name}: {installed} installed, {version} locked")
    assert not wrong, "\n".join(wrong)
