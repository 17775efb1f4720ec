"""Use cases: describe a dataset, list the catalogue, gather one dataset's entry, export it,
assess its quality against what its description declares."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import duckdb

from accord import audit
from accord.catalog.errors import MetadataError
from accord.catalog.formats import get_format
from accord.catalog.lineage import lineage, node_namespace
from accord.catalog.models import Column, DatasetMetadata, DatasetRef, Entry, Version
from accord.catalog.repository import (
    described,
    load_metadata,
    recorded_outputs,
    save_metadata,
)
from accord.people import ident, lit
from accord.quality import Assessment, Checklist, Kitemark, assess, assessments
from accord.sources import (
    SnapshotInfo,
    UnknownDataset,
    get_snapshot,
    latest_snapshots,
    snapshot_history,
)
from accord.store import Workspace, check_name, duckdb_connect


@dataclass(frozen=True)
class Listed:
    """One line of ``accord catalog list``."""

    name: str
    namespace: str
    kind: Literal["snapshot", "derived"]
    described: bool
    version: int | None
    rows: int | None
    kitemark: Kitemark | None
    updated: datetime | None


@audit.audited(audit.DatasetDescribed)
def describe(
    workspace: Workspace, dataset: str, metadata: DatasetMetadata, where: str = "description"
) -> None:
    """Store ``metadata`` as ``dataset``'s description, refusing columns the data lacks.

    A governance act (it states the dataset's legal basis and whether it is special
    category data, which the public catalogue shows): recorded as ``dataset.described``
    with a digest of what was stored, since a new description replaces the old.
    """
    check_name(dataset, "dataset name")
    snap = get_snapshot(workspace.engine, dataset)
    columns = {c.name for c in _columns(workspace, [snap.path])[snap.path][0]}
    unknown = [f for f in metadata.fields if f not in columns]
    if unknown:
        raise MetadataError("\n".join(
            f"{where}: fields.{f}: {dataset} v{snap.version} has no column {f!r}" for f in unknown
        ))  # fmt: skip
    document = metadata.model_dump(mode="json", exclude_none=True)
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    described = audit.DatasetDescribed(
        dataset=dataset, version=snap.version, digest=hashlib.sha256(text.encode()).hexdigest(),
        legal_basis=metadata.legal_basis, special_category=metadata.special_category,
    )  # fmt: skip
    with audit.transaction(workspace) as tx:
        save_metadata(tx.conn, dataset, metadata)
        tx.record(described)


def catalogue(workspace: Workspace) -> list[Listed]:
    """Every dataset of the node (newest snapshot, quality) and every derived one recorded."""
    namespace = node_namespace(workspace)
    have = described(workspace.engine)
    found: list[Listed] = []
    for snap in latest_snapshots(workspace.engine):
        quality = [a for a in assessments(workspace.engine, snap.dataset)
                   if a.version == snap.version]  # fmt: skip
        found.append(Listed(snap.dataset, namespace, "snapshot", snap.dataset in have,
                            snap.version, snap.rows, quality[0].kitemark if quality else None,
                            snap.created_at))  # fmt: skip
    names = {(namespace, listed.name) for listed in found}
    for ref in recorded_outputs(workspace.engine):
        if (ref.namespace, ref.name) not in names:
            names.add((ref.namespace, ref.name))
            found.append(Listed(ref.name, ref.namespace, "derived", False, None, None, None, None))
    return found


def assess_quality(
    workspace: Workspace,
    dataset: str,
    checklist: Checklist | None = None,
    *,
    version: int | None = None,
    today: date | None = None,
    samples: int = 0,
    save: bool = True,
) -> Assessment:
    """``accord.quality.assess`` with the update frequency ``dataset``'s description declares.

    The default checklist judges timeliness by it (none when the dataset is not described:
    the assessment says why). The catalogue passes it in because it imports the quality
    context, which cannot import it back.
    """
    check_name(dataset, "dataset name")
    described = load_metadata(workspace.engine, dataset)
    frequency = described.update_frequency if described is not None else None
    return assess(workspace, dataset, checklist, version=version, today=today,
                  samples=samples, save=save, update_frequency=frequency)  # fmt: skip


def entry(workspace: Workspace, name: str, *, columns: bool = False) -> Entry:
    """Everything known of dataset ``name``: description, versions with quality, lineage.

    ``columns`` reads each snapshot file's columns (and whether ``record_id`` is unique)
    in DuckDB, for the formats that describe the data's shape.
    """
    check_name(name, "dataset name")
    with workspace.engine.connect() as conn:
        snaps = snapshot_history(conn, name)
    derived = recorded_outputs(workspace.engine, name)
    if not snaps and not derived:
        raise UnknownDataset(
            f"no dataset {name!r} in this workspace or its lineage (see 'accord catalog list')"
        )
    namespace = node_namespace(workspace)
    subjects = [DatasetRef(namespace, s.dataset, s.content_hash) for s in snaps] + derived
    return Entry(
        name=name,
        namespace=namespace,
        node=workspace.settings.node_name,
        metadata=load_metadata(workspace.engine, name) if snaps else None,
        versions=_versions(workspace, snaps, columns),
        lineage=lineage(workspace, subjects),
    )


def export(workspace: Workspace, name: str, format_name: str) -> str:
    """``name``'s entry rendered in a registered export format."""
    chosen = get_format(format_name)
    return chosen.render(entry(workspace, name, columns=chosen.needs_columns))


def _versions(
    workspace: Workspace, snaps: list[SnapshotInfo], with_columns: bool
) -> tuple[Version, ...]:
    quality = (
        {a.version: a for a in assessments(workspace.engine, snaps[0].dataset)} if snaps else {}
    )
    shapes = _columns(workspace, [s.path for s in snaps]) if with_columns else {}
    versions = []
    for s in snaps:
        cols, unique = shapes.get(s.path, ((), False))
        assessed = quality.get(s.version)
        versions.append(Version(
            version=s.version, content_hash=s.content_hash, path=s.path,
            bytes=_size(workspace.root / s.path), rows=s.rows, read_rows=s.read_rows,
            quarantined_rows=s.quarantined_rows, source=s.source, source_kind=s.source_kind,
            as_of=s.as_of, created_at=s.created_at, columns=cols, unique_record_id=unique,
            kitemark=assessed.kitemark if assessed else None,
            scores=assessed.scored if assessed else {},
            assessed_at=assessed.assessed_at if assessed else None, attributes=s.attributes(),
        ))  # fmt: skip
    return tuple(versions)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _columns(workspace: Workspace, paths: list[str]) -> dict[str, tuple[tuple[Column, ...], bool]]:
    """Per snapshot file: its columns with Table Schema types, and whether record_id is unique."""
    found: dict[str, tuple[tuple[Column, ...], bool]] = {}
    conn = duckdb_connect(workspace)
    try:
        for path in paths:
            source = f"read_parquet({lit(str(workspace.root / path))})"
            described_cols = conn.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            cols = tuple(Column(str(r[0]), table_schema_type(str(r[1]))) for r in described_cols)
            unique = False
            if any(c.name == "record_id" for c in cols):
                rid = ident("record_id")
                row = conn.execute(f"SELECT count({rid}) = count(*) AND count(DISTINCT {rid}) "
                                   f"= count(*) FROM {source}").fetchone()  # fmt: skip
                unique = bool(row and row[0])
            found[path] = (cols, unique)
    except duckdb.Error as exc:
        raise MetadataError(f"cannot read snapshot file: {exc}") from exc
    finally:
        conn.close()
    return found


def table_schema_type(duckdb_type: str) -> str:
    """The Table Schema field type of a DuckDB column type."""
    t = duckdb_type.upper()
    if t in ("VARCHAR", "TEXT", "UUID") or t.startswith("VARCHAR"):
        return "string"
    if t in ("BOOLEAN", "BOOL"):
        return "boolean"
    if t.endswith("INT") or t in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT"):
        return "integer"
    if t in ("DOUBLE", "FLOAT", "REAL") or t.startswith("DECIMAL"):
        return "number"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "datetime"
    if t.startswith("TIME"):
        return "time"
    if t.endswith("[]"):
        return "array"
    if t.startswith(("STRUCT", "MAP")):
        return "object"
    return "any"
