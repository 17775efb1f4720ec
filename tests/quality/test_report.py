"""The JSON and HTML reports: charts, sample links, the trend, nothing fetched from anywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

from accord.quality import assess, assessments, write_report
from accord.store import Workspace
from tests.quality.support import AS_OF, CLEAN, DIRTY, ingest_rows


def _report(workspace: Workspace, out: Path) -> tuple[dict[str, object], str]:
    ingest_rows(workspace, CLEAN)
    assess(workspace, "people", today=AS_OF)
    ingest_rows(workspace, DIRTY)
    found = assess(workspace, "people", today=AS_OF, samples=2)
    json_path, html_path = write_report(found, assessments(workspace.engine, "people"), out)
    return json.loads(json_path.read_text(encoding="utf-8")), html_path.read_text(encoding="utf-8")


def test_json_report_has_counts_samples_and_trend(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    document, _ = _report(sqlite_workspace, tmp_path / "report")
    assert document["version"] == 2
    checks = document["checks"]
    assert isinstance(checks, list)
    validity = next(c for c in checks if c["type"] == "validity" and c["field"] == "nhs_number")
    assert [row["record_id"] for row in validity["samples"]] == ["3", "6"]
    assert all("samples" not in c for c in checks if c["failed"] == 0)
    trend = document["trend"]
    assert isinstance(trend, list)
    assert [(t["version"], t["kitemark"]) for t in trend] == [(1, "bronze"), (2, "not_yet_rated")]
    assert [t["scores"]["accuracy"] for t in trend] == [None, None]
    reasons = document["reasons"]
    assert isinstance(reasons, dict)
    assert set(reasons) == {"timeliness", "accuracy"}


def test_html_report_is_self_contained_with_charts_and_sample_links(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    _, html = _report(sqlite_workspace, tmp_path / "report")
    assert html.count("<svg") == 3
    for title in ("Completeness per field", "Failed records per check",
                  "Dimension scores across snapshots"):  # fmt: skip
        assert f"<title>{title}</title>" in html
    links = set(re.findall(r"href='#(samples-\d+)'", html))
    anchors = set(re.findall(r"id='(samples-\d+)'", html))
    assert links
    assert links == anchors
    # Nothing is loaded from elsewhere: the only URL is the SVG namespace.
    assert set(re.findall(r"https?://[^\"' ]+", html)) == {"http://www.w3.org/2000/svg"}
    assert "<script" not in html
    assert "personal data" in html
    # Every dimension has a row; one without a score says why.
    assert "<th>timeliness</th><td class='n'>not scored</td><td>no update frequency" in html


def test_html_escapes_values_from_the_data(sqlite_workspace: Workspace, tmp_path: Path) -> None:
    ingest_rows(sqlite_workspace, ["<b>1</b>,Ann Bell,,,,,,,", "<b>1</b>,Ann Bell,,,,,,,"])
    found = assess(sqlite_workspace, "people", today=AS_OF, samples=2)
    _, html_path = write_report(found, [found], tmp_path / "r")
    html = html_path.read_text(encoding="utf-8")
    assert "<b>1</b>" not in html
    assert "&lt;b&gt;1&lt;/b&gt;" in html
