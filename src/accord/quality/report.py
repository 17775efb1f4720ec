"""The assessment report: ``report.json`` and a self-contained ``report.html``.

The HTML has three inline SVG charts (completeness per field, failures per check, the
scores across snapshots), the checks with their counts, and for each failing check a
link to its sample rows. Samples come from this node's own snapshot only; the report
says it holds personal data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from accord.quality.charts import bar_chart, line_chart
from accord.quality.kitemark import LEVELS
from accord.quality.models import Assessment, CheckResult, Dimension
from accord.store import PRIVATE_DIR, check_output, write_output

# The kitemarks' colours keep white text at a contrast of 4.5:1 or more (WCAG 2.2 AA):
# the portal serves this report, and its accessibility checks read it.
_STYLE = """
body{font-family:Arial,sans-serif;margin:2em;color:#0b0c0c;max-width:1100px}
table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #b1b4b6;
padding:4px 10px;text-align:left;font-size:14px}td.n{text-align:right}
.mark{display:inline-block;padding:6px 14px;font-weight:bold;color:#fff;background:#505a5f}
.gold{background:#8c6a00}.silver{background:#6f777b}.bronze{background:#8a4f1c}
.warn{border-left:6px solid #d4351c;padding:6px 12px}
"""


def write_report(
    assessment: Assessment, history: Sequence[Assessment], directory: Path
) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.html`` into ``directory``; returns their paths.

    The folder (made if its parent exists) may not be a workspace's own; the files, which
    hold sample rows of personal data, are readable by their owner only.
    """
    check_output(directory, directory=True)
    json_path, html_path = directory / "report.json", directory / "report.html"
    document = report_json(assessment, history)
    html = report_html(assessment, history)
    directory.mkdir(mode=PRIVATE_DIR, exist_ok=True)
    write_output(json_path, json.dumps(document, indent=2, default=str) + "\n")
    write_output(html_path, html)
    return json_path, html_path


def _check_label(check: CheckResult) -> str:
    return f"{check.type} {check.field}" if check.field else check.type


def report_json(assessment: Assessment, history: Sequence[Assessment]) -> dict[str, Any]:
    """The ``--json`` document with the snapshot's version, samples and the trend."""
    document = assessment.as_json()
    document.update(version=assessment.version, as_of=assessment.as_of.isoformat(),
                    assessed_at=assessment.assessed_at.isoformat())  # fmt: skip
    for n, check in enumerate(document["checks"]):
        found = assessment.samples.get(n)
        if found is not None:
            check["samples"] = [dict(zip(found.columns, row, strict=True)) for row in found.rows]
    document["trend"] = [
        {"version": a.version, "snapshot": a.snapshot, "as_of": a.as_of.isoformat(),
         "kitemark": a.kitemark.value, "scores": {d.value: a.scores.get(d) for d in Dimension}}
        for a in history
    ]  # fmt: skip
    return document


def report_html(assessment: Assessment, history: Sequence[Assessment]) -> str:
    """The whole HTML page."""
    a = assessment
    title = f"Data quality: {a.dataset} v{a.version}"
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p>Snapshot <code>{a.snapshot[:16]}</code>, reference date {a.as_of}, assessed "
        f"{a.assessed_at:%Y-%m-%d %H:%M} UTC.</p>",
        f'<p><span class="mark {a.kitemark.value}">{escape(a.kitemark.label)}</span></p>',
        _scores_table(a),
        "<h2>Completeness per field</h2>",
        bar_chart("Completeness per field", _completeness(a.checks), 100, "%"),
        "<h2>Failures per check</h2>",
        bar_chart(
            "Failed records per check",
            [(_check_label(c), c.failed) for c in a.checks],
            max((c.failed for c in a.checks), default=0),
            "",
        ),
        "<h2>Scores across snapshots</h2>",
        _trend(history),
        "<h2>Checks</h2>",
        _checks_table(a),
        _samples(a),
        _criteria(),
    ]
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def _scores_table(a: Assessment) -> str:
    rows = []
    for d in Dimension:
        score = a.scores.get(d)
        shown = f"{score:.1f}" if score is not None else "not scored"
        why = escape(a.reasons.get(d, "")) if score is None else ""
        rows.append(f"<tr><th>{d.value}</th><td class='n'>{shown}</td><td>{why}</td></tr>")
    head = "<tr><th>dimension</th><th>score (0–100)</th><th>why not scored</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _completeness(checks: Sequence[CheckResult]) -> list[tuple[str, float]]:
    return [
        (c.field or "", 100 * (c.total - c.failed) / c.total)
        for c in checks
        if c.dimension is Dimension.COMPLETENESS and c.total > 0
    ]


def _trend(history: Sequence[Assessment]) -> str:
    labels = [f"v{a.version}" for a in history]
    series = {d.value: [a.scores.get(d) for a in history] for d in Dimension}
    series = {k: v for k, v in series.items() if any(s is not None for s in v)}
    return line_chart("Dimension scores across snapshots", labels, series)


def _checks_table(a: Assessment) -> str:
    headings = ("type", "dimension", "field", "total", "failed", "passed", "samples")
    head = "".join(f"<th>{h}</th>" for h in headings)
    rows = []
    for n, c in enumerate(a.checks):
        share = c.passed_share
        # Rounded down, as scores are: one failure in 4,438 is 99.9%, not 100.0%.
        passed = "–" if share is None else f"{math.floor(1000 * share) / 10:.1f}%"
        link = f"<a href='#samples-{n}'>rows</a>" if n in a.samples else ""
        rows.append(
            f"<tr><td><code>{escape(c.type)}</code></td><td>{c.dimension.value}</td>"
            f"<td>{escape(c.field or '')}</td><td class='n'>{c.total:,}</td>"
            f"<td class='n'>{c.failed:,}</td><td class='n'>{passed}</td><td>{link}</td></tr>"
        )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _samples(a: Assessment) -> str:
    if not a.samples:
        return ""
    parts = [
        "<h2>Sample failing rows</h2>",
        "<p class='warn'>These rows come from this node's own snapshot and hold personal "
        "data: keep this report inside the organisation.</p>",
    ]
    for n, found in sorted(a.samples.items()):
        head = "".join(f"<th>{escape(c)}</th>" for c in found.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{escape(v or '')}</td>" for v in row) + "</tr>"
            for row in found.rows
        )
        parts.append(
            f"<h3 id='samples-{n}'>{escape(_check_label(a.checks[n]))}</h3>"
            f"<table><tr>{head}</tr>{rows}</table>"
        )
    return "\n".join(parts)


def _criteria() -> str:
    items = "".join(
        f"<li><b>{level.kitemark.label}</b>: "
        f"{', '.join(sorted(d.value for d in level.dimensions))} assessed, and every "
        f"assessed dimension scoring at least {level.minimum:g}</li>"
        for level in LEVELS
    )
    return f"<h2>Kitemark criteria</h2><ul>{items}<li>otherwise: Not yet rated</li></ul>"
