"""The module's throttle for hostile requests: one line per interval, carrying how
many such requests came since the last line."""

from __future__ import annotations

from freeradius_module import rlm_hotspot


def test_one_line_per_interval_with_the_count(capsys):
    now = [100.0]
    throttle = rlm_hotspot._Throttled(60, clock=lambda: now[0])
    for _ in range(50):
        throttle.seen("rejected requests with values that are not UTF-8")
    now[0] += 61
    throttle.seen("rejected requests with values that are not UTF-8")
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "hotspot[5]: rejected requests with values that are not UTF-8: 1 since the"
        " last such line",
        "hotspot[5]: rejected requests with values that are not UTF-8: 50 since the"
        " last such line",
    ]
