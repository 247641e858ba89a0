"""`make run` and the CLI beside it: the whole local stack is started as a process,
and the README's CLI examples run as printed in another "terminal" (a process with
no HOTSPOT_* variables, in the checkout that holds var/)."""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from devstack.postgres import free_port

REPO = Path(__file__).resolve().parents[2]
HOTSPOT = str(Path(sys.executable).with_name("hotspot"))
README_CLI_SECTION = "## The CLI"


def readme_cli_examples() -> list[list[str]]:
    """The commands of the sh block of the README's CLI section, as argv lists."""
    text = (REPO / "README.md").read_text()
    section = text[text.index(README_CLI_SECTION) :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the README's CLI section has no sh example"
    joined = block.group(1).replace("\\\n", " ")
    return [shlex.split(line) for line in joined.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def local_stack(work_dir):
    """`make run`'s stack in a directory of its own, on free ports."""
    home = work_dir / "stack-checkout"
    home.mkdir()
    env = dict(
        os.environ,
        HOTSPOT_VAR_DIR=str(home / "var"),
        HOTSPOT_PG_PORT=str(free_port()),
        HOTSPOT_RADIUS_AUTH_PORT=str(free_port(kind=2)),
        HOTSPOT_RADIUS_ACCT_PORT=str(free_port(kind=2)),
        HOTSPOT_FLOW_PORT=str(free_port(kind=2)),
        HOTSPOT_PORTAL_PORT=str(portal := free_port()),
        HOTSPOT_PORTAL_URL=f"http://127.0.0.1:{portal}",
        HOTSPOT_SIM_LISTEN=f"127.0.0.1:{free_port()}",
        HOTSPOT_SIM_COA_PORT=str(free_port(kind=2)),
        HOTSPOT_SIM_API_PORT=str(free_port()),
    )
    env.pop("HOTSPOT_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in proc.stdout], daemon=True
    ).start()
    seen = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            assert proc.poll() is None, "the stack exited:\n" + "".join(seen)
            continue
        seen.append(line)
        if "Press Ctrl-C to stop." in line:
            break
    else:
        pytest.fail("the stack did not start:\n" + "".join(seen))
    yield home, "".join(seen), env["HOTSPOT_SIM_LISTEN"]
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    proc.stdout.close()


def clean_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A second terminal: no HOTSPOT_* variables, in the checkout that holds var/."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    return subprocess.run(
        [HOTSPOT, *args], env=env, cwd=home, capture_output=True, text=True, check=False
    )


def test_readme_cli_examples_run_as_printed_beside_the_stack(local_stack):
    home, banner, _ = local_stack
    assert "Demo vouchers" in banner
    for argv in readme_cli_examples():
        assert argv[0] == "hotspot"
        proc = clean_cli(home, *argv[1:])
        assert proc.returncode == 0, f"{shlex.join(argv)}:\n{proc.stderr}"
    listed = json.loads(
        clean_cli(home, "tariff", "list", "--owner", "demo", "--json").stdout
    )
    assert [t["name"] for t in listed] == ["demo-1h"]


def test_an_explicit_database_url_wins(local_stack):
    home, _, _ = local_stack
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOTSPOT_DATABASE_URL": f"postgresql+psycopg2://nobody:x@127.0.0.1:{free_port()}/none",
    }
    proc = subprocess.run(
        [HOTSPOT, "tariff", "list", "--owner", "demo"],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "cannot reach the database at 127.0.0.1" in proc.stderr
    assert "Traceback" not in proc.stderr


def _wait(probe, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := probe():
            return value
        time.sleep(0.5)
    pytest.fail(f"not within {timeout} s: {what}")


def test_a_disconnect_from_the_cli_reaches_the_demo_router(local_stack):
    """A guest logs in at the demo router with a demo card; the owner cuts the
    session from the CLI; the scheduler's Disconnect ends it at the simulator."""
    home, banner, sim_listen = local_stack
    code, pin = re.findall(r"card (\S+)  PIN (\S+)", banner)[-1]
    guest = requests.Session()
    guest.trust_env = False
    sim = f"http://{sim_listen}"

    def up() -> bool:
        try:
            return guest.get(f"{sim}/_sim/health", timeout=2).ok
        except requests.ConnectionError:
            return False

    _wait(up, "the simulator serves guests")
    guest.get(f"{sim}/_sim/device", params={"mac": "02:DE:00:00:00:01"})
    # The router's own login form (PAP, the card's PIN).
    guest.post(f"{sim}/login", data={"username": code, "password": pin})
    [online] = guest.get(f"{sim}/_sim/sessions").json()

    def listed():
        out = clean_cli(home, "session", "list", "--owner", "demo", "--json")
        return [s for s in json.loads(out.stdout or "[]") if s["username"] == code]

    [row] = _wait(listed, "the session is stored")
    assert row["acct_session_id"] == online["session_id"]
    proc = clean_cli(home, "session", "disconnect", "--owner", "demo", str(row["id"]))
    assert proc.returncode == 0, proc.stderr
    _wait(lambda: not guest.get(f"{sim}/_sim/sessions").json(), "the router cut it")
    [ended] = guest.get(f"{sim}/_sim/sessions", params={"ended": 1}).json()
    assert ended["terminate_cause"] == "Admin-Reset"
