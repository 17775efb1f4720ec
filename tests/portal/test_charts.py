"""Bar charts laid out on the server: scaled to the largest value, labels kept short."""

from __future__ import annotations

from accord.portal.charts import LABEL_WIDTH, VALUE_WIDTH, WIDTH, Bar, bar_chart


def test_bars_are_scaled_to_the_largest_and_a_zero_is_no_bar() -> None:
    chart = bar_chart("Records", "What it shows", [
        Bar("a", 100, "provided"), Bar("b", 0, "received"), Bar("c" * 60, 50, "received", "50 x"),
    ])  # fmt: skip
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    assert [b.width for b in chart.bars] == [room, 0.0, room / 2]
    assert [b.shown for b in chart.bars] == ["100", "0", "50 x"]
    assert [b.kind for b in chart.bars] == ["provided", "received", "received"]
    assert chart.bars[2].label.endswith("…")
    assert len(chart.bars[2].label) == 42
    assert [b.y for b in chart.bars] == [10, 40, 70]
    assert chart.height == 20 + 3 * 30


def test_an_empty_chart_or_one_of_zeros_draws_no_bar() -> None:
    assert bar_chart("t", "d", []).bars == ()
    assert [b.width for b in bar_chart("t", "d", [Bar("a", 0, "x")]).bars] == [0.0]
