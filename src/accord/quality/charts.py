"""Inline SVG charts for the HTML report: no script, no network, readable without styles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

COLOURS = ("#1d70b8", "#00703c", "#d4351c", "#f47738", "#4c2c92", "#28a197")
"""GOV.UK Design System colours, one per series."""
_ROW, _LABEL, _BAR = 22, 220, 360


def bar_chart(title: str, bars: Sequence[tuple[str, float]], maximum: float, unit: str) -> str:
    """Horizontal bars, one per ``(label, value)``, scaled to ``maximum``."""
    if not bars:
        return f'<p class="empty">{escape(title)}: nothing to show.</p>'
    height = _ROW * len(bars) + 10
    width = _LABEL + _BAR + 90
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for n, (label, value) in enumerate(bars):
        y = 5 + n * _ROW
        length = 0.0 if maximum <= 0 else max(0.0, min(1.0, value / maximum)) * _BAR
        shown = f"{value:,.1f}{unit}" if unit == "%" else f"{value:,.0f}{unit}"
        parts += [
            f'<text x="{_LABEL - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>",
            f'<rect x="{_LABEL}" y="{y + 2}" width="{length:.1f}" height="{_ROW - 6}" '
            f'fill="{COLOURS[0]}"><title>{escape(label)}: {shown}</title></rect>',
            f'<text x="{_LABEL + length + 4:.1f}" y="{y + 14}" font-size="12">{shown}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    title: str, x_labels: Sequence[str], series: Mapping[str, Sequence[float | None]]
) -> str:
    """One line per series over ``x_labels`` (0 to 100); gaps where a value is None."""
    if not x_labels or not series:
        return f'<p class="empty">{escape(title)}: nothing to show.</p>'
    left, top, plot_w, plot_h = 40, 10, 480, 200
    step = plot_w / max(1, len(x_labels) - 1)
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" width="{left + plot_w + 170}" '
        f'height="{top + plot_h + 40}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    parts += _axes(x_labels, left, top, plot_w, plot_h)
    for k, (name, values) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        points = [
            (left + n * step, top + plot_h * (1 - v / 100))
            for n, v in enumerate(values)
            if v is not None
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points]
        ly = top + 14 + k * 18
        parts.append(
            f'<rect x="{left + plot_w + 16}" y="{ly - 9}" width="10" height="10" '
            f'fill="{colour}"/><text x="{left + plot_w + 32}" y="{ly}" font-size="12">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _axes(x_labels: Sequence[str], left: int, top: int, plot_w: int, plot_h: int) -> list[str]:
    """Grid lines at every 25 points, and a label under each x position."""
    step = plot_w / max(1, len(x_labels) - 1)
    parts = [
        f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
        f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}</text>'
        for tick in (0, 25, 50, 75, 100)
        for y in [top + plot_h * (1 - tick / 100)]
    ]
    parts += [
        f'<text x="{left + n * step:.1f}" y="{top + plot_h + 18}" text-anchor="middle" '
        f'font-size="11">{escape(label)}</text>'
        for n, label in enumerate(x_labels)
    ]
    return parts
