"""Reading legacy systems: mapping files, registered readers, ingest into snapshots.

Public face: :func:`ingest` and its :class:`IngestReport`; :func:`standardise` (a source
to a standardised Parquet file, published nowhere, for work outside a workspace);
:func:`load_mapping` and the :class:`Mapping` model; the reader registry
(:class:`Reader`, :func:`register_reader`, :func:`reader_for`); snapshot queries
(:func:`latest_snapshots`, :func:`get_snapshot`, :func:`snapshot_history`, :func:`quarantined`,
:func:`quarantine_reasons`, :func:`statistics`); :func:`export_snapshot`; the error tree
under :class:`SourceError`. Readers live in ``readers/``, one module per format.
"""

from accord.sources.errors import (
    FieldsMostlyFailed,
    MappingError,
    SourceError,
    SourceUnreadable,
    UnknownDataset,
    UnsupportedSource,
)
from accord.sources.export import export_snapshot
from accord.sources.ingest import (
    IngestProgress,
    IngestReport,
    Standardised,
    adopt,
    ingest,
    standardise,
)
from accord.sources.lookup import holds_person
from accord.sources.mapping import load_mapping, parse_mapping
from accord.sources.models import FieldSpec, Mapping, SourceOptions
from accord.sources.readers.base import Loaded, Quarantined, Reader
from accord.sources.registry import reader_for, readers, register_reader
from accord.sources.repository import (
    QuarantineEntry,
    QuarantineReason,
    SnapshotInfo,
    get_snapshot,
    latest_snapshots,
    quarantine_reasons,
    quarantined,
    snapshot_history,
    statistics,
)
from accord.sources.statistics import FieldReport

__all__ = [
    "FieldReport",
    "FieldSpec",
    "FieldsMostlyFailed",
    "IngestProgress",
    "IngestReport",
    "Loaded",
    "Mapping",
    "MappingError",
    "QuarantineEntry",
    "QuarantineReason",
    "Quarantined",
    "Reader",
    "SnapshotInfo",
    "SourceError",
    "SourceOptions",
    "SourceUnreadable",
    "Standardised",
    "UnknownDataset",
    "UnsupportedSource",
    "adopt",
    "export_snapshot",
    "get_snapshot",
    "holds_person",
    "ingest",
    "latest_snapshots",
    "load_mapping",
    "parse_mapping",
    "quarantine_reasons",
    "quarantined",
    "reader_for",
    "readers",
    "register_reader",
    "snapshot_history",
    "standardise",
    "statistics",
]
