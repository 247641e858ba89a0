"""Server-side SVG bar charts (no script, no CDN, no inline style: the colours are
SVG presentation attributes, which the Content-Security-Policy allows)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 480, 240
LEFT, BOTTOM, TOP = 54, 30, 12
COLOUR = "#0a66c2"


def _nice(top: float) -> float:
    """A round axis maximum at or above ``top``."""
    if top <= 0:
        return 1
    step = 10 ** (len(str(int(top))) - 1)
    for m in (1, 2, 2.5, 5, 10):
        if m * step >= top:
            return m * step
    return 10 * step


def bar_chart(
    values: Sequence[float],
    labels: Sequence[str],
    title: str,
    shown: Sequence[str] | None = None,
) -> Markup:
    """Bars of ``values`` with an axis; every few ``labels`` under the bars (all of
    them in each bar's tooltip, with ``shown``: the value as the page prints it)."""
    n = max(len(values), 1)
    top = _nice(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / n
    every = max(1, round(n / 8))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        y = TOP + plot_h * i / 4
        tick = top * (4 - i) / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#dde" stroke-width="1"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="14" '
            f'fill="#5f6368">{_short(tick)}</text>'
        )
    for i, (value, label) in enumerate(zip(values, labels, strict=False)):
        h = plot_h * value / top if top else 0
        x = LEFT + i * slot
        tip = f"{label}: {shown[i] if shown else _short(value)}"
        parts.append(
            f'<rect class="bar" x="{x + slot * 0.1:.1f}" y="{TOP + plot_h - h:.1f}" '
            f'width="{max(slot * 0.8, 0.5):.1f}" height="{h:.1f}" fill="{COLOUR}" '
            f'data-value="{value:g}"><title>{escape(tip)}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle" '
                f'font-size="14" fill="#5f6368">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped


def _short(value: float) -> str:
    for size, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}" if value != int(value) else str(int(value))
