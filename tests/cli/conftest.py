"""The `hotspot` CLI run as a process against the test database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

#: The portal URL the card sheets point to (tests/cli/test_cards_cli.py).
PORTAL = "https://wifi.example.uz"
OUTBOX = '[{"type": "outbox", "name": "outbox", "path": "/dev/null"}]'


@pytest.fixture
def cli(settings):
    env = dict(
        os.environ,
        HOTSPOT_DATABASE_URL=settings.database_url,
        HOTSPOT_PIN_KEY=settings.pin_key,
        HOTSPOT_SECRET_KEY=settings.secret_key,
        HOTSPOT_PORTAL_URL=PORTAL,
        HOTSPOT_SMS_PROVIDERS=OUTBOX,
    )

    def run(*args: str, ok: bool = True, stdin: str | None = None):
        # A usual umask: without care, files would come out readable by everyone.
        proc = subprocess.run(
            [sys.executable, "-m", "hotspot.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            umask=0o022,
            input=stdin,
        )
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    return run
