"""The core, the FreeRADIUS module and the scheduler never import Flask: they run
inside FreeRADIUS threads and a worker process, with no app context (DESIGN.md);
nor the development tools (devstack/, bench/), which are not part of the product.

Each check runs in a fresh interpreter, so modules imported by other tests do not
hide an import."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotspot.crypto import new_fernet_key

REPO = Path(__file__).resolve().parents[2]

CHECK = """
import sys
{body}
banned = ('flask', 'flask_sqlalchemy', 'flask_wtf', 'portal', 'devstack', 'bench')
loaded = sorted(m for m in sys.modules if m.split('.')[0] in banned)
assert not loaded, 'imported: ' + ', '.join(loaded)
print('clean')
"""

#: What FreeRADIUS does with the module: import, instantiate, run a request.
RLM = """
import freeradius_module.rlm_hotspot as m
assert m.instantiate(None) == 0
request = (('User-Name', '123'), ('Calling-Station-Id', 'AA:BB:CC:DD:EE:FF'))
rcode, update = m.authorize(request)
assert rcode == m.RLM_MODULE_REJECT, rcode
"""

#: Every core module.
CORE = """
import pkgutil, importlib, hotspot
for info in pkgutil.walk_packages(hotspot.__path__, 'hotspot.'):
    importlib.import_module(info.name)
"""


def run_check(body: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        HOTSPOT_PIN_KEY=new_fernet_key(),
        HOTSPOT_SECRET_KEY="no-flask-test",
        HOTSPOT_PYTHON_PATH="",
    )
    return subprocess.run(
        [sys.executable, "-c", CHECK.format(body=body)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(RLM, id="freeradius_module.rlm_hotspot"),
        pytest.param("import hotspot.policy", id="hotspot.policy"),
        pytest.param(CORE, id="hotspot-core"),
    ],
)
def test_does_not_import_flask(body: str) -> None:
    proc = run_check(body)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "clean"


def test_scheduler_does_not_import_flask() -> None:
    if importlib.util.find_spec("scheduler") is None:
        pytest.skip("no scheduler package yet")
    proc = run_check(
        "import scheduler\nimport pkgutil, importlib\n"
        "for i in pkgutil.walk_packages(scheduler.__path__, 'scheduler.'):\n"
        "    importlib.import_module(i.name)\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "clean"


@pytest.mark.parametrize("module", ["flask", "devstack"])
def test_the_check_itself_sees_what_is_banned(module: str) -> None:
    """Guard against a check that cannot fail."""
    proc = run_check(f"import {module}")
    assert proc.returncode != 0
    assert f"imported: {module}" in proc.stderr
