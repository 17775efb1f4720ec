"""Provenance on both stores: ingest runs from snapshots, derivations recorded and walked back."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import pytest

from accord.catalog import (
    DatasetRef,
    EventType,
    Job,
    LineageError,
    RunEvent,
    RunId,
    downstream,
    file_ref,
    lineage,
    node_namespace,
    record_derivation,
    record_event,
    snapshot_ref,
    source_ref,
)
from accord.sources import UnknownDataset
from accord.store import Workspace
from tests.catalog.support import T0, T1, T2, two_step
from tests.quality.support import CLEAN, ingest_rows


def test_the_lineage_of_a_two_step_derivation_reads_back(workspace: Workspace) -> None:
    a, b, c, d = two_step(workspace)
    found = lineage(workspace, [d])
    assert found.subjects == (d,)
    assert [r.job.name for r in found.runs] == ["ingest", "ingest", "linkage.link",
                                                "exchange.share"]  # fmt: skip
    assert found.inputs_of(d) == (c,)
    assert found.inputs_of(c) == (a, b)
    share, link = found.producer(d), found.producer(c)
    assert share is not None
    assert link is not None
    assert share.event_type is EventType.COMPLETE
    assert share.event_time == T2
    assert share.run_facets["agreement"]["id"] == "DSA-2026-007"
    assert (link.started_at, link.event_time) == (T0, T1)
    assert link.job.namespace == node_namespace(workspace) == "accord://test-node"
    # Each snapshot was made by its ingest, from the source file, with the mapping used.
    ingest = found.producer(a)
    assert ingest is not None
    assert ingest.job.name == "ingest"
    (source,) = ingest.inputs
    assert source.namespace == "file://test-node"
    assert source.name.endswith("sources/gp.csv")
    facet = ingest.job.facets["accordSource"]
    assert facet["mapping"]["fields"]["record_id"] == {"column": "id", "format": None,
                                                       "codes": None}  # fmt: skip
    assert (facet["kind"], facet["rowsRead"]) == ("csv", 3)
    assert a.version is not None
    assert len(a.version) == 64


def test_ingest_runs_read_the_same_every_time(workspace: Workspace) -> None:
    ingest_rows(workspace, CLEAN, "gp")
    ref = snapshot_ref(workspace, "gp")
    first, again = lineage(workspace, [ref]), lineage(workspace, [ref])
    assert first.runs == again.runs
    assert uuid.UUID(first.runs[0].run_id).version == 5


def test_each_snapshot_version_has_its_own_ingest(workspace: Workspace) -> None:
    ingest_rows(workspace, CLEAN, "gp")
    ingest_rows(workspace, CLEAN[:2], "gp")
    one, two = snapshot_ref(workspace, "gp", 1), snapshot_ref(workspace, "gp", 2)
    found = lineage(workspace, [one, two])
    assert len(found.runs) == 2
    assert found.producer(one) != found.producer(two)
    # An unversioned reference means the newest version.
    latest = found.producer(DatasetRef(one.namespace, "gp"))
    assert latest is not None
    assert latest.outputs[0].version == two.version


def test_a_failed_run_made_nothing(workspace: Workspace) -> None:
    a, _, c, _ = two_step(workspace)
    broken = DatasetRef(c.namespace, "broken-pairs")
    run = RunId(str(uuid.uuid4()))
    job = Job(c.namespace, "linkage.link")
    record_event(workspace.engine, RunEvent(EventType.START, T0, run, job, (a,), (broken,)))
    record_event(workspace.engine, RunEvent(EventType.FAIL, T1, run, job, (a,), ()))
    assert lineage(workspace, [broken]).runs == ()


def test_an_unversioned_output_resolves_to_its_newest_run(workspace: Workspace) -> None:
    a, _, _, _ = two_step(workspace)
    out = DatasetRef("accord://test-node", "daily-extract")
    job = Job(out.namespace, "exchange.share")
    record_derivation(workspace.engine, job, [a], [out], ended_at=T1)
    newest = record_derivation(workspace.engine, job, [a], [out], ended_at=T2)
    found = lineage(workspace, [out])
    assert [r.run_id for r in found.runs if r.job.name == "exchange.share"] == [newest]


def test_malformed_events_are_refused(sqlite_workspace: Workspace) -> None:
    job = Job("accord://n", "x")
    with pytest.raises(LineageError, match="not a UUID"):
        record_event(sqlite_workspace.engine,
                     RunEvent(EventType.COMPLETE, T0, RunId("run-1"), job))  # fmt: skip
    with pytest.raises(LineageError, match="timezone-aware"):
        record_event(sqlite_workspace.engine, RunEvent(
            EventType.COMPLETE, datetime(2026, 1, 1), RunId(str(uuid.uuid4())), job))  # fmt: skip
    with pytest.raises(LineageError, match="must name what it made"):
        record_derivation(sqlite_workspace.engine, job, [DatasetRef("a", "b")], [])
    with pytest.raises(LineageError, match="needs a namespace and a name"):
        record_derivation(sqlite_workspace.engine, job, [], [DatasetRef("", "b")])
    assert lineage(sqlite_workspace, [DatasetRef("a", "b")]).runs == ()


def test_downstream_finds_what_read_each_version_and_what_that_made(workspace: Workspace) -> None:
    a, _, _, d = two_step(workspace)  # gp and hospital linked into c, c shared as d
    found = downstream(workspace, "gp")
    assert found.subjects == (a,)
    assert [r.job.name for r in found.runs] == ["linkage.link", "exchange.share"]
    assert found.runs[1].outputs == (d,)
    assert [r.job.name for r in downstream(workspace, "hospital").runs] == [
        "linkage.link",
        "exchange.share",
    ]
    # A second version: a share of it, one naming the dataset without a version (the
    # newest, when it ran) and a failed run, which read nothing.
    ingest_rows(workspace, CLEAN[:2], "gp")
    second = snapshot_ref(workspace, "gp")
    here = node_namespace(workspace)
    job = Job(here, "exchange.share")
    mine = record_derivation(
        workspace.engine,
        job,
        [second],
        [DatasetRef("accord://council", "gp.gp", "v2")],
        ended_at=T2,
    )
    loose = record_derivation(
        workspace.engine,
        job,
        [DatasetRef(here, "gp")],
        [DatasetRef("accord://school", "gp.gp")],
        ended_at=T2,
    )
    run = RunId(str(uuid.uuid4()))
    record_event(workspace.engine, RunEvent(EventType.START, T0, run, job, (second,), ()))
    record_event(workspace.engine, RunEvent(EventType.FAIL, T1, run, job, (second,), ()))
    found = downstream(workspace, "gp")
    assert found.subjects == (a, second)
    assert {r.run_id for r in found.runs if r.job.name == "exchange.share"} >= {mine, loose}
    assert run not in {r.run_id for r in found.runs}
    assert len(found.runs) == 4
    assert downstream(workspace, "hospital").runs[-1].outputs == (d,)
    with pytest.raises(UnknownDataset, match="no dataset 'nothing'"):
        downstream(workspace, "nothing")


def test_a_derivation_within_a_transaction_is_kept_exactly_when_it_commits(
    workspace: Workspace, tmp_path: Path
) -> None:
    ingest_rows(workspace, CLEAN, "gp")
    here = node_namespace(workspace)
    job, read = Job(here, "linkage.dedupe"), [snapshot_ref(workspace, "gp")]
    kept, dropped = file_ref(workspace, tmp_path / "kept.csv"), file_ref(workspace, tmp_path / "x")

    def fails() -> None:
        with workspace.engine.connect() as conn, conn.begin():
            record_derivation(workspace.engine, job, read, [dropped], started_at=T0, within=conn)
            raise RuntimeError("the run failed after its lineage was written")

    with pytest.raises(RuntimeError, match="the run failed"):
        fails()
    with workspace.engine.connect() as conn, conn.begin():
        made = record_derivation(workspace.engine, job, read, [kept], within=conn)

    assert [r.run_id for r in downstream(workspace, "gp").runs] == [made]
    assert lineage(workspace, [dropped]).runs == ()


def test_files_and_sources_are_named_as_openlineage_names_them(
    sqlite_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    node = "file://test-node"
    assert file_ref(sqlite_workspace, Path("out/pairs.csv"), "ab") == DatasetRef(
        node, (tmp_path / "out" / "pairs.csv").as_posix(), "ab")  # fmt: skip
    assert source_ref(sqlite_workspace, "csv", "gp.csv") == DatasetRef(
        node, (tmp_path / "gp.csv").as_posix())  # fmt: skip
    masked = "postgresql://gp:***@db/gp"
    assert source_ref(sqlite_workspace, "sql", masked, "SELECT * FROM patients") == DatasetRef(
        masked, "SELECT * FROM patients")  # fmt: skip
