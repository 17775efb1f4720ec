"""Run events as OpenLineage JSON: how they are stored, and what the ``openlineage`` export writes.

A dataset's version travels in the standard ``version`` dataset facet; facets Accord
writes carry ``_producer`` and ``_schemaURL`` as the specification asks; facets a caller
passes are kept as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from accord import __version__
from accord.catalog.models import DatasetRef, EventType, Job, RunEvent
from accord.catalog.types import RunId

PRODUCER = f"https://accord.example/accord/{__version__}"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
VERSION_FACET = "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json"
CUSTOM_FACET = "https://accord.example/schemas/facets/CustomFacet.json"


def facet(schema_url: str, **values: Any) -> dict[str, Any]:
    """A facet Accord writes: its values with the producer and schema the spec asks for."""
    return {"_producer": PRODUCER, "_schemaURL": schema_url, **values}


def facets_json(facets: Mapping[str, Any]) -> dict[str, Any]:
    """Facets as the spec has them: objects carrying ``_producer`` and ``_schemaURL``."""
    found = {}
    for name, value in facets.items():
        body = value if isinstance(value, dict) else {"value": value}
        found[name] = {"_producer": PRODUCER, "_schemaURL": CUSTOM_FACET, **body}
    return found


def dataset_json(ref: DatasetRef) -> dict[str, Any]:
    facets = facets_json(ref.facets)
    if ref.version is not None:
        facets["version"] = facet(VERSION_FACET, datasetVersion=ref.version)
    return {"namespace": ref.namespace, "name": ref.name, "facets": facets}


def to_json(event: RunEvent) -> dict[str, Any]:
    """The event as an OpenLineage ``RunEvent`` document."""
    return {
        "eventType": event.event_type.value,
        "eventTime": event.event_time.isoformat(),
        "run": {"runId": event.run_id, "facets": facets_json(event.run_facets)},
        "job": {"namespace": event.job.namespace, "name": event.job.name,
                "facets": facets_json(event.job.facets)},
        "inputs": [dataset_json(i) for i in event.inputs],
        "outputs": [dataset_json(o) for o in event.outputs],
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
    }  # fmt: skip


def _dataset(doc: dict[str, Any]) -> DatasetRef:
    facets = dict(doc.get("facets") or {})
    version = facets.pop("version", {}).get("datasetVersion")
    return DatasetRef(doc["namespace"], doc["name"], version, facets)


def from_json(doc: dict[str, Any]) -> RunEvent:
    """The event stored as ``doc`` by :func:`to_json`."""
    return RunEvent(
        event_type=EventType(doc["eventType"]),
        event_time=datetime.fromisoformat(doc["eventTime"]),
        run_id=RunId(doc["run"]["runId"]),
        job=Job(doc["job"]["namespace"], doc["job"]["name"], doc["job"].get("facets") or {}),
        inputs=tuple(_dataset(d) for d in doc.get("inputs", [])),
        outputs=tuple(_dataset(d) for d in doc.get("outputs", [])),
        run_facets=doc["run"].get("facets") or {},
    )
