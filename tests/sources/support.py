"""Builders shared by the sources tests: small files, mappings, and what the store holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from accord.sources import Loaded, SnapshotInfo, SourceOptions, reader_for
from accord.store import Workspace, datasets, field_stats, quarantine, snapshots

NAMES = "fields:\n  record_id: id\n  given_name: first\n  family_name: last\n"
"""A mapping for the three-column files most reader tests use."""


def write(path: Path, data: bytes | str) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def mapping(folder: Path, text: str, name: str = "source.mapping.yaml") -> Path:
    return write(folder / name, text)


@dataclass(frozen=True)
class Read:
    """What a reader made of a source: its header, the rows loaded, the rows refused."""

    columns: list[str]
    rows: list[dict[str, Any]]
    loaded: Loaded

    def numbers(self) -> list[int]:
        return [row["__row"] for row in self.rows]

    def rejected(self) -> list[tuple[int | None, str | None]]:
        return [(q.row_number, q.column) for q in self.loaded.rejected]


def read(source: Path | str, scratch: Path, *, chunk_rows: int = 100, **options: Any) -> Read:
    """Run the registered reader for ``source`` alone, without ingest or a store."""
    scratch.mkdir(parents=True, exist_ok=True)
    reader = reader_for(str(source), SourceOptions(**options), scratch, chunk_rows)
    columns = reader.columns()
    conn = duckdb.connect()
    try:
        loaded = reader.load(conn, "raw", columns, lambda _done, _total: None)
        cursor = conn.execute("SELECT * FROM raw ORDER BY __row")
        names = [d[0] for d in cursor.description or []]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        conn.close()
    return Read(columns, rows, loaded)


def snapshot_rows(
    workspace: Workspace, snapshot: SnapshotInfo, *columns: str
) -> list[tuple[Any, ...]]:
    """``columns`` of every record in the snapshot file, in source order."""
    path = workspace.root / snapshot.path
    select = ", ".join(f'"{c}"' for c in columns)
    with duckdb.connect() as conn:
        return conn.execute(
            f"SELECT {select} FROM read_parquet(?) ORDER BY source_row", [str(path)]
        ).fetchall()


def store_counts(workspace: Workspace) -> dict[str, int]:
    """Rows in each table an ingest writes to."""
    with workspace.engine.connect() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (datasets, snapshots, quarantine, field_stats)
        }


def leftovers(workspace: Workspace) -> list[Path]:
    """Files under data/snapshots, and anything under data/tmp but DuckDB's spill folder."""
    snapshots_left = [p for p in workspace.snapshot_dir.rglob("*") if p.is_file()]
    scratch_left = [
        p for p in workspace.tmp_dir.rglob("*") if p.is_file() or p.parent == workspace.tmp_dir
    ]
    return sorted(
        snapshots_left + [p for p in scratch_left if not p.name.endswith("-duckdb-spill")]
    )
