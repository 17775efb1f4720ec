"""The catalogue: what each dataset is, where it came from, what was done to it.

Public face: descriptions (:class:`DatasetMetadata`, :func:`load_metadata`,
:func:`parse_metadata`, :func:`describe`); the catalogue (:func:`catalogue` and its
:class:`Listed` lines, :func:`entry` with :class:`Entry` and :class:`Version`);
:func:`assess_quality` (the quality context's assessment, with the update frequency the
description declares);
provenance as OpenLineage-style run events (:class:`RunEvent`, :class:`Job`,
:class:`DatasetRef`, :class:`EventType`, :func:`record_event`, :func:`record_derivation`,
:func:`snapshot_ref`, :func:`file_ref`, :func:`source_ref`, :func:`node_namespace`,
:func:`lineage` and its :class:`Lineage`,
:func:`downstream`);
exports (:func:`export`, the registry :class:`ExportFormat`, :func:`register_format`,
:func:`formats`, :func:`get_format`); the error tree under :class:`CatalogError`.
Inside: ``metadata`` (description files), ``lineage`` (events and the upstream walk),
``openlineage`` (the events' JSON), ``repository``, ``service``, and ``formats/`` (the
registry and one module per built-in format).
"""

from accord.catalog.errors import (
    CatalogError,
    LineageError,
    MetadataError,
    NotDescribed,
    UnknownFormat,
)
from accord.catalog.formats import ExportFormat, formats, get_format, register_format
from accord.catalog.lineage import (
    downstream,
    file_ref,
    lineage,
    node_namespace,
    record_derivation,
    record_event,
    snapshot_ref,
    source_ref,
)
from accord.catalog.metadata import load_metadata, parse_metadata
from accord.catalog.models import (
    DatasetMetadata,
    DatasetRef,
    Entry,
    EventType,
    Job,
    Lineage,
    RunEvent,
    Version,
)
from accord.catalog.openlineage import to_json as openlineage_json
from accord.catalog.service import Listed, assess_quality, catalogue, describe, entry, export
from accord.catalog.types import RunId

__all__ = [
    "CatalogError",
    "DatasetMetadata",
    "DatasetRef",
    "Entry",
    "EventType",
    "ExportFormat",
    "Job",
    "Lineage",
    "LineageError",
    "Listed",
    "MetadataError",
    "NotDescribed",
    "RunEvent",
    "RunId",
    "UnknownFormat",
    "Version",
    "assess_quality",
    "catalogue",
    "describe",
    "downstream",
    "entry",
    "export",
    "file_ref",
    "formats",
    "get_format",
    "lineage",
    "load_metadata",
    "node_namespace",
    "openlineage_json",
    "parse_metadata",
    "record_derivation",
    "record_event",
    "register_format",
    "snapshot_ref",
    "source_ref",
]
