"""What an operator types for tariffs: durations, sizes and MikroTik rate limits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotspot.units import (
    UnitError,
    format_duration,
    format_size,
    parse_duration,
    parse_rate_limit,
    parse_size,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90m", 5400),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("2H", 7200),
        ("45s", 45),
        ("1d", 86400),
        ("1w", 604800),
        ("1d12h", 129600),
        ("3600", 3600),
        (" 10m ", 600),
        ("0s", 0),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text", ["", "abc", "90x", "1.5h", "-5m", "1h30", "m", "h1", "1h-30m", "1 hour"]
)
def test_parse_duration_rejects_garbage(text: str) -> None:
    with pytest.raises(UnitError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59, "59s"), (5400, "1h30m"), (86400, "1d"), (90061, "1d1h1m1s")],
)
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


@given(st.integers(min_value=0, max_value=10**9))
def test_duration_round_trip(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("500MB", 500_000_000),
        ("500 MB", 500_000_000),
        ("2GB", 2_000_000_000),
        ("1.5GB", 1_500_000_000),
        ("2.01MB", 2_010_000),
        ("2.3MB", 2_300_000),
        ("100kB", 100_000),
        ("1KiB", 1024),
        ("1MiB", 1 << 20),
        ("4GiB", 1 << 32),
        ("1TB", 10**12),
        ("123", 123),
        ("123B", 123),
        ("1mb", 1_000_000),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@given(
    st.decimals(min_value=0, max_value=10**4, places=2, allow_nan=False),
    st.sampled_from([("kB", 10**3), ("MB", 10**6), ("GB", 10**9)]),
)
def test_decimal_sizes_are_exact(number: Decimal, unit: tuple[str, int]) -> None:
    # An operator selling "2.01MB" gets 2010000 bytes, not one byte less.
    suffix, scale = unit
    assert parse_size(f"{number}{suffix}") == int(number * scale)


@pytest.mark.parametrize("text", ["", "lots", "-1MB", "1PB", "MB", "1..5MB", "1 M B"])
def test_parse_size_rejects_garbage(text: str) -> None:
    with pytest.raises(UnitError, match="not a size"):
        parse_size(text)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (999, "999B"),
        (1000, "1kB"),
        (1500, "1.5kB"),
        (500_000_000, "500MB"),
        (2 * 10**9, "2GB"),
    ],
)
def test_format_size(n: int, text: str) -> None:
    assert format_size(n) == text


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("2M/4M", "2M/4M"),
        ("512k", "512k"),
        ("64k/128M", "64k/128M"),
        ("2M/4M 4M/8M", "2M/4M 4M/8M"),
        ("2M/4M 4M/8M 1M/2M", "2M/4M 4M/8M 1M/2M"),
        ("64k/64k 256k/256k 128k/128k 10/10", "64k/64k 256k/256k 128k/128k 10/10"),
        ("2M/4M 4M/8M 1M/2M 10/10 8", "2M/4M 4M/8M 1M/2M 10/10 8"),
        ("2M/4M 4M/8M 1M/2M 10/10 8 1M/2M", "2M/4M 4M/8M 1M/2M 10/10 8 1M/2M"),
        ("1.5M/3M", "1.5M/3M"),
        ("  2M/4M    4M/8M ", "2M/4M 4M/8M"),
    ],
)
def test_parse_rate_limit(text: str, normalised: str) -> None:
    assert parse_rate_limit(text) == normalised


@pytest.mark.parametrize(
    "text",
    [
        "",
        "fast",
        "2M/4M/8M",
        "2M,4M",
        "2G/4G",
        "2M/4M 4M/8M 1M/2M 10/10 9",  # priority is 1..8
        "2M/4M 4M/8M 1M/2M 1s/1s",  # burst time is plain seconds
        "2M/4M 4M/8M 1M/2M 10/10 8 1M/2M extra",
        "-2M",
    ],
)
def test_parse_rate_limit_rejects_garbage(text: str) -> None:
    with pytest.raises(UnitError, match="not a MikroTik rate limit"):
        parse_rate_limit(text)
