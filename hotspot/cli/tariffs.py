"""`hotspot` commands: tariffs."""

from __future__ import annotations
