"""Running checks over a snapshot inside DuckDB.

Every row check becomes two boolean columns of one query over the snapshot (counted,
failing) and two ``count(*) FILTER`` aggregates over them: one scan for the whole
checklist, whatever the number of rows. Only the few sample rows of a failing check
come back to Python. When the combined query fails, each check is run alone to name
the one to blame.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from accord.people import ident
from accord.quality.checks import Check, CheckContext, DatasetCheck, RowCheck
from accord.quality.errors import CheckFailed
from accord.quality.models import CheckResult, Sample

SNAPSHOT = "snapshot"
"""The view the checks read: the snapshot's Parquet file."""


def run_checks(
    conn: duckdb.DuckDBPyConnection, checks: Sequence[Check], ctx: CheckContext
) -> list[CheckResult]:
    """Each check's counts, in checklist order."""
    rows = [(i, c) for i, c in enumerate(checks) if isinstance(c, RowCheck)]
    counts: dict[int, tuple[int, int]] = dict(_count(conn, rows, ctx)) if rows else {}
    for i, check in enumerate(checks):
        if isinstance(check, DatasetCheck):
            counts[i] = check.measure(ctx)
    return [CheckResult(c.type, c.dimension, c.target, *counts[i]) for i, c in enumerate(checks)]


def _flags(rows: Sequence[tuple[int, RowCheck]], ctx: CheckContext) -> str:
    return ", ".join(f"({c.counted(ctx)}) AS c{i}, ({c.failing(ctx)}) AS f{i}" for i, c in rows)


def _count(
    conn: duckdb.DuckDBPyConnection, rows: Sequence[tuple[int, RowCheck]], ctx: CheckContext
) -> list[tuple[int, tuple[int, int]]]:
    aggregates = ", ".join(
        f"count(*) FILTER (WHERE c{i}), count(*) FILTER (WHERE c{i} AND f{i})" for i, _ in rows
    )
    try:
        found = conn.execute(
            f"SELECT {aggregates} FROM (SELECT {_flags(rows, ctx)} FROM {SNAPSHOT})"
        ).fetchone()
    except duckdb.Error as exc:
        if len(rows) > 1:
            for row in rows:
                _count(conn, [row], ctx)
        i, check = rows[0]
        # DuckDB's first line says what failed; the rest lists candidate functions.
        reason = str(exc).strip().split("\n", 1)[0]
        raise CheckFailed(
            f"checks[{i}] ({check.type}): cannot run over the snapshot: {reason}"
        ) from exc
    assert found is not None
    return [(i, (int(found[2 * n]), int(found[2 * n + 1]))) for n, (i, _) in enumerate(rows)]


def sample(
    conn: duckdb.DuckDBPyConnection, check: RowCheck, ctx: CheckContext, limit: int
) -> Sample:
    """Up to ``limit`` failing rows of ``check``, in source order."""
    columns = tuple(
        dict.fromkeys(
            c for c in ("source_row", "record_id", *check.sample_columns(ctx)) if c in ctx.columns
        )
    )
    select = ", ".join(f"{ident(c)}::VARCHAR" for c in columns)
    found = conn.execute(
        f"SELECT {select} FROM (SELECT *, ({check.counted(ctx)}) AS __c, "
        f"({check.failing(ctx)}) AS __f FROM {SNAPSHOT}) "
        f"WHERE __c AND __f ORDER BY source_row LIMIT {int(limit)}"
    ).fetchall()
    return Sample(columns, tuple(tuple(r) for r in found))
