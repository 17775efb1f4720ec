"""Export a snapshot's standardised records as CSV or Parquet."""

from __future__ import annotations

from pathlib import Path

import duckdb

from accord.people import CANONICAL_FIELDS, OUTPUT_COLUMNS, ident, lit
from accord.sources.errors import SourceError
from accord.sources.repository import SnapshotInfo
from accord.store import Workspace, check_output, duckdb_connect, private_output

FORMATS = {".csv": "FORMAT csv, HEADER true", ".parquet": "FORMAT parquet, COMPRESSION zstd"}


def export_snapshot(
    workspace: Workspace, snapshot: SnapshotInfo, out: Path, *, all_columns: bool = False
) -> int:
    """Write the snapshot to ``out`` (``.csv`` or ``.parquet``); returns the row count.

    By default: one column per canonical field, then the carried attributes; with
    ``all_columns`` every stored column (raw values, issues, derived postcode parts).
    The file appears whole or not at all, readable by its owner only (it holds personal
    data); it may replace a file, never a workspace's own (:func:`~accord.store.check_output`).
    """
    options = FORMATS.get(out.suffix.lower())
    if options is None:
        raise SourceError(f"{out}: export writes .csv or .parquet, not {out.suffix or 'no suffix'}")
    check_output(out, force=True)
    source = workspace.root / snapshot.path
    conn = duckdb_connect(workspace)
    try:
        names = [r[0] for r in conn.execute(
            f"DESCRIBE SELECT * FROM read_parquet({lit(str(source))})"
        ).fetchall()]  # fmt: skip
        if all_columns:
            columns = names
        else:
            extra = [n for n in names if n not in OUTPUT_COLUMNS and n != "source_row"]
            columns = [*CANONICAL_FIELDS, *extra]
        select = ", ".join(ident(c) for c in columns)
        with private_output(out) as tmp:
            conn.execute(
                f"COPY (SELECT {select} FROM read_parquet({lit(str(source))}) "
                f"ORDER BY source_row) TO {lit(str(tmp))} ({options})"
            )
        row = conn.execute(f"SELECT count(*) FROM read_parquet({lit(str(source))})").fetchone()
        return int(row[0]) if row else 0
    except duckdb.Error as exc:
        raise SourceError(
            f"{source}: cannot export snapshot {snapshot.dataset!r} version "
            f"{snapshot.version}: {exc}"
        ) from exc
    finally:
        conn.close()
