"""A run's lineage: what it read and what it made, as one derivation in the catalogue.

A run for a workspace records one derivation, job ``linkage.link`` or ``linkage.dedupe``:
its inputs are what each side read (a dataset's snapshot by its content hash; a source
as the catalogue names one, a file by its path or a database by its masked URL and
query), its outputs the data files it delivered (the pairs or clusters, and with
``--ids`` the two files of linkage ids), each by its path in the node's ``file://NODE``
namespace and the SHA-256 of its content. The run's facet ``accordLinkage`` holds the
task, mode, engine, threshold, pairs and records (and people found, for a dedupe), the
report folder if one was written, and the audit event that recorded the run, whose
``run`` field is this run's id: either leads to the other.

The outputs are hashed before the transaction (:func:`made`), and the derivation is
stored in the transaction that records ``linkage.run`` and moves the outputs into place
(:func:`record`, called by the service's delivery): a run that fails records no
lineage, and a run in the lineage is one whose outputs were delivered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from accord import audit, catalog
from accord.store import Workspace

FACET = "accordLinkage"


@dataclass(frozen=True)
class Derivation:
    """What a run will record in the lineage once its outputs are delivered."""

    job: str
    run_id: str
    inputs: tuple[catalog.DatasetRef, ...]
    outputs: tuple[Path, ...]
    """Where the data files it made are delivered (a report is a facet, not a dataset)."""
    started_at: datetime
    facts: Mapping[str, Any] = field(default_factory=dict)


def facts(event: audit.LinkageRun, **more: Any) -> dict[str, Any]:
    """The run's facet: what its audit event says, and ``more`` (engine, threshold…)."""
    found = {"task": event.task, "mode": event.mode, "pairs": event.pairs,
             "records": event.records, "auditEvent": event.name}  # fmt: skip
    if event.task == "dedupe":
        found["clusters"] = event.clusters
    return found | {k: v for k, v in more.items() if v is not None}


def made(
    ws: Workspace, derivation: Derivation, finished: Mapping[Path, Path]
) -> list[catalog.DatasetRef]:
    """The outputs as lineage names them: ``finished`` maps each final path to the file
    that will be moved there, hashed now, before the transaction (not while it holds the
    store's write lock)."""
    return [catalog.file_ref(ws, final, _digest(finished[final])) for final in derivation.outputs]


def record(
    ws: Workspace, derivation: Derivation, outputs: list[catalog.DatasetRef], conn: Connection
) -> None:
    """Store the derivation in ``conn``'s transaction (the one that records the run)."""
    catalog.record_derivation(
        ws.engine, catalog.Job(catalog.node_namespace(ws), derivation.job), derivation.inputs,
        outputs, run_id=derivation.run_id, started_at=derivation.started_at,
        ended_at=datetime.now(UTC), facets={FACET: dict(derivation.facts)}, within=conn,
    )  # fmt: skip


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()
