"""Export a snapshot's standardised records as CSV or Parquet.

An export is a member of staff taking person-level records out of the node: it records
``snapshot.exported`` (their role and reason) in the transaction whose last act moves the
finished file into place, so the log holds every export written and no other.
"""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import duckdb

from accord import audit
from accord.people import CANONICAL_FIELDS, OUTPUT_COLUMNS, ident, lit
from accord.sources.errors import SourceError
from accord.sources.repository import SnapshotInfo
from accord.store import Workspace, check_output, duckdb_connect, make_private

FORMATS = {".csv": "FORMAT csv, HEADER true", ".parquet": "FORMAT parquet, COMPRESSION zstd"}


@audit.audited(audit.SnapshotExported)
def export_snapshot(
    workspace: Workspace,
    snapshot: SnapshotInfo,
    out: Path,
    *,
    by_role: str,
    reason: str,
    all_columns: bool = False,
) -> int:
    """Write the snapshot to ``out`` (``.csv`` or ``.parquet``) for a member of staff
    (``by_role``, ``reason``: recorded); returns the row count.

    By default: one column per canonical field, then the carried attributes; with
    ``all_columns`` every stored column (raw values, issues, derived postcode parts).
    The file appears whole or not at all, readable by its owner only (it holds personal
    data), and is recorded exactly when it appears; it may replace a file, never a
    workspace's own (:func:`~accord.store.check_output`).
    """
    role, why = audit.staff_act(by_role, reason)
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
        tmp = out.with_name(f".{out.name}.{uuid4().hex}.partial")
        try:
            conn.execute(
                f"COPY (SELECT {select} FROM read_parquet({lit(str(source))}) "
                f"ORDER BY source_row) TO {lit(str(tmp))} ({options})"
            )
            make_private(tmp)
            row = conn.execute(f"SELECT count(*) FROM read_parquet({lit(str(source))})").fetchone()
            rows = int(row[0]) if row else 0
            exported = audit.SnapshotExported(
                dataset=snapshot.dataset, version=snapshot.version, rows=rows,
                columns="all" if all_columns else "canonical", by_role=role, reason=why,
            )  # fmt: skip
            with audit.transaction(workspace) as tx:
                tx.record(exported)
                tx.publish(tmp, out)
        except OSError as exc:
            raise SourceError(f"{out}: cannot write it ({exc.strerror or exc})") from exc
        finally:
            tmp.unlink(missing_ok=True)
        return rows
    except duckdb.Error as exc:
        raise SourceError(
            f"{source}: cannot export snapshot {snapshot.dataset!r} version "
            f"{snapshot.version}: {exc}"
        ) from exc
    finally:
        conn.close()
