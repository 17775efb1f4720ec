"""The linking party's report: the model's charts, its estimates, and pairs to review.

Charts are Splink's own, saved with their JavaScript inlined so they open offline. In
private mode the waterfall hides the compared values (they are tokens anyway).
Precision and recall here are the model's own estimates from its match probabilities
(no truth is needed): precision is the mean probability of the decided pairs; recall,
their summed probability over that of every pair scored at 0.5 or more.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import duckdb

from accord.linkage.models import LinkOptions, Mode
from accord.people import lit

REVIEW_PAIRS = 200
"""At most this many pairs near the threshold are offered for clerical review..."""
REVIEW_FROM, REVIEW_TO = 0.05, 0.999
"""...from those the model is unsure of: on both sides of the threshold, for a record
with two candidates as good has each below one half."""


def write_report(
    conn: duckdb.DuckDBPyConnection,
    linker: Any,
    scored: Any,
    table: str,
    options: LinkOptions,
    out: Path,
    scored_pairs: int,
    kept_apart: int = 0,
) -> dict[str, Any]:
    """Write the charts, ``summary.json`` and ``review.parquet`` into ``out``.

    ``scored`` is Splink's table of the scored pairs it kept; ``table``, the same on
    ``conn``; ``scored_pairs``, every pair scored (``Matched.scored``); ``kept_apart``,
    the pairs over the threshold that different valid NHS numbers kept apart.
    """
    out.mkdir(parents=True, exist_ok=True)
    charts = {
        "match_weights.html": linker.visualisations.match_weights_chart(),
        "m_u_parameters.html": linker.visualisations.m_u_parameters_chart(),
        "match_weight_histogram.html": linker.visualisations.match_weights_histogram(scored),
    }
    near = (
        f"SELECT * FROM {table} WHERE match_probability BETWEEN {REVIEW_FROM} AND {REVIEW_TO} "
        f"ORDER BY abs(match_probability - {float(options.threshold)}), ref_l, ref_r"
    )
    sample = _records(conn, f"{near} LIMIT 10")
    if sample:
        charts["waterfall.html"] = linker.visualisations.waterfall_chart(
            sample, filter_nulls=True, remove_sensitive_data=True
        )
    for name, chart in charts.items():
        (out / name).write_text(chart.to_html(inline=True), encoding="utf-8")
    conn.execute(
        f"COPY (SELECT ref_l AS left_ref, ref_r AS right_ref, match_probability, match_weight, "
        f"abs(match_probability - {float(options.threshold)}) AS distance "
        f"FROM ({near} LIMIT {REVIEW_PAIRS})) TO {lit(str(out / 'review.parquet'))} "
        "(FORMAT parquet)"
    )
    threshold = float(options.threshold)
    (decided, expected, total), *_ = conn.execute(
        f"SELECT count_if(match_probability >= {threshold}), "
        f"coalesce(sum(match_probability) FILTER (match_probability >= {threshold}), 0), "
        f"coalesce(sum(match_probability) FILTER (match_probability >= 0.5), 0) FROM {table}"
    ).fetchall()
    summary = {
        "threshold": threshold,
        "pairs_scored": scored_pairs,
        "pairs_over_threshold": int(decided),
        "pairs_kept_apart_by_nhs_number": kept_apart,
        "estimated_precision": round(expected / decided, 4) if decided else None,
        "estimated_recall": round(expected / total, 4) if total else None,
        "charts": sorted(charts),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary


def amend_summary(out: Path, **items: object) -> None:
    """Add what is known only after the decisions (blocking recall, labels) to the summary."""
    path = out / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary.update(items)
    path.write_text(json.dumps(summary, indent=2), encoding="utf-8")


def _records(conn: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


_TITLES = {
    "match_weights.html": "Match weights of every comparison level",
    "m_u_parameters.html": "m and u probabilities of every comparison level",
    "match_weight_histogram.html": "Match weights of the pairs scored",
    "waterfall.html": "How the weight of ten pairs near the threshold adds up",
}


def write_index(out: Path, mode: Mode) -> None:
    """``index.html``: the estimates, links to the charts and to the pairs to review."""
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    rows = "".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(str(summary.get(key)))}</td></tr>"
        for key, label in (
            ("pairs_scored", "Pairs scored"),
            ("pairs_over_threshold", "Pairs at or over the threshold (before one-to-one)"),
            ("pairs_kept_apart_by_nhs_number",
             "Pairs over the threshold kept apart: different valid NHS numbers"),
            ("threshold", "Threshold (match probability)"),
            ("estimated_precision", "Estimated precision (model)"),
            ("estimated_recall", "Estimated recall (model)"),
            ("estimated_blocking_recall", "Estimated blocking recall (true pairs a rule let in)"),
            ("labels_scored", "Labelled pairs scored (from --labels)"),
        )
    )  # fmt: skip
    links = "".join(
        f'<li><a href="{html.escape(name)}">{html.escape(_TITLES.get(name, name))}</a></li>'
        for name in summary["charts"]
    )
    review = (
        '<p><a href="review.csv">Pairs near the threshold</a> to review: fill the '
        "<code>label</code> column with 1 (same person) or 0.</p>"
        if (out / "review.csv").exists()
        else ""
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Accord linkage report</title>
<style>body{{font-family:Arial,sans-serif;margin:2em;max-width:60em}}
th{{text-align:left;padding-right:2em}}</style></head>
<body><h1>Linkage report</h1>
<p>Mode: {html.escape(mode.value)}. Estimates come from the model's own match
probabilities, not from a truth.</p>
<table>{rows}</table><h2>Charts</h2><ul>{links}</ul>{review}</body></html>
"""
    (out / "index.html").write_text(page, encoding="utf-8")
