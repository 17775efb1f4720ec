"""Charts drawn on the server as plain SVG: no script, no chart library, no inline style
(the Content Security Policy allows none). This module lays a chart out (where each bar
and label goes); the template ``charts/bars.html`` draws it with SVG attributes and the
classes ``portal.css`` colours. Every chart is shown beside a table of the same figures:
the chart is for seeing the shape, the table for reading the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 760
LABEL_WIDTH = 300
VALUE_WIDTH = 130
ROW = 30
BAR = 20
TOP = 10
MAX_LABEL = 42


@dataclass(frozen=True)
class Bar:
    """One bar: what it is, its value, and its kind (a class: ``provided``, ``received``)."""

    label: str
    value: int
    kind: str
    shown: str = ""
    """The value as the chart writes it (default: with thousands separators)."""


@dataclass(frozen=True)
class PlacedBar:
    """A bar with its place on the chart."""

    label: str
    shown: str
    kind: str
    y: int
    width: float
    text_y: int
    value_x: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart, laid out: what the template draws."""

    title: str
    description: str
    width: int
    height: int
    label_x: int
    bar_x: int
    bars: tuple[PlacedBar, ...]


def bar_chart(title: str, description: str, bars: Sequence[Bar]) -> BarChart:
    """Horizontal bars, one a row, scaled to the largest value (a zero is no bar)."""
    most = max((b.value for b in bars), default=0)
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    placed = []
    for n, b in enumerate(bars):
        y = TOP + n * ROW
        width = 0.0 if most <= 0 else room * b.value / most
        label = b.label if len(b.label) <= MAX_LABEL else b.label[: MAX_LABEL - 1] + "…"
        placed.append(PlacedBar(label, b.shown or f"{b.value:,}", b.kind, y, round(width, 1),
                                y + BAR - 5, round(LABEL_WIDTH + width + 6, 1)))  # fmt: skip
    return BarChart(title, description, WIDTH, TOP * 2 + ROW * len(bars), LABEL_WIDTH - 8,
                    LABEL_WIDTH, tuple(placed))  # fmt: skip
