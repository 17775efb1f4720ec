"""``accord quality`` end to end: the --json contract, the report, a refused checklist."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from accord.catalog import describe, parse_metadata
from accord.cli import app
from accord.quality import Dimension
from accord.store import init_workspace, open_workspace
from tests.catalog.support import description
from tests.quality.support import DIRTY, ingest_rows

runner = CliRunner()


def _node(tmp_path: Path) -> Path:
    ws = init_workspace(tmp_path / "node", "test-node")
    ingest_rows(ws, DIRTY)
    ws.close()
    return ws.root


def test_json_is_one_object_in_the_documented_shape(tmp_path: Path) -> None:
    node = _node(tmp_path)
    result = runner.invoke(app, ["quality", "people", "-w", str(node), "--json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"dataset", "snapshot", "kitemark", "scores", "reasons", "checks"}
    assert document["dataset"] == "people"
    assert len(document["snapshot"]) == 64
    assert document["kitemark"] == "not_yet_rated"
    assert list(document["scores"]) == [d.value for d in Dimension]
    assert all(s is None or 0 <= s <= 100 for s in document["scores"].values())
    assert set(document["reasons"]) == {"timeliness", "accuracy"}
    checks = {(c["type"], c["field"]): c for c in document["checks"]}
    assert checks["completeness", "nhs_number"] == {"type": "completeness",
        "dimension": "completeness", "field": "nhs_number", "total": 6, "failed": 1}  # fmt: skip
    # Non-blank values with a wrong check digit (row 3) fail, and the five-digit one (row 6).
    assert checks["validity", "nhs_number"]["failed"] == 2


def test_a_described_dataset_is_judged_on_time_and_the_table_says_what_is_not_scored(
    tmp_path: Path,
) -> None:
    node = _node(tmp_path)
    with open_workspace(node) as ws:
        describe(ws, "people", parse_metadata(description(), "people.yaml"))
    scored = runner.invoke(app, ["quality", "people", "-w", str(node), "--json"])
    assert scored.exit_code == 0, scored.stderr
    document = json.loads(scored.stdout)
    assert document["scores"]["timeliness"] is not None
    assert set(document["reasons"]) == {"accuracy"}
    shown = runner.invoke(app, ["quality", "people", "-w", str(node)])
    assert "accuracy not scored: no reference list" in " ".join(shown.stdout.split())


def test_report_folder_and_table_output(tmp_path: Path) -> None:
    node = _node(tmp_path)
    result = runner.invoke(app, ["quality", "people", "-w", str(node), "--report",
                                 str(tmp_path / "rep")])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "kitemark Not yet rated" in result.stdout
    assert f"HTML report: {tmp_path / 'rep' / 'report.html'}" in result.stdout
    assert (tmp_path / "rep" / "report.json").is_file()


def test_a_bad_checklist_exits_2_naming_the_key(tmp_path: Path) -> None:
    node = _node(tmp_path)
    bad = tmp_path / "list.yaml"
    bad.write_text("checks: [{type: completeness, fields: sex}]\n", encoding="utf-8")
    result = runner.invoke(app, ["quality", "people", "-w", str(node), "--checklist", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: checks[0].fields: unknown key" in result.stderr


def test_an_unknown_dataset_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["quality", "nothing", "-w", str(_node(tmp_path))])
    assert result.exit_code == 2
    assert "no dataset 'nothing'" in result.stderr
