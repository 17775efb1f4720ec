"""Provenance: record run events, and read back the lineage of any dataset.

Two kinds of run: *ingest*, which the catalogue derives from what sources stored per
snapshot (one ``COMPLETE`` event per snapshot, with a run id fixed by the snapshot, so
it reads the same every time and sources never imports the catalogue); and every
*derivation* (a linkage output, an extract shared under an agreement), which the
context that ran it records with :func:`record_derivation` (in its own transaction, or
``within`` the caller's), naming what it read and made with :func:`snapshot_ref`,
:func:`file_ref` and :func:`source_ref`. :func:`lineage` walks
upstream from some datasets through both; :func:`downstream` walks the other way, from
every version of one of the node's datasets to the runs that read it (a share, a linkage
run, a derivation) and on through what they made.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from accord.catalog.errors import LineageError
from accord.catalog.models import DatasetRef, EventType, Job, Lineage, RunEvent
from accord.catalog.openlineage import facet
from accord.catalog.repository import runs_consuming, runs_producing, save_event
from accord.catalog.types import RunId
from accord.sources import SnapshotInfo, UnknownDataset, get_snapshot, snapshot_history
from accord.store import Workspace, is_name

INGEST_JOB = "ingest"
SOURCE_FACET = "https://accord.example/schemas/facets/SourceJobFacet.json"
ROWS_FACET = "https://openlineage.io/spec/facets/1-0-1/OutputStatisticsOutputDatasetFacet.json"


def node_namespace(workspace: Workspace) -> str:
    """The OpenLineage namespace of the node's own datasets and jobs: ``accord://NODE``."""
    return f"accord://{workspace.settings.node_name}"


def snapshot_ref(workspace: Workspace, dataset: str, version: int | None = None) -> DatasetRef:
    """A snapshot (the newest unless ``version``) as a lineage input or output."""
    snap = get_snapshot(workspace.engine, dataset, version)
    return DatasetRef(node_namespace(workspace), dataset, snap.content_hash)


def file_ref(workspace: Workspace, path: Path, version: str | None = None) -> DatasetRef:
    """A file on the node as OpenLineage names one: namespace ``file://NODE``, its
    absolute path as the name (a path as typed depends on the folder it was typed in)."""
    return DatasetRef(_file_namespace(node_namespace(workspace)), path.absolute().as_posix(),
                      version)  # fmt: skip


def source_ref(
    workspace: Workspace, kind: str, source: str, query: str | None = None
) -> DatasetRef:
    """A legacy source read through a mapping (``kind`` as its reader names it): a
    database as its masked URL and the query, else a file (:func:`file_ref`)."""
    if kind == "sql":
        return DatasetRef(source, query or "(query)")
    return file_ref(workspace, Path(source))


def _file_namespace(namespace: str) -> str:
    return f"file://{namespace.removeprefix('accord://')}"


def record_event(engine: Engine, event: RunEvent, *, within: Connection | None = None) -> None:
    """Store one run event, refused if it is malformed; in the caller's transaction
    ``within``, when given."""
    try:
        uuid.UUID(event.run_id)
    except ValueError:
        raise LineageError(f"run id {event.run_id!r} is not a UUID") from None
    if event.event_time.tzinfo is None:
        raise LineageError("event time must be timezone-aware")
    for what, value in (("job.namespace", event.job.namespace), ("job.name", event.job.name)):
        if not value:
            raise LineageError(f"{what} is empty")
    for ref in (*event.inputs, *event.outputs):
        if not ref.namespace or not ref.name:
            raise LineageError(f"dataset {ref!r} needs a namespace and a name")
    save_event(engine, event, within=within)


def record_derivation(
    engine: Engine,
    job: Job,
    inputs: Sequence[DatasetRef],
    outputs: Sequence[DatasetRef],
    *,
    run_id: str | None = None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    facets: Mapping[str, Any] | None = None,
    within: Connection | None = None,
) -> RunId:
    """Record that a run of ``job`` read ``inputs`` and made ``outputs``; returns its run id.

    For the contexts that derive or share data (linkage outputs, extracts under an
    agreement): a ``START`` event when ``started_at`` is given, then ``COMPLETE``.
    Run facets (an agreement id, a purpose) go in ``facets``. With ``within`` (a
    connection in a transaction: an audit transaction's), the events are stored in that
    transaction, so the run is in the lineage exactly when the work it records committed.
    """
    if not outputs:
        raise LineageError(f"{job.name}: a derivation must name what it made (outputs)")
    rid = RunId(run_id or str(uuid.uuid4()))
    run_facets = dict(facets or {})
    if started_at is not None:
        start = RunEvent(EventType.START, started_at, rid, job, tuple(inputs), (), run_facets)
        record_event(engine, start, within=within)
    end = ended_at or datetime.now(UTC)
    done = RunEvent(EventType.COMPLETE, end, rid, job, tuple(inputs), tuple(outputs), run_facets)
    record_event(engine, done, within=within)
    return rid


def ingest_run(namespace: str, snap: SnapshotInfo) -> RunEvent:
    """The ingest of a snapshot as a completed run: source file in, snapshot out."""
    run_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{namespace}/{snap.dataset}/{snap.content_hash}")
    source = _source_ref(namespace, snap)
    output = DatasetRef(namespace, snap.dataset, snap.content_hash, {
        "outputStatistics": facet(ROWS_FACET, rowCount=snap.rows),
    })  # fmt: skip
    job_facets = {"accordSource": facet(SOURCE_FACET, kind=snap.source_kind, source=snap.source,
                                        mapping=snap.mapping_document(),
                                        asOf=snap.as_of.isoformat(), rowsRead=snap.read_rows,
                                        rowsQuarantined=snap.quarantined_rows)}  # fmt: skip
    return RunEvent(
        EventType.COMPLETE, snap.created_at, RunId(str(run_id)),
        Job(namespace, INGEST_JOB, job_facets), (source,), (output,),
    )  # fmt: skip


def _source_ref(namespace: str, snap: SnapshotInfo) -> DatasetRef:
    """The legacy source as OpenLineage names it: a file on the node, or a database's query."""
    if snap.source_kind == "sql":
        query = (snap.mapping_document().get("source") or {}).get("query") or "(query)"
        return DatasetRef(snap.source, str(query))
    # As ingest stored it (the path as given): the run is derived again on every read.
    return DatasetRef(_file_namespace(namespace), snap.source)


def lineage(workspace: Workspace, subjects: Iterable[DatasetRef]) -> Lineage:
    """The completed runs that made ``subjects`` and everything upstream, inputs first."""
    namespace = node_namespace(workspace)
    wanted = tuple(subjects)
    runs: dict[str, RunEvent] = {}
    seen: set[tuple[str, str, str | None]] = set()
    queue = list(wanted)
    with workspace.engine.connect() as conn:
        while queue:
            ref = queue.pop()
            if ref.key in seen:
                continue
            seen.add(ref.key)
            for run in _producers(conn, namespace, ref):
                if run.run_id not in runs:
                    runs[run.run_id] = run
                    queue.extend(run.inputs)
    return Lineage(wanted, _upstream_first(runs.values()))


def downstream(workspace: Workspace, dataset: str) -> Lineage:
    """The completed runs that read any version of the node's ``dataset`` (its subjects:
    one ref per version), and the runs that read what those made, inputs first.

    A run counts as reading a version when its input names that version or names the
    dataset with no version.
    """
    namespace = node_namespace(workspace)
    with workspace.engine.connect() as conn:
        subjects = tuple(DatasetRef(namespace, s.dataset, s.content_hash)
                         for s in snapshot_history(conn, dataset))  # fmt: skip
        if not subjects:
            raise UnknownDataset(f"no dataset {dataset!r} in this workspace (see 'accord "
                                 "datasets')")  # fmt: skip
        runs: dict[str, RunEvent] = {}
        seen: set[tuple[str, str, str | None]] = set()
        queue = list(subjects)
        while queue:
            ref = queue.pop()
            if ref.key in seen:
                continue
            seen.add(ref.key)
            for run in (_merge(events) for events in runs_consuming(conn, ref)):
                if run is not None and run.run_id not in runs:
                    runs[run.run_id] = run
                    queue.extend(run.outputs)
    return Lineage(subjects, _upstream_first(runs.values()))


def _producers(conn: Connection, namespace: str, ref: DatasetRef) -> list[RunEvent]:
    """The runs that made ``ref``: its ingest if it is a snapshot, else recorded runs."""
    if ref.namespace == namespace and is_name(ref.name):
        snaps = snapshot_history(conn, ref.name, ref.version)
        if snaps:
            # A snapshot another node shared was also made by the run that received it.
            received = [r for r in (_merge(e) for e in runs_producing(conn, ref)) if r]
            return [ingest_run(namespace, snaps[-1]), *received]
    completed = [r for r in (_merge(events) for events in runs_producing(conn, ref)) if r]
    # Without a version, the newest run that made the dataset is the one in question.
    return completed if ref.version is not None else completed[-1:]


def _merge(events: list[RunEvent]) -> RunEvent | None:
    """One run from its events (inputs and outputs may arrive on any); None unless completed."""
    final = events[-1]
    if final.event_type is not EventType.COMPLETE:
        return None
    start = next((e.event_time for e in events if e.event_type is EventType.START), None)
    inputs = {d.key: d for e in events for d in e.inputs}
    outputs = {d.key: d for e in events for d in e.outputs}
    facets = {k: v for e in events for k, v in e.run_facets.items()}
    return RunEvent(
        final.event_type, final.event_time, final.run_id, final.job,
        tuple(inputs.values()), tuple(outputs.values()), facets, start,
    )  # fmt: skip


def _inputs_made(
    run: RunEvent, made_by: Mapping[tuple[str, str, str | None], str], done: set[str]
) -> bool:
    """Whether every input of ``run`` made by a run in the lineage was made already."""
    return all(made_by.get(i.key) in done | {None, run.run_id} for i in run.inputs)


def _upstream_first(runs: Iterable[RunEvent]) -> tuple[RunEvent, ...]:
    """Runs ordered so that each comes after the runs that made its inputs."""
    pending = sorted(runs, key=lambda r: (r.event_time, r.run_id))
    made_by = {o.key: r.run_id for r in pending for o in r.outputs}
    done: set[str] = set()
    ordered: list[RunEvent] = []
    while pending:
        ready = [r for r in pending if _inputs_made(r, made_by, done)]
        ready = ready or pending[:1]  # a cycle, which a correct history never has
        for run in ready:
            done.add(run.run_id)
            ordered.append(run)
        pending = [r for r in pending if r.run_id not in done]
    return tuple(ordered)
