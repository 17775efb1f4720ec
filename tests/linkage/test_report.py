"""The linkage report: charts that open offline, the model's estimates, pairs to review."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from accord.linkage import LinkOptions, link
from tests.linkage.conftest import AS_OF, Population, scores


def test_the_report_holds_charts_estimates_and_pairs_to_review(
    population: Population, tmp_path: Path
) -> None:
    folder, report = population.folder, tmp_path / "report"

    options = LinkOptions(report=report)
    result = link(str(folder / "gp.csv"), str(folder / "hospital.xlsx"),
                  folder / "gp.mapping.yaml", folder / "hospital.mapping.yaml",
                  tmp_path / "pairs.csv", options=options, as_of=AS_OF)  # fmt: skip

    assert result.report == report
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert summary["pairs_over_threshold"] >= result.pairs
    # One figure for the pairs scored, in the run's report and the linking party's.
    assert summary["pairs_scored"] == result.scored == result.to_json()["pairs_scored"]
    assert f"<td>{result.scored}</td>" in (report / "index.html").read_text(encoding="utf-8")
    # The model's own estimates (calibrated probabilities) agree with the truth.
    with result.out.open(encoding="utf-8", newline="") as fh:
        found = {(r["left_id"], r["right_id"]) for r in csv.DictReader(fh)}
    precision, recall, _ = scores(found, population.true_pairs)
    assert summary["estimated_precision"] == pytest.approx(precision, abs=0.02)
    assert summary["estimated_recall"] == pytest.approx(recall, abs=0.02)
    for chart in ("match_weights.html", "m_u_parameters.html", "match_weight_histogram.html"):
        page = (report / chart).read_text(encoding="utf-8")
        assert "cdn.jsdelivr" not in page  # the charts' JavaScript is inlined: opens offline
        assert chart in summary["charts"]
    index = (report / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{c}"' in index for c in summary["charts"])
    # Pairs to review are by the providers' own record ids, never by reference.
    with (report / "review.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    assert list(rows[0]) == ["left_id", "right_id", "match_probability", "label"]
    assert all(r["left_id"].startswith("G") and r["label"] == "" for r in rows)
    assert not (report / "review.parquet").exists()
