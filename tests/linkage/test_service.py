"""A link or dedupe run for a node is recorded in its log as its output appears; without a
workspace it is not recorded (there is no log) and still writes its output whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord import audit
from accord.linkage import Mode, dedupe, link
from accord.store import UnsafeOutput, Workspace
from tests.linkage.conftest import AS_OF, Population


def runs(ws: Workspace) -> list[audit.Event]:
    return [e.event for e in audit.entries(ws) if e.event.name == "linkage.run"]


def test_a_link_in_a_workspace_is_recorded_once_its_pairs_are_written(
    population: Population, workspace: Workspace, tmp_path: Path
) -> None:
    folder = population.folder
    out = tmp_path / "out" / "pairs.csv"
    out.parent.mkdir()

    report = link(str(folder / "gp.csv"), str(folder / "hospital.xlsx"),
                  folder / "gp.mapping.yaml", folder / "hospital.mapping.yaml", out,
                  workspace=workspace, mode=Mode.PLAINTEXT, as_of=AS_OF)  # fmt: skip

    assert len(out.read_text(encoding="utf-8").splitlines()) == report.pairs + 1
    assert runs(workspace) == [audit.LinkageRun(
        left=str(folder / "gp.csv"), right=str(folder / "hospital.xlsx"), mode="plaintext",
        pairs=report.pairs, records=report.left.rows + report.right.rows,
        run=report.lineage_run or "",
    )]  # fmt: skip
    assert [p.name for p in out.parent.iterdir()] == ["pairs.csv"]


def test_a_dedupe_is_recorded_and_a_run_that_cannot_write_records_nothing(
    population: Population, sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    source, mapping = population.folder / "gp.csv", population.folder / "gp.mapping.yaml"
    out = tmp_path / "clusters.csv"

    report = dedupe(str(source), mapping, out, workspace=sqlite_workspace, as_of=AS_OF)
    with pytest.raises(UnsafeOutput, match="does not exist; create it first"):
        dedupe(str(source), mapping, tmp_path / "missing" / "clusters.csv",
               workspace=sqlite_workspace, as_of=AS_OF)  # fmt: skip
    bare = dedupe(str(source), mapping, tmp_path / "bare.csv", as_of=AS_OF)

    assert runs(sqlite_workspace) == [audit.LinkageRun(
        left=str(source), right=str(source), mode="plaintext", task="dedupe",
        pairs=report.source.rows - report.clusters, records=report.source.rows,
        clusters=report.clusters, run=report.lineage_run or "",
    )]  # fmt: skip
    assert bare.clusters == report.clusters
    assert bare.lineage_run is None  # no workspace: no lineage either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bare.csv", "clusters.csv", "ws"]
