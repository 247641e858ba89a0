"""The ``hotspot`` command: the same core functions the portal and scheduler call.

Every command accepts ``--json`` for machine-readable output.
"""

from __future__ import annotations

from hotspot.db import alembic_config

from . import (
    accounting,  # noqa: F401, E402 - registers its commands
    accounts,  # noqa: F401, E402 - registers its commands
    ads,  # noqa: F401, E402 - registers its commands
    database,  # noqa: F401, E402 - registers its commands
    flows,  # noqa: F401, E402 - registers its commands
    identification,  # noqa: F401, E402 - registers its commands
    owners,  # noqa: F401, E402 - registers its commands
    routers,  # noqa: F401, E402 - registers its commands
    sessions,  # noqa: F401, E402 - registers its commands
    tariffs,  # noqa: F401, E402 - registers its commands
    vouchers,  # noqa: F401, E402 - registers its commands
)
from .base import main

__all__ = ["alembic_config", "main"]
