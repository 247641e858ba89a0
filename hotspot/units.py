"""Parsing and formatting of the units operators type: durations, sizes, rates."""

from __future__ import annotations

import re
from decimal import Decimal

from .errors import Text

_DURATION_RE = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?)B?\s*$", re.IGNORECASE)
_RATE_WORD = r"\d+(?:\.\d+)?[kKM]?"
_RATE_PAIR = rf"{_RATE_WORD}(?:/{_RATE_WORD})?"
_TIME_PAIR = r"\d+(?:/\d+)?"
#: Mikrotik-Rate-Limit: rx[/tx] [burst-rx[/tx] [threshold-rx[/tx] [time-rx[/tx]
#: [priority] [min-rx[/tx]]]]]
_RATE_LIMIT_RE = re.compile(
    rf"^{_RATE_PAIR}(?: {_RATE_PAIR}(?: {_RATE_PAIR}(?: {_TIME_PAIR}"
    rf"(?: [1-8](?:/[1-8])?(?: {_RATE_PAIR})?)?)?)?)?$"
)


class UnitError(ValueError):
    """A value typed by an operator could not be understood: ``str()`` is the English
    text, ``text`` the template and values the portal translates."""

    def __init__(self, template: str, **params: object) -> None:
        self.text = Text(template, **params)
        super().__init__(str(self.text))


def parse_duration(text: str) -> int:
    """``"90m"`` -> 5400 seconds; accepts ``1h30m``, ``2d``, ``45s`` or bare seconds."""
    s = text.strip().lower()
    if s.isdigit():
        return int(s)
    pos, total = 0, 0
    for m in _DURATION_RE.finditer(s):
        if s[pos : m.start()].strip():
            break
        total += int(m.group(1)) * _DURATION_UNITS[m.group(2).lower()]
        pos = m.end()
    if pos == 0 or s[pos:].strip():
        raise UnitError("not a duration: %(text)r (try 90m, 2h, 1d)", text=text)
    return total


def format_duration(seconds: int) -> str:
    """5400 -> ``"1h30m"``."""
    if seconds <= 0:
        return "0s"
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, seconds = divmod(seconds, size)
        if n:
            out.append(f"{n}{unit}")
    return "".join(out)


def parse_size(text: str) -> int:
    """``"500MB"`` -> bytes. Decimal units (MB = 10**6) as operators sell them; ``MiB``
    style binary units are accepted too."""
    m = _SIZE_RE.match(text)
    if not m:
        raise UnitError("not a size: %(text)r (try 500MB, 2GB)", text=text)
    # Decimal, not float: "2.01MB" is 2010000 bytes, not 2009999.
    number, prefix, binary = Decimal(m.group(1)), m.group(2).upper(), bool(m.group(3))
    base = 1024 if binary else 1000
    power = " KMGT".index(prefix) if prefix else 0
    return int(number * base**power)


def format_size(n: int) -> str:
    """Bytes in the largest decimal unit that keeps it readable."""
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            value = n / size
            return f"{value:.0f}{unit}" if value == int(value) else f"{value:.1f}{unit}"
    return f"{n}B"


def parse_rate_limit(text: str) -> str:
    """Validate a Mikrotik-Rate-Limit string (``"2M/4M"``, or with bursts
    ``"2M/4M 4M/8M 1M/2M 10/10 8"``) and return it normalised."""
    s = " ".join(text.split())
    if not _RATE_LIMIT_RE.match(s):
        raise UnitError(
            "not a MikroTik rate limit: %(text)r "
            "(try 2M/4M, or 2M/4M 4M/8M 1M/2M 10/10)",
            text=text,
        )
    return s
