"""``accord catalog`` end to end: describe from YAML, list, show, export to a file."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from accord.cli import app
from accord.sources import ingest
from accord.store import init_workspace
from tests.catalog.support import DESCRIPTION
from tests.quality.support import CLEAN, ingest_rows

runner = CliRunner()


def _node(tmp_path: Path) -> Path:
    ws = init_workspace(tmp_path / "node", "test-node")
    ingest_rows(ws, CLEAN, "gp")
    ws.close()
    return ws.root


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_describe_show_list_and_export(tmp_path: Path) -> None:
    node = str(_node(tmp_path))
    described = tmp_path / "gp.yaml"
    described.write_text(DESCRIPTION, encoding="utf-8")
    assert "gp: described from" in _run("catalog", "describe", "gp", "--from", str(described),
                                         "-w", node)  # fmt: skip
    listed = json.loads(_run("catalog", "list", "-w", node, "--json"))
    assert listed["datasets"] == [{"dataset": "gp", "namespace": "accord://test-node",
        "kind": "snapshot", "described": True, "version": 1, "rows": 3,
        "kitemark": None}]  # fmt: skip
    shown = json.loads(_run("catalog", "show", "gp", "-w", node, "--json"))
    assert shown["metadata"]["title"] == "Registered patients"
    assert [(v["version"], v["rows"]) for v in shown["versions"]] == [(1, 3)]
    assert [r["job"] for r in shown["lineage"]] == ["accord://test-node ingest"]
    text = _run("catalog", "show", "gp", "-w", node)
    assert "Registered patients (gp), Leeds Road Surgery" in text
    out = tmp_path / "out" / "dcat.jsonld"
    out.parent.mkdir()  # an output's folder must exist: it is checked before the work
    assert f"to {out}" in _run("catalog", "export", "gp", "--format", "dcat", "--out", str(out),
                               "-w", node)  # fmt: skip
    assert json.loads(out.read_text(encoding="utf-8"))["dct:title"] == "Registered patients"
    package = json.loads(_run("catalog", "export", "gp", "-f", "datapackage", "-w", node))
    assert package["resources"][0]["name"] == "gp-v1"


def test_a_bad_description_exits_2_naming_the_key(tmp_path: Path) -> None:
    node = str(_node(tmp_path))
    bad = tmp_path / "bad.yaml"
    bad.write_text(DESCRIPTION.replace("update_frequency: monthly", "update_frequency: often"),
                   encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["catalog", "describe", "gp", "--from", str(bad), "-w", node])
    assert result.exit_code == 2
    assert f"{bad}: update_frequency: Input should be" in result.stderr


def test_export_refuses_an_unknown_format_and_an_undescribed_dcat(tmp_path: Path) -> None:
    node = str(_node(tmp_path))
    result = runner.invoke(app, ["catalog", "export", "gp", "-f", "rdfxml", "-w", node])
    assert result.exit_code == 2
    said = " ".join(result.stderr.replace("│", " ").split())
    assert "'rdfxml': choose one of dcat, datapackage, prov, openlineage" in said
    result = runner.invoke(app, ["catalog", "export", "gp", "-f", "dcat", "-w", node])
    assert result.exit_code == 2
    assert "gp has no description" in result.stderr
    result = runner.invoke(app, ["catalog", "show", "nothing", "-w", node])
    assert result.exit_code == 2
    assert "no dataset 'nothing'" in result.stderr


def test_show_names_each_attribute_s_source_spelling(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "node", "test-node")
    src = tmp_path / "gp.csv"
    src.write_text("id,first,last,RegisteredDate\n1,Ann,Smith,2024-01-02\n", encoding="utf-8")
    mapping = tmp_path / "gp.yaml"
    mapping.write_text("fields: {record_id: id, given_name: first, family_name: last}\n"
                       "attributes: [RegisteredDate]\n", encoding="utf-8")  # fmt: skip
    ingest(ws, str(src), mapping, "gp")
    ws.close()
    shown = json.loads(_run("catalog", "show", "gp", "-w", str(ws.root), "--json"))
    assert shown["versions"][0]["attributes"] == {"registered_date": "RegisteredDate"}
    text = _run("catalog", "show", "gp", "-w", str(ws.root))
    assert "registered_date <- RegisteredDate" in text
