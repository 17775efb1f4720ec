"""What a run reads: a source through its mapping, or a dataset of the node's workspace.

A side of a run is named as ``accord link`` takes it. ``dataset:NAME`` (or
``dataset:NAME@VERSION``) is a dataset of the workspace the run is for, read from its
newest snapshot (or that version): ingest standardised it already, so it takes no
mapping, and what the run read is that snapshot, by its content hash. Anything else is
a source any reader reads (a file, a database URL), standardised for this run through
its mapping, as before.

:func:`plan` checks a side against what it was given, before any work: the mapping a
file needs and a dataset refuses, the workspace a dataset needs, the dataset itself.
:func:`read` is a provider's first step, the records standardised in a Parquet file and
the :class:`Side` a report shows; the side's ``ref`` is what the catalogue's lineage
calls what was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from accord import catalog
from accord.linkage.errors import BadSource
from accord.sources import IngestProgress, SnapshotInfo, UnknownDataset, get_snapshot, standardise
from accord.store import Settings, Workspace, check_name

DATASET_PREFIX = "dataset:"
RECEIVED_KIND = "exchange"
"""The source kind of a snapshot another node shared (``sources.adopt``)."""


@dataclass(frozen=True)
class DatasetSource:
    """A dataset of the workspace as a side of a run: its newest snapshot, or ``version``."""

    name: str
    version: int | None = None

    @classmethod
    def parse(cls, text: str) -> DatasetSource | None:
        """``dataset:NAME[@VERSION]`` as a dataset; None for any other source."""
        if not text.startswith(DATASET_PREFIX):
            return None
        name, at, version = text.removeprefix(DATASET_PREFIX).partition("@")
        check_name(name, f"{text}: the dataset name")
        if at and not (version.isdecimal() and int(version) >= 1):
            raise BadSource(f"{text}: after '@' give a version number (1, 2, ...; see "
                            f"'accord datasets'), not {version!r}")  # fmt: skip
        return cls(name, int(version) if at else None)

    def __str__(self) -> str:
        return DATASET_PREFIX + self.name + (f"@{self.version}" if self.version else "")


@dataclass(frozen=True)
class Planned:
    """One side, checked: a source and its mapping, or a dataset's snapshot."""

    source: str
    mapping: Path | None = None
    snapshot: SnapshotInfo | None = None
    ref: catalog.DatasetRef | None = None
    """The snapshot in the lineage (None for a source: named once it has been read)."""


@dataclass(frozen=True)
class Side:
    """What one side of a run read, as its report gives it."""

    source: str
    """The source as given, or ``dataset:NAME@VERSION`` (the version it read)."""
    rows: int
    read_rows: int
    quarantined_rows: int
    path: Path
    """The standardised records: the run's scratch file, or the snapshot itself."""
    notes: tuple[str, ...] = ()
    ref: catalog.DatasetRef | None = None
    """What the lineage calls what was read; None when the run is for no workspace."""


def plan(
    workspace: Workspace | None, side: str, source: str | DatasetSource, mapping: Path | None
) -> Planned:
    """Check ``source`` (the ``side`` of the run) before any work; see the module docstring."""
    dataset = source if isinstance(source, DatasetSource) else DatasetSource.parse(source)
    if dataset is None:
        if mapping is None:
            raise BadSource(f"{side}: {source}: give its mapping (which column is which "
                            f"field); a dataset ({DATASET_PREFIX}NAME) needs none")  # fmt: skip
        return Planned(str(source), mapping)
    if mapping is not None:
        raise BadSource(f"{side}: {dataset} is a dataset of the workspace, standardised when "
                        f"it was ingested: it takes no mapping ({mapping} was given)")  # fmt: skip
    if workspace is None:
        raise BadSource(f"{side}: {dataset} names a dataset of a node's workspace, and this "
                        "run is for none (give --workspace, or run in the workspace's "
                        "folder)")  # fmt: skip
    try:
        snap = get_snapshot(workspace.engine, dataset.name, dataset.version)
    except UnknownDataset as exc:
        raise UnknownDataset(f"{side}: {dataset}: {exc}") from None
    if snap.source_kind == RECEIVED_KIND:
        # Shared under an agreement, for its purpose, with its identifiers pseudonymised:
        # neither this node's data to link nor comparable with it.
        raise BadSource(f"{side}: {dataset} was received from another node (from "
                        f"{snap.source}) under an agreement: linkage reads the node's own "
                        "datasets")  # fmt: skip
    pinned = DatasetSource(snap.dataset, snap.version)
    return Planned(str(pinned), None, snap, catalog.snapshot_ref(workspace, snap.dataset,
                                                                  snap.version))  # fmt: skip


def read(
    planned: Planned,
    workspace: Workspace | None,
    *,
    conn: duckdb.DuckDBPyConnection,
    scratch: Path,
    settings: Settings,
    as_of: date | None,
    progress: IngestProgress,
) -> Side:
    """A provider's records, standardised: a dataset's snapshot as it is, read in place
    (it is immutable), or a source standardised into ``scratch`` through its mapping."""
    snap = planned.snapshot
    if snap is not None and workspace is not None:
        return Side(planned.source, snap.rows, snap.read_rows, snap.quarantined_rows,
                    workspace.root / snap.path, ref=planned.ref)  # fmt: skip
    assert planned.mapping is not None  # plan() refuses a source without one
    done = standardise(
        planned.source, planned.mapping, scratch / "standardised.parquet", conn=conn,
        scratch=scratch, chunk_rows=settings.chunk_rows, as_of=as_of, progress=progress,
    )  # fmt: skip
    ref = None
    if workspace is not None:
        query = done.mapping.source.query
        ref = catalog.source_ref(workspace, done.source_kind, done.source, query)
    return Side(done.source, done.rows, done.read_rows, done.quarantined_rows, done.path,
                done.notes, ref)  # fmt: skip
