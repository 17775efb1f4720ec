"""Snapshot metadata, quarantine and field statistics in the SQL store.

Quarantined rows are raw source rows, person-level data: reading them is a member of
staff's use, recorded (``quarantine.viewed``) in the transaction that reads them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from accord import audit
from accord.sources.errors import UnknownDataset
from accord.sources.readers.base import Quarantined
from accord.store import (
    Governed,
    Workspace,
    check_name,
    connection,
    datasets,
    field_stats,
    quarantine,
    snapshots,
)


@dataclass(frozen=True)
class NewSnapshot:
    """Everything stored about a snapshot except its id and version, which the store assigns."""

    dataset: str
    content_hash: str
    path: str
    rows: int
    read_rows: int
    quarantined_rows: int
    source: str
    source_kind: str
    mapping: str
    as_of: date


@dataclass(frozen=True)
class SnapshotInfo:
    """A stored snapshot."""

    id: int
    dataset: str
    version: int
    content_hash: str
    path: str
    rows: int
    read_rows: int
    quarantined_rows: int
    source: str
    source_kind: str
    as_of: date
    created_at: datetime
    mapping: str = "{}"
    """The mapping it was read with, as the JSON the store keeps."""

    def mapping_document(self) -> dict[str, Any]:
        """:attr:`mapping` parsed (an empty mapping if the stored text is not one)."""
        try:
            found = json.loads(self.mapping)
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}

    def attributes(self) -> dict[str, str]:
        """The carried columns: their name in the snapshot -> the source's own spelling.

        Snapshots from before canonical names listed them, under the source's spelling.
        """
        found = self.mapping_document().get("attributes") or {}
        if isinstance(found, list):
            return {str(a): str(a) for a in found}
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


@dataclass(frozen=True)
class QuarantineEntry:
    """A quarantined row as stored."""

    source_file: str
    row_number: int | None
    column: str | None
    reason: str
    raw: str | None


_SAVE_ATTEMPTS = 5
"""Tries at storing a snapshot when other ingests of the dataset keep taking the version."""


def save_snapshot(
    engine: Engine,
    new: NewSnapshot,
    rejected: Sequence[tuple[str, Quarantined]],
    stats: Sequence[tuple[str, str, int]],
    also: Callable[[Connection, int], None] | None = None,
) -> SnapshotInfo:
    """Store a snapshot, its quarantine and its statistics in one transaction.

    ``also(conn, version)`` runs in that transaction before it commits (the audit event).
    Two ingests of one dataset at the same moment can both take the next version (or
    both create the dataset): the one that loses the race tries again, with the next.
    """
    for attempt in range(_SAVE_ATTEMPTS):
        try:
            return _save_snapshot(engine, new, rejected, stats, also)
        except sa.exc.IntegrityError:
            if attempt == _SAVE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def path_in_use(engine: Engine, path: str) -> bool:
    """Whether a stored snapshot names the file at ``path`` (relative to the workspace)."""
    named = sa.select(snapshots.c.id).where(snapshots.c.path == path).limit(1)
    with engine.connect() as conn:
        return conn.execute(named).first() is not None


def _save_snapshot(
    engine: Engine,
    new: NewSnapshot,
    rejected: Sequence[tuple[str, Quarantined]],
    stats: Sequence[tuple[str, str, int]],
    also: Callable[[Connection, int], None] | None,
) -> SnapshotInfo:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        dataset_id = _dataset_id(conn, new.dataset, now)
        latest = conn.execute(
            sa.select(sa.func.max(snapshots.c.version)).where(snapshots.c.dataset_id == dataset_id)
        ).scalar_one_or_none()
        version = (latest or 0) + 1
        values = {k: v for k, v in new.__dict__.items() if k != "dataset"}
        snapshot_id = conn.execute(
            snapshots.insert().returning(snapshots.c.id),
            {**values, "dataset_id": dataset_id, "version": version, "created_at": now},
        ).scalar_one()
        if rejected:
            conn.execute(
                quarantine.insert(),
                [
                    {
                        "snapshot_id": snapshot_id,
                        "source_file": file,
                        "row_number": q.row_number,
                        "column_name": q.column,
                        "reason": q.reason,
                        "raw": q.raw,
                    }
                    for file, q in rejected
                ],
            )
        if stats:
            conn.execute(
                field_stats.insert(),
                [
                    {"snapshot_id": snapshot_id, "field": f, "issue": i, "count": n}
                    for f, i, n in stats
                ],
            )
        if also is not None:
            also(conn, version)
    return SnapshotInfo(
        id=snapshot_id, dataset=new.dataset, version=version, content_hash=new.content_hash,
        path=new.path, rows=new.rows, read_rows=new.read_rows,
        quarantined_rows=new.quarantined_rows, source=new.source, source_kind=new.source_kind,
        as_of=new.as_of, created_at=now, mapping=new.mapping,
    )  # fmt: skip


def _dataset_id(conn: Connection, name: str, now: datetime) -> int:
    found = conn.execute(sa.select(datasets.c.id).where(datasets.c.name == name)).scalar()
    if found is not None:
        return int(found)
    return int(
        conn.execute(
            datasets.insert().returning(datasets.c.id), {"name": name, "created_at": now}
        ).scalar_one()
    )


def _info(row: sa.Row[tuple[object, ...]]) -> SnapshotInfo:
    m = row._mapping
    return SnapshotInfo(
        id=m["id"], dataset=m["name"], version=m["version"], content_hash=m["content_hash"],
        path=m["path"], rows=m["rows"], read_rows=m["read_rows"],
        quarantined_rows=m["quarantined_rows"], source=m["source"],
        source_kind=m["source_kind"], as_of=m["as_of"], created_at=m["created_at"],
        mapping=m["mapping"],
    )  # fmt: skip


def _snapshot_select() -> sa.Select[tuple[object, ...]]:
    return sa.select(snapshots, datasets.c.name).join(
        datasets, datasets.c.id == snapshots.c.dataset_id
    )


def snapshot_history(
    conn: Connection, dataset: str, content_hash: str | None = None
) -> list[SnapshotInfo]:
    """Every snapshot of ``dataset`` (or the one with ``content_hash``), oldest first, read
    on the caller's connection (so a caller can read them with other tables at once)."""
    check_name(dataset, "dataset name")
    query = _snapshot_select().where(datasets.c.name == dataset).order_by(snapshots.c.version)
    if content_hash is not None:
        query = query.where(snapshots.c.content_hash == content_hash)
    return [_info(r) for r in conn.execute(query)]


def latest_snapshots(engine: Engine) -> list[SnapshotInfo]:
    """The newest snapshot of every dataset, by dataset name."""
    newest = (
        sa.select(snapshots.c.dataset_id, sa.func.max(snapshots.c.version).label("v"))
        .group_by(snapshots.c.dataset_id)
        .subquery()
    )
    query = (
        _snapshot_select()
        .join(
            newest,
            sa.and_(
                newest.c.dataset_id == snapshots.c.dataset_id, newest.c.v == snapshots.c.version
            ),
        )
        .order_by(datasets.c.name)
    )
    with engine.connect() as conn:
        return [_info(r) for r in conn.execute(query)]


_NEWEST = (
    _snapshot_select()
    .where(datasets.c.name == sa.bindparam("dataset"))
    .order_by(snapshots.c.version.desc())
    .limit(1)
)
_VERSION = _snapshot_select().where(
    datasets.c.name == sa.bindparam("dataset"), snapshots.c.version == sa.bindparam("version")
)
"""Built once: a statement made for each call costs SQLAlchemy more than running it
(a node reads the newest snapshot for every lookup)."""


def get_snapshot(engine: Engine, dataset: str, version: int | None = None) -> SnapshotInfo:
    """A dataset's snapshot (the newest unless ``version`` is given). The newest is kept
    per process while the store's governance revision stays (a new snapshot moves it)."""
    check_name(dataset, "dataset name")

    def read() -> SnapshotInfo | None:
        with connection(engine) as conn:
            if version is None:
                row = conn.execute(_NEWEST, {"dataset": dataset}).first()
            else:
                row = conn.execute(_VERSION, {"dataset": dataset, "version": version}).first()
        return None if row is None else _info(row)

    info = _newest.get(engine, dataset, read) if version is None else read()
    if info is None:
        what = f"{dataset!r} version {version}" if version else repr(dataset)
        raise UnknownDataset(f"no dataset {what} in this workspace (see 'accord datasets')")
    return info


_newest: Governed[str, SnapshotInfo] = Governed()


@audit.audited(audit.QuarantineViewed)
def quarantined(
    workspace: Workspace,
    snapshot: SnapshotInfo,
    *,
    by_role: str,
    reason: str,
    limit: int | None = None,
) -> list[QuarantineEntry]:
    """A snapshot's quarantined rows, in source order, read by a member of staff
    (``by_role``, ``reason``: recorded with how many rows they were shown)."""
    role, why = audit.staff_act(by_role, reason)
    query = (
        sa.select(quarantine)
        .where(quarantine.c.snapshot_id == snapshot.id)
        .order_by(quarantine.c.row_number, quarantine.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    with audit.transaction(workspace) as tx:
        rows = [
            QuarantineEntry(r.source_file, r.row_number, r.column_name, r.reason, r.raw)
            for r in tx.conn.execute(query)
        ]
        if rows:
            tx.record(audit.QuarantineViewed(dataset=snapshot.dataset, version=snapshot.version,
                                             rows=len(rows), by_role=role, reason=why))  # fmt: skip
    return rows


@dataclass(frozen=True)
class QuarantineReason:
    """How many rows a snapshot quarantined for one reason (and column, if one is named)."""

    reason: str
    column: str | None
    rows: int


def quarantine_reasons(engine: Engine, snapshot_id: int) -> list[QuarantineReason]:
    """A snapshot's quarantine as counts by reason and column, most rows first: never a
    row's values (the reasons name a column, a rule or a line's shape, not what it held),
    so reading them is no use of anyone's data and nothing is recorded."""
    q = quarantine
    count = sa.func.count().label("rows")
    query = (
        sa.select(q.c.reason, q.c.column_name, count)
        .where(q.c.snapshot_id == snapshot_id)
        .group_by(q.c.reason, q.c.column_name)
        .order_by(count.desc(), q.c.reason, q.c.column_name)
    )
    with engine.connect() as conn:
        return [QuarantineReason(str(r), c, int(n)) for r, c, n in conn.execute(query)]


def statistics(engine: Engine, snapshot_id: int) -> list[tuple[str, str, int]]:
    """``(field, issue, count)`` rows stored for a snapshot."""
    query = (
        sa.select(field_stats.c.field, field_stats.c.issue, field_stats.c["count"])
        .where(field_stats.c.snapshot_id == snapshot_id)
        .order_by(field_stats.c.field, field_stats.c.issue)
    )
    with engine.connect() as conn:
        return [(f, i, int(n)) for f, i, n in conn.execute(query)]
