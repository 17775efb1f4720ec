"""A run for a workspace is in the catalogue's lineage: one derivation, what each side
read in (a dataset's snapshot, or a source file), the files it made out (by path and
content hash), with its facts and its audit entry; recorded with the entry and the
outputs, so a run that fails records neither. On both stores."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from accord import audit, catalog
from accord.linkage import BadSource, Mode, dedupe, link
from accord.linkage.labels import BadLabels
from accord.sources import ingest
from accord.store import Workspace
from tests.linkage.conftest import AS_OF, Population


def _ingest(ws: Workspace, population: Population, *names: str) -> None:
    files = {"gp": "gp.csv", "hospital": "hospital.xlsx"}
    for name in names:
        ingest(ws, str(population.folder / files[name]),
               population.folder / f"{name}.mapping.yaml", name, as_of=AS_OF)  # fmt: skip


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(path: Path) -> list[tuple[str, ...]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return sorted(tuple(row) for row in csv.reader(fh))


def _runs(ws: Workspace) -> list[audit.Event]:
    return [e.event for e in audit.entries(ws) if e.event.name == "linkage.run"]


def test_a_link_of_two_datasets_records_one_derivation(
    population: Population, workspace: Workspace, tmp_path: Path
) -> None:
    _ingest(workspace, population, "gp", "hospital")
    out, ids = tmp_path / "pairs.csv", tmp_path / "ids"

    report = link("dataset:gp", "dataset:hospital", None, None, out, workspace=workspace,
                  mode=Mode.PLAINTEXT, ids=ids)  # fmt: skip

    gp, hospital = (catalog.snapshot_ref(workspace, n) for n in ("gp", "hospital"))
    [run] = catalog.downstream(workspace, "gp").runs
    assert catalog.downstream(workspace, "hospital").runs == (run,)
    assert run.run_id == report.lineage_run
    assert run.job.name == "linkage.link"
    assert run.inputs == (gp, hospital)
    assert run.outputs == tuple(
        catalog.file_ref(workspace, f, _digest(f)) for f in (out, ids / "left.csv",
                                                              ids / "right.csv")
    )  # fmt: skip
    assert all(o.namespace == "file://test-node" and Path(o.name).is_absolute()
               for o in run.outputs)  # fmt: skip
    assert run.started_at is not None
    assert run.started_at <= run.event_time
    facts = {k: v for k, v in run.run_facets["accordLinkage"].items() if not k.startswith("_")}
    assert facts == {
        "task": "link", "mode": "plaintext", "engine": "duckdb", "pairs": report.pairs,
        "records": report.left.rows + report.right.rows, "threshold": report.threshold,
        "auditEvent": "linkage.run",
    }  # fmt: skip
    # The audit entry names the versions read and the lineage run: each leads to the other.
    assert _runs(workspace) == [audit.LinkageRun(
        left="dataset:gp@1", right="dataset:hospital@1", mode="plaintext", pairs=report.pairs,
        records=report.left.rows + report.right.rows, run=run.run_id,
    )]  # fmt: skip
    # Upstream of the pairs: this run, then the ingests that made the snapshots.
    upstream = catalog.lineage(workspace, [run.outputs[0]])
    assert [r.job.name for r in upstream.runs] == ["ingest", "ingest", "linkage.link"]
    assert (report.left.rows, report.left.quarantined_rows) == (
        population.gp.rows, population.gp.quarantined_rows)  # fmt: skip


def test_a_dedupe_of_a_dataset_finds_what_the_file_gives_and_each_records_its_inputs(
    population: Population, sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    ws = sqlite_workspace
    _ingest(ws, population, "gp")
    source, mapping = population.folder / "gp.csv", population.folder / "gp.mapping.yaml"

    of_dataset = dedupe("dataset:gp", None, tmp_path / "a.csv", workspace=ws)
    of_file = dedupe(str(source), mapping, tmp_path / "b.csv", workspace=ws, as_of=AS_OF)

    # The snapshot is what ingest standardised from the same file: the same people.
    assert _rows(tmp_path / "a.csv") == _rows(tmp_path / "b.csv")
    assert of_dataset.clusters == of_file.clusters
    [run] = catalog.downstream(ws, "gp").runs
    assert run.job.name == "linkage.dedupe"
    assert run.inputs == (catalog.snapshot_ref(ws, "gp"),)
    assert run.outputs == (catalog.file_ref(ws, tmp_path / "a.csv",
                                            _digest(tmp_path / "a.csv")),)  # fmt: skip
    assert run.run_facets["accordLinkage"]["clusters"] == of_dataset.clusters
    # A run on a file records the file as its input (by path: a source is not hashed).
    made = catalog.file_ref(ws, tmp_path / "b.csv", _digest(tmp_path / "b.csv"))
    [from_file] = catalog.lineage(ws, [made]).runs
    assert from_file.run_id == of_file.lineage_run
    assert from_file.inputs == (catalog.DatasetRef("file://test-node", source.as_posix()),)
    assert [e.run for e in _runs(ws)] == [of_dataset.lineage_run, of_file.lineage_run]


def test_a_run_that_fails_records_no_lineage(
    population: Population, workspace: Workspace, tmp_path: Path
) -> None:
    _ingest(workspace, population, "gp")
    labels = tmp_path / "labels.csv"
    labels.write_text("left_id,right_id,label\nX1,Y1,1\n", encoding="utf-8")
    out = tmp_path / "pairs.csv"

    # Refused after both providers have read the snapshot: labels that name no record.
    with pytest.raises(BadLabels):
        link("dataset:gp", "dataset:gp", None, None, out, workspace=workspace,
             mode=Mode.PLAINTEXT, labels=labels)  # fmt: skip
    with pytest.raises(BadSource):
        link("dataset:gp", str(population.folder / "hospital.xlsx"), None, None, out,
             workspace=workspace)  # fmt: skip

    assert not out.exists()
    assert catalog.downstream(workspace, "gp").runs == ()
    assert _runs(workspace) == []
    assert catalog.lineage(workspace, [catalog.file_ref(workspace, out)]).runs == ()
