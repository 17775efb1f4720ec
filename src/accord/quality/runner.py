"""Running checks over a snapshot inside DuckDB, in as few scans as the plan allows.

:func:`plan_scans` splits a checklist's row checks into scans: every check decided by
its own row alone is composed into **one** query, and a check that needs other rows
(a window, a subquery) runs in a query of its own, or as its exact grouped count
(:meth:`RowCheck.count_query`) where it has one: a window's sort carries every column
of the scan it sits in, so checks with windows beside the others cost twice what they
cost apart. Within a scan, the expressions the checks derive
(:meth:`RowCheck.derived`) are computed once each, in projection layers below the
checks (DuckDB shares no expression between the arms of a ``CASE``: a postcode's town
looked up in one arm per town was once extracted 109 times a row). Each check then
becomes two boolean columns (counted, failing) and two ``count(*) FILTER`` aggregates.
Only the few sample rows of a failing check come back to Python. When a composed query
fails, each check is run alone to name the one to blame.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from accord.people import ident, lit
from accord.quality.checks import Check, CheckContext, DatasetCheck, RowCheck, derived_column
from accord.quality.errors import CheckFailed
from accord.quality.models import CheckResult, Sample

SNAPSHOT = "snapshot"
"""The view the checks read: the snapshot's Parquet file."""

Numbered = tuple[int, RowCheck]
"""A row check and its position in the checklist."""


@dataclass(frozen=True)
class Scan:
    """One query over the snapshot: checks composed together, or one check's own count."""

    checks: tuple[Numbered, ...]
    sql: str
    grouped: bool = False
    """The query is the check's :meth:`RowCheck.count_query`."""


def run_checks(
    conn: duckdb.DuckDBPyConnection, checks: Sequence[Check], ctx: CheckContext
) -> list[CheckResult]:
    """Each check's counts, in checklist order."""
    rows = [(i, c) for i, c in enumerate(checks) if isinstance(c, RowCheck)]
    counts: dict[int, tuple[int, int]] = {}
    for scan in plan_scans(conn, rows, ctx):
        counts.update(_count(conn, scan, ctx))
    for i, check in enumerate(checks):
        if isinstance(check, DatasetCheck):
            counts[i] = check.measure(ctx)
    return [CheckResult(c.type, c.dimension, c.target, *counts[i]) for i, c in enumerate(checks)]


def plan_scans(
    conn: duckdb.DuckDBPyConnection, rows: Sequence[Numbered], ctx: CheckContext
) -> list[Scan]:
    """The queries that count ``rows``: the row-local checks composed into one, then one
    per check that needs other rows."""
    local: list[Numbered] = []
    alone: list[Scan] = []
    for i, check in rows:
        grouped = check.count_query(ctx)
        if grouped is not None:
            alone.append(Scan(((i, check),), grouped, grouped=True))
        elif _needs_other_rows(conn, check, ctx):
            alone.append(Scan(((i, check),), compose([(i, check)], ctx)))
        else:
            local.append((i, check))
    composed = [Scan(tuple(local), compose(local, ctx))] if local else []
    return composed + alone


def compose(rows: Sequence[Numbered], ctx: CheckContext) -> str:
    """One query counting every check of ``rows``: ``count, failed`` per check, in order."""
    flags, aggregates = [], []
    for i, check in rows:
        counted = check.counted(ctx)
        flags.append(f"({check.failing(ctx)}) AS f{i}")
        if counted == "true":  # every row counts (the default): no column to count it by
            aggregates.append(f"count(*), count(*) FILTER (WHERE f{i})")
        else:
            flags.append(f"({counted}) AS c{i}")
            aggregates.append(
                f"count(*) FILTER (WHERE c{i}), count(*) FILTER (WHERE c{i} AND f{i})"
            )
    source = derived_layers(rows, ctx)
    return f"SELECT {', '.join(aggregates)} FROM (SELECT {', '.join(flags)} FROM {source})"


def derived_layers(rows: Sequence[Numbered], ctx: CheckContext) -> str:
    """The snapshot with every distinct derived expression of ``rows`` as a column.

    An expression goes one layer above the newest derived column it reads, so each is
    computed once per row and none is inlined into another.
    """
    depth: dict[str, int] = {}
    for _, check in rows:
        for expr in check.derived(ctx):
            reads = [d for e, d in depth.items() if derived_column(e) in expr]
            depth.setdefault(expr, 1 + max(reads, default=0))
    source = SNAPSHOT
    for level in range(1, max(depth.values(), default=0) + 1):
        columns = ", ".join(f"{e} AS {derived_column(e)}" for e, d in depth.items() if d == level)
        source = f"(SELECT *, {columns} FROM {source})"
    return source


# How DuckDB's parser names the expressions that read rows other than the current one.
_OTHER_ROWS = re.compile(r'"class":\s*"(?:WINDOW|SUBQUERY)"')


def _needs_other_rows(conn: duckdb.DuckDBPyConnection, check: RowCheck, ctx: CheckContext) -> bool:
    """Whether any expression of ``check`` holds a window or a subquery (DuckDB parses it)."""
    exprs = [*check.derived(ctx), check.counted(ctx), check.failing(ctx)]
    found = conn.execute("SELECT json_serialize_sql(" + lit(f"SELECT {', '.join(exprs)}") + ")")
    tree = found.fetchone()
    assert tree is not None
    parsed = json.loads(tree[0])
    # A parse error is left for the query to report, with the check named.
    return bool(not parsed.get("error") and _OTHER_ROWS.search(tree[0]))


def _count(
    conn: duckdb.DuckDBPyConnection, scan: Scan, ctx: CheckContext
) -> list[tuple[int, tuple[int, int]]]:
    try:
        found = conn.execute(scan.sql).fetchone()
    except duckdb.Error as exc:
        if len(scan.checks) > 1:
            for row in scan.checks:
                _count(conn, Scan((row,), compose([row], ctx)), ctx)
        i, check = scan.checks[0]
        # DuckDB's first line says what failed; the rest lists candidate functions.
        reason = str(exc).strip().split("\n", 1)[0]
        raise CheckFailed(
            f"checks[{i}] ({check.type}): cannot run over the snapshot: {reason}"
        ) from exc
    assert found is not None
    return [
        (i, (int(found[2 * n] or 0), int(found[2 * n + 1] or 0)))
        for n, (i, _) in enumerate(scan.checks)
    ]


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
    source = derived_layers([(0, check)], ctx)
    found = conn.execute(
        f"SELECT {select} FROM (SELECT *, ({check.counted(ctx)}) AS __c, "
        f"({check.failing(ctx)}) AS __f FROM {source}) "
        f"WHERE __c AND __f ORDER BY source_row LIMIT {int(limit)}"
    ).fetchall()
    return Sample(columns, tuple(tuple(r) for r in found))
