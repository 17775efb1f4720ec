"""Ingest: read a source through its mapping, standardise, and publish an immutable snapshot.

The steps, all in a private scratch directory: validate the mapping against the source's
header (before any row is read); load raw text rows into DuckDB (in memory up to the
workspace's limit, spilling to scratch beyond it); quarantine rows that cannot be parsed
or lack a required field; run the people standardisation query straight into a Parquet
file; name the file by its SHA-256; and only then record the snapshot, its quarantine and
its statistics in one SQL transaction. Any failure before that commit leaves no file and
no row behind. Per-field statistics are counted in ``statistics``; a field whose values
mostly fail standardisation (``failures``) stops the ingest before anything is published.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from sqlalchemy.engine import Connection

from accord import audit
from accord.people import (
    ISSUE_COLUMNS,
    NAME_FIELDS,
    OUTPUT_COLUMNS,
    StandardisationOptions,
    Standardiser,
    blank_to_null,
    ident,
    lit,
    prepare,
)
from accord.sources.errors import MappingError, SourceError
from accord.sources.failures import check_accepted, check_failures, unusable_reason
from accord.sources.mapping import check_columns, load_mapping
from accord.sources.models import Mapping
from accord.sources.readers.base import Quarantined, clip
from accord.sources.registry import reader_for
from accord.sources.repository import NewSnapshot, SnapshotInfo, path_in_use, save_snapshot
from accord.sources.statistics import FieldReport, field_reports, measures_of, statistics_of
from accord.store import Workspace, check_name, duckdb_connect, publish

IngestProgress = Callable[[str, int, int | None], None]
"""Called with (phase, done, total or None) as an ingest advances."""


@dataclass(frozen=True)
class IngestReport:
    """The outcome of one ingest."""

    snapshot: SnapshotInfo
    fields: list[FieldReport]
    seconds: float
    notes: tuple[str, ...] = ()
    """What a person should know about how the source was read (a misnamed file)."""

    def to_json(self) -> dict[str, object]:
        s = self.snapshot
        return {
            "dataset": s.dataset, "version": s.version, "snapshot": s.content_hash,
            "path": s.path, "source": s.source, "source_kind": s.source_kind,
            "notes": list(self.notes),
            "rows_read": s.read_rows, "rows": s.rows, "quarantined": s.quarantined_rows,
            "as_of": s.as_of.isoformat(), "seconds": round(self.seconds, 3),
            "fields": {
                f.field: {"read": f.read, "standardised": f.standardised,
                          "flagged": f.flagged, "quarantined": f.quarantined,
                          "failed": f.failed, "failure_rate": round(f.failure_rate, 4),
                          "issues": f.issues}
                for f in self.fields
            },
        }  # fmt: skip


def _noop(_phase: str, _done: int, _total: int | None) -> None:
    return None


@dataclass(frozen=True)
class Standardised:
    """A source read and standardised into a Parquet file, not yet published anywhere."""

    path: Path
    rows: int
    read_rows: int
    rejected: list[Quarantined]
    stats: list[tuple[str, str, int]]
    source: str
    source_kind: str
    mapping: Mapping
    as_of: date
    notes: tuple[str, ...] = ()
    """The reader's notes (a file whose content contradicts its name)."""

    @property
    def quarantined_rows(self) -> int:
        return len({q.row_number for q in self.rejected})

    @property
    def fields(self) -> list[FieldReport]:
        return field_reports(self.stats)


def standardise(
    source: str,
    mapping_path: Path,
    out: Path,
    *,
    conn: duckdb.DuckDBPyConnection,
    scratch: Path,
    chunk_rows: int,
    as_of: date | None = None,
    progress: IngestProgress = _noop,
) -> Standardised:
    """Read ``source`` through its mapping and write its standardised records to ``out``.

    ``conn`` is a fresh DuckDB connection the caller closes afterwards (the reader's
    tables stay on it); ``scratch`` a private directory for transcoded text.
    """
    mapping = load_mapping(mapping_path)
    options = StandardisationOptions(
        as_of=as_of or date.today(), date_format=mapping.date_format, sex_codes=mapping.sex_codes
    )
    standardiser = Standardiser(options, mapping.fields.keys())
    with _naming(mapping_path):
        reader = reader_for(source, mapping.source, scratch, chunk_rows)
        check_columns(mapping, reader.columns(), str(mapping_path), source)
        prepare(conn)
        loaded = reader.load(
            conn, "raw", mapping.source_columns(), lambda d, t: progress("read", d, t)
        )
    rejected = list(loaded.rejected)
    _canonical_view(conn, mapping)
    rejected += _missing_required(conn, mapping)
    with _tracked(conn, "standardise", progress):
        _write(conn, standardiser, mapping, out)
    unusable = _unstandardised_required(conn, mapping, out)
    rejected += [q for _, q in unusable]
    return Standardised(
        path=out, rows=_count(conn, out), read_rows=loaded.rows_read, rejected=rejected,
        stats=statistics_of(conn, out, mapping, rejected, unusable), source=reader.describe(),
        source_kind=reader.kind, mapping=mapping, as_of=options.as_of, notes=tuple(reader.notes),
    )  # fmt: skip


@audit.audited(audit.DatasetIngested)
def ingest(
    workspace: Workspace,
    source: str,
    mapping_path: Path,
    dataset: str,
    *,
    as_of: date | None = None,
    progress: IngestProgress = _noop,
    max_failure_rate: float | None = None,
    accept_issues: Collection[str] = (),
) -> IngestReport:
    """Ingest ``source`` as a new snapshot of ``dataset``; see the module docstring.

    A field whose share of failing values is over ``max_failure_rate`` (default: the
    ``ingest_max_failure_rate`` setting) refuses the ingest unless it is named in
    ``accept_issues``.
    """
    check_name(dataset, "dataset name")
    started = time.perf_counter()
    limit = max_failure_rate
    if limit is None:
        limit = workspace.settings.ingest_max_failure_rate
    if not 0 <= limit <= 1:
        raise SourceError(f"the maximum failure rate is a share from 0 to 1, not {limit}")
    check_accepted(load_mapping(mapping_path), accept_issues, str(mapping_path))
    with workspace.scratch() as scratch:
        # In memory, spilling to the workspace's scratch beyond the memory limit: a
        # database file would write every raw row to disk once more.
        conn = duckdb_connect(workspace)
        try:
            done = standardise(
                source, mapping_path, scratch / "snapshot.parquet", conn=conn, scratch=scratch,
                chunk_rows=workspace.settings.chunk_rows, as_of=as_of, progress=progress,
            )  # fmt: skip
            check_failures(
                conn, done.path, done.mapping, str(mapping_path), measures_of(done.mapping),
                done.stats, done.rejected, max_rate=limit, accepted=accept_issues,
            )  # fmt: skip
        finally:
            conn.close()
        progress("publish", 0, None)
        snapshot = _publish(workspace, done.path, NewSnapshot(
            dataset=dataset, content_hash="", path="", rows=done.rows, read_rows=done.read_rows,
            quarantined_rows=done.quarantined_rows, source=done.source,
            source_kind=done.source_kind, mapping=json.dumps(done.mapping.model_dump(mode="json")),
            as_of=done.as_of,
        ), [(done.source, q) for q in done.rejected], done.stats)  # fmt: skip
    return IngestReport(snapshot, done.fields, time.perf_counter() - started, done.notes)


@audit.audited(audit.DatasetIngested)
def adopt(
    workspace: Workspace,
    parquet: Path,
    dataset: str,
    *,
    source: str,
    source_kind: str,
    as_of: date | None = None,
) -> SnapshotInfo:
    """Store ``parquet``, a file already shaped elsewhere (an extract another node shared,
    minimised and pseudonymised there), as a new snapshot of ``dataset``, as it is: no
    mapping, no standardisation (a pseudonym is no NHS number to validate). The file is
    moved into place under its hash and the snapshot recorded as ingest's are."""
    check_name(dataset, "dataset name")
    with duckdb_connect(workspace) as conn:
        rows = _count(conn, parquet)
    new = NewSnapshot(
        dataset=dataset, content_hash="", path="", rows=rows, read_rows=rows,
        quarantined_rows=0, source=source, source_kind=source_kind, mapping="{}",
        as_of=as_of or date.today(),
    )  # fmt: skip
    return _publish(workspace, parquet, new, [], [])


@contextmanager
def _tracked(
    conn: duckdb.DuckDBPyConnection, phase: str, progress: IngestProgress
) -> Iterator[None]:
    """Report the running DuckDB query's progress (per mille) from a polling thread."""
    stop = threading.Event()

    def poll() -> None:
        best = 0
        while not stop.wait(0.2):
            # DuckDB's estimate can step back between pipelines; a bar should not.
            best = max(best, int(conn.query_progress() * 10))
            progress(phase, best, 1000)

    progress(phase, 0, 1000)
    thread = threading.Thread(target=poll, name=f"accord-{phase}-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
    progress(phase, 1000, 1000)


@contextmanager
def _naming(mapping_path: Path) -> Iterator[None]:
    """Readers judge the ``source:`` options; name the mapping file in what they refuse."""
    try:
        yield
    except MappingError as exc:
        if str(exc).startswith(str(mapping_path)):
            raise
        raise MappingError(f"{mapping_path}: {exc}") from exc


def _field_sql(mapping: Mapping, name: str) -> str:
    """The canonical field ``name`` as an expression over the raw columns."""
    spec = mapping.fields[name]
    if len(spec.columns) == 1:
        return ident(spec.columns[0])
    # Blank as the standardisers mean it, so a lone tab or NBSP adds no ", ".
    parts = ", ".join(blank_to_null(ident(c)) for c in spec.columns)
    return f"nullif(concat_ws(', ', {parts}), '')"


def _canonical_view(conn: duckdb.DuckDBPyConnection, mapping: Mapping) -> None:
    """``canon``: the mapped source columns renamed as person fields, addresses joined."""
    cols = ["__row AS source_row"]
    cols += [f"{_field_sql(mapping, name)} AS {ident(name)}" for name in mapping.fields]
    # Attributes under their canonical names; the source's spelling stays in the mapping.
    cols += [f"{ident(c)} AS {ident(a)}" for a, c in mapping.attributes.items()]
    conn.execute(f"CREATE VIEW canon AS SELECT {', '.join(cols)} FROM raw")


def _blank(field_name: str) -> str:
    # The test the standardisers make: a record id of a lone tab or NBSP is blank too.
    return f"{blank_to_null(ident(field_name))} IS NULL"


def _missing_required(conn: duckdb.DuckDBPyConnection, mapping: Mapping) -> list[Quarantined]:
    """Rows whose required fields are blank, one entry per blank field, with the raw row.

    One scan finds the few blank rows; only they are numbered and turned into JSON.
    """
    names = list(mapping.required)
    if not names:
        return []
    blank = [f"{blank_to_null(_field_sql(mapping, n))} IS NULL" for n in names]
    # The row as read, without the reader's own __row.
    row = "{" + ", ".join(f"{lit(c)}: {ident(c)}" for c in mapping.source_columns()) + "}"
    found = conn.execute(
        f"SELECT __row, to_json({row})::VARCHAR, {', '.join(blank)} FROM raw "
        f"WHERE {' OR '.join(blank)} ORDER BY 1"
    ).fetchall()
    return [
        Quarantined(int(number), mapping.fields[name].columns[0],
                    f"required field {name} is blank", clip(raw))
        for i, name in enumerate(names)
        for number, raw, *flags in found
        if flags[i]
    ]  # fmt: skip


def _keep_clause(mapping: Mapping) -> str:
    return " AND ".join(f"NOT ({_blank(n)})" for n in mapping.required) or "true"


_PARQUET = (
    "(FORMAT parquet, COMPRESSION snappy, WRITE_BLOOM_FILTER false, DICTIONARY_SIZE_LIMIT 1000)"
)
"""Snapshot files: a dictionary only for columns of few values (sex, issues, postcode
areas), where it pays; trying one on names, addresses and numbers costs a fifth of the
write. No Bloom filters: snapshots are scanned whole, not probed for single values."""


def _write(
    conn: duckdb.DuckDBPyConnection, standardiser: Standardiser, mapping: Mapping, out: Path
) -> None:
    source = f"(SELECT * FROM canon WHERE {_keep_clause(mapping)})"
    passthrough = ["source_row", *mapping.attributes]
    query = standardiser.query(source, passthrough)
    # No ORDER BY: neither the reader's rows nor the standardisation has a join, and DuckDB
    # keeps insertion order through scans, filters and projections, so the file holds the
    # source's order (identical data, identical file and hash) without a sort.
    conn.execute(f"COPY ({query}) TO {lit(str(out))} {_PARQUET}")


def _unstandardised_required(
    conn: duckdb.DuckDBPyConnection, mapping: Mapping, out: Path
) -> list[tuple[str, Quarantined]]:
    """Rows whose required field was present but could not be standardised, by field.

    Rare, so the snapshot is rewritten only when there are some.
    """
    checks = [n for n in mapping.required if n != "record_id" and n != "full_name"]
    if not checks:
        return []
    arms = " ".join(f"WHEN {ident(n)} IS NULL THEN {lit(n)}" for n in checks)
    reason = " ".join(f"WHEN {ident(n)} IS NULL THEN {_issue(n)}" for n in checks)
    raw = " ".join(f"WHEN {ident(n)} IS NULL THEN {_raw_column(n)}" for n in checks)
    rows = conn.execute(
        f"SELECT source_row, CASE {arms} END, CASE {reason} END, CASE {raw} END "
        f"FROM read_parquet({lit(str(out))}) WHERE CASE {arms} END IS NOT NULL "
        "ORDER BY source_row"
    ).fetchall()
    if not rows:
        return []
    kept = out.with_suffix(".kept.parquet")
    conn.execute(
        f"COPY (SELECT * FROM read_parquet({lit(str(out))}) WHERE CASE {arms} END IS NULL) "
        f"TO {lit(str(kept))} {_PARQUET}"
    )
    kept.replace(out)
    return [
        (name, Quarantined(int(row), mapping.fields[name].columns[0],
                           unusable_reason(name, why), clip(value)))
        for row, name, why, value in rows
    ]  # fmt: skip


def _issue(name: str) -> str:
    """The issue column explaining why ``name`` has no standard value."""
    column = ISSUE_COLUMNS.get("name" if name in NAME_FIELDS else name)
    return ident(column) if column else "NULL"


def _raw_column(name: str) -> str:
    raw = f"{name}_raw"
    return ident(raw) if raw in OUTPUT_COLUMNS else "NULL"


def _count(conn: duckdb.DuckDBPyConnection, out: Path) -> int:
    row = conn.execute(f"SELECT count(*) FROM read_parquet({lit(str(out))})").fetchone()
    return int(row[0]) if row else 0


def _publish(
    workspace: Workspace,
    out: Path,
    new: NewSnapshot,
    rejected: list[tuple[str, Quarantined]],
    stats: list[tuple[str, str, int]],
) -> SnapshotInfo:
    """Name the file by its hash, then commit the metadata; undo the file if that fails."""
    workspace.snapshot_dir.mkdir(parents=True, exist_ok=True)
    digest, final, created = publish(out, workspace.snapshot_dir, ".parquet")
    relative = final.relative_to(workspace.root).as_posix()

    def audited(conn: Connection, version: int) -> None:
        # Staged in the snapshot's own transaction: the event exists if and only if the
        # snapshot does, and reaches the log with the flush after the commit.
        audit.record(workspace, audit.DatasetIngested(
            dataset=new.dataset, version=version, rows=new.rows,
            quarantined=new.quarantined_rows, content_hash=digest,
        ), within=conn)  # fmt: skip

    try:
        snapshot = save_snapshot(
            workspace.engine,
            NewSnapshot(**{**new.__dict__, "content_hash": digest, "path": relative}),
            rejected,
            stats,
            audited,
        )
    except BaseException:
        # Undo the file this ingest made, unless another ingest of the same content
        # stored a snapshot of it meanwhile.
        if created and not _kept_by_another(workspace, relative):
            final.chmod(0o644)
            final.unlink(missing_ok=True)
        raise
    audit.flush(workspace)
    return snapshot


def _kept_by_another(workspace: Workspace, relative: str) -> bool:
    """Whether a stored snapshot names the file; when the store cannot say, keep it (a
    stray file is harmless, a snapshot without its file is not)."""
    try:
        return path_in_use(workspace.engine, relative)
    except Exception:  # the save's own error is the one to raise
        return True


__all__ = [
    "FieldReport", "IngestProgress", "IngestReport", "SourceError", "Standardised", "adopt",
    "ingest", "standardise",
]  # fmt: skip
