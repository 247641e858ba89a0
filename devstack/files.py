"""Files holding secrets: readable by their owner only, from their first byte."""

from __future__ import annotations

import os
from pathlib import Path


def write_secret_file(path: Path, text: str) -> None:
    """Create ``path`` (it must not exist) with mode 0600 and write ``text``: no
    moment where it is readable by others, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
