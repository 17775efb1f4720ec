"""Which node's log records ``accord link`` and ``accord dedupe``: the one named, else the
current folder when it is a workspace, else none (and the run still works on bare files).
A side may be a dataset of that workspace (``dataset:NAME``), which takes no mapping."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord import audit, catalog
from accord.cli import app
from accord.scenarios import generate
from accord.sources import ingest
from accord.store import Workspace, init_workspace


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenario")
    generate("gp-hospital-council", 200, folder, seed=3, organisations=["gp"],
             as_of=date(2026, 11, 22))  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def with_gp(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A workspace holding the scenario's GP file as dataset ``gp`` (the cases below
    change nothing in it)."""
    ws = init_workspace(tmp_path_factory.mktemp("with-gp") / "ws", "test-node")
    ingest(ws, str(scenario / "gp.csv"), scenario / "gp.mapping.yaml", "gp",
           as_of=date(2026, 11, 22))  # fmt: skip
    yield ws
    ws.engine.dispose()


def _dedupe(scenario: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> None:
    result = CliRunner().invoke(app, ["dedupe", str(scenario / "gp.csv"), "-m",
                                      str(scenario / "gp.mapping.yaml"), "-o", str(out),
                                      "--as-of", "2026-11-22", *extra], env=env)  # fmt: skip
    assert result.exit_code == 0, result.stdout + result.stderr
    assert out.is_file()


def _runs(ws: Workspace) -> int:
    return sum(e.event.name == "linkage.run" for e in audit.entries(ws))


def test_the_run_is_recorded_in_the_node_named_or_the_current_one_or_none(
    scenario: Path, sqlite_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = sqlite_workspace
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    _dedupe(scenario, tmp_path / "bare.csv")
    assert _runs(ws) == 0  # no workspace named, the current folder is none: not recorded
    _dedupe(scenario, tmp_path / "named.csv", "--workspace", str(ws.root))
    assert _runs(ws) == 1
    _dedupe(scenario, tmp_path / "env.csv", env={"ACCORD_WORKSPACE": str(ws.root)})
    assert _runs(ws) == 2
    monkeypatch.chdir(ws.root)
    _dedupe(scenario, tmp_path / "here.csv")
    assert _runs(ws) == 3


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _squashed(text: str) -> str:
    """Without whitespace or the box click draws a message in (it wraps long lines)."""
    return re.sub(r"[\s│╭╮╰╯─]+", "", text)


def test_a_dataset_of_the_workspace_is_linked_without_a_mapping(
    scenario: Path, sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    ws = sqlite_workspace
    ingest(ws, str(scenario / "gp.csv"), scenario / "gp.mapping.yaml", "gp",
           as_of=date(2026, 11, 22))  # fmt: skip
    out = tmp_path / "clusters.csv"

    code, stdout, stderr = _invoke("dedupe", "dataset:gp", "-o", str(out), "-w", str(ws.root),
                                   "--json")  # fmt: skip

    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["source"] == "dataset:gp@1"
    [run] = catalog.downstream(ws, "gp").runs
    assert report["lineage_run"] == run.run_id
    code, stdout, _ = _invoke("link", "dataset:gp", str(scenario / "gp.csv"), "--right-mapping",
                              str(scenario / "gp.mapping.yaml"), "--mode", "plaintext", "-o",
                              str(tmp_path / "pairs.csv"), "-w", str(ws.root))  # fmt: skip
    assert code == 0
    records = report["records"]
    assert f"left: dataset:gp@1: {records} records (0 quarantined)" in stdout
    assert f"gp.csv: {records} records" in stdout  # the file the snapshot was ingested from
    assert len(catalog.downstream(ws, "gp").runs) == 2


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (
            ("link", "dataset:gp", "dataset:gp", "-m", "{map}"),
            "--mapping (one for both sides): LEFT (dataset:gp) is a dataset of the workspace, "
            "standardised when it was ingested: it takes no mapping",
        ),
        (("link", "dataset:gp", "{csv}", "-m", "{map}"), "--mapping (one for both sides): LEFT"),
        (
            ("link", "{csv}", "dataset:gp", "--left-mapping", "{map}", "--right-mapping", "{map}"),
            "--right-mapping: RIGHT (dataset:gp) is a dataset of the workspace",
        ),
        (
            ("link", "dataset:gp", "{csv}"),
            "give --mapping, or --right-mapping: RIGHT ({csv}) is a file",
        ),
        (
            ("link", "dataset:gp", "dataset:hospital"),
            "right: dataset:hospital: no dataset 'hospital' in this workspace",
        ),
        (
            ("dedupe", "dataset:gp", "-m", "{map}"),
            "--mapping: dataset:gp is a dataset of the "
            "workspace, standardised when it was ingested: it takes none",
        ),
        (("dedupe", "{csv}"), "{csv} is a file: give its --mapping"),
        (("dedupe", "dataset:gp@9"), "source: dataset:gp@9: no dataset 'gp' version 9"),
        (("dedupe", "dataset:gp@v2"), "dataset:gp@v2: after '@' give a version number"),
        (("dedupe", "dataset:GP"), "dataset:GP: the dataset name"),
    ],
)
def test_a_side_named_wrongly_is_a_clear_error(
    scenario: Path, with_gp: Workspace, tmp_path: Path, args: tuple[str, ...], named: str
) -> None:
    ws = with_gp
    paths = {"csv": str(scenario / "gp.csv"), "map": str(scenario / "gp.mapping.yaml")}
    filled = [a.format(**paths) for a in args]
    out = tmp_path / "out.csv"

    code, stdout, stderr = _invoke(*filled, "-o", str(out), "-w", str(ws.root))

    assert code == 2
    assert _squashed(named.format(**paths)) in _squashed(stderr)
    assert "Traceback" not in stdout + stderr
    assert not out.exists()
    assert catalog.downstream(ws, "gp").runs == ()
    assert _runs(ws) == 0
