"""A side of a run, checked before any work: a dataset of the workspace by name (its
newest snapshot, or a version), no mapping with it, a mapping for every file; an unknown
dataset, a dataset with no workspace and one received from another node, each refused
by name."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from accord import catalog
from accord.linkage import BadSource, DatasetSource, dedupe, link
from accord.linkage.inputs import plan
from accord.sources import UnknownDataset, adopt
from accord.store import InvalidName, Workspace
from tests.quality.support import CLEAN, ingest_rows


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("dataset:gp", DatasetSource("gp")),
        ("dataset:gp.patients@12", DatasetSource("gp.patients", 12)),
        ("gp.csv", None),
        ("./dataset:gp", None),  # a file whose name starts so is still a file this way
        ("postgresql+psycopg://host/db", None),
    ],
)
def test_a_dataset_is_named_dataset_colon_name(text: str, found: DatasetSource | None) -> None:
    assert DatasetSource.parse(text) == found
    if found is not None:
        assert str(found) == text


@pytest.mark.parametrize(
    ("text", "error", "named"),
    [
        ("dataset:", InvalidName, "dataset:: the dataset name"),
        ("dataset:GP Patients", InvalidName, "dataset:GP Patients: the dataset name"),
        ("dataset:gp@", BadSource, "dataset:gp@: after '@' give a version number"),
        ("dataset:gp@0", BadSource, "dataset:gp@0: after"),
        ("dataset:gp@latest", BadSource, "dataset:gp@latest: after"),
    ],
)
def test_a_malformed_dataset_name_is_refused_naming_it(
    text: str, error: type[Exception], named: str
) -> None:
    with pytest.raises(error, match=f"^{re.escape(named)}"):
        DatasetSource.parse(text)


def test_a_dataset_reads_its_newest_snapshot_or_the_version_asked(workspace: Workspace) -> None:
    ingest_rows(workspace, CLEAN, "gp")
    ingest_rows(workspace, CLEAN[:2], "gp")

    newest = plan(workspace, "left", "dataset:gp", None)
    first = plan(workspace, "left", DatasetSource("gp", 1), None)

    assert (newest.source, newest.mapping) == ("dataset:gp@2", None)
    assert newest.snapshot is not None
    assert newest.snapshot.rows == 2
    assert newest.ref == catalog.snapshot_ref(workspace, "gp", 2)
    assert first.source == "dataset:gp@1"
    assert first.ref == catalog.snapshot_ref(workspace, "gp", 1)


def test_a_side_named_wrongly_is_refused_before_any_work(
    workspace: Workspace, tmp_path: Path
) -> None:
    ingest_rows(workspace, CLEAN, "gp")
    mapping = workspace.root / "sources" / "people.mapping.yaml"
    out = tmp_path / "pairs.csv"

    with pytest.raises(BadSource, match=r"^left: dataset:gp is a dataset of the workspace, "
                       r"standardised when it was ingested: it takes no mapping"):  # fmt: skip
        link("dataset:gp", "dataset:gp", mapping, None, out, workspace=workspace)
    with pytest.raises(BadSource, match=r"^right: .*gp\.csv: give its mapping"):
        link("dataset:gp", str(workspace.root / "sources" / "gp.csv"), None, None, out,
             workspace=workspace)  # fmt: skip
    with pytest.raises(UnknownDataset, match=r"^right: dataset:hospital: no dataset "
                       r"'hospital' in this workspace"):  # fmt: skip
        link("dataset:gp", "dataset:hospital", None, None, out, workspace=workspace)
    with pytest.raises(UnknownDataset, match=r"^source: dataset:gp@7: no dataset 'gp' "
                       r"version 7"):  # fmt: skip
        dedupe("dataset:gp@7", None, out, workspace=workspace)
    with pytest.raises(BadSource, match=r"^source: dataset:gp names a dataset of a node's "
                       r"workspace, and this run is for none"):  # fmt: skip
        dedupe("dataset:gp", None, out)
    assert not out.exists()
    assert catalog.downstream(workspace, "gp").runs == ()


def test_a_dataset_received_from_another_node_is_not_linked(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    extract = tmp_path / "extract.parquet"
    pq.write_table(pa.table({"record_id": ["1"], "nhs_number": ["pseudonym-1"]}), extract)
    adopt(sqlite_workspace, extract, "hospital.admissions", source="accord://hospital",
          source_kind="exchange")  # fmt: skip

    received = r"^source: dataset:hospital\.admissions was received from another node"
    with pytest.raises(BadSource, match=received + r" \(from accord://hospital\) under an"):
        dedupe("dataset:hospital.admissions", None, tmp_path / "clusters.csv",
               workspace=sqlite_workspace)  # fmt: skip
