"""Child processes of the local stack."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping

from hotspot.settings import Settings


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:  # type: ignore[type-arg]
    """SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def component_environ(
    environ: Mapping[str, str], settings: Settings, component: str | None
) -> dict[str, str]:
    """``environ`` for a child of ``component`` ("radius", "portal", "scheduler"):
    its own database URL as HOTSPOT_DATABASE_URL and no other role's credentials
    (``None``: a child that needs no database gets none)."""
    env = {
        name: value
        for name, value in environ.items()
        if not (name.startswith("HOTSPOT_") and name.endswith("DATABASE_URL"))
    }
    if component is not None:
        env["HOTSPOT_DATABASE_URL"] = settings.database_url_for(component)
    return env
