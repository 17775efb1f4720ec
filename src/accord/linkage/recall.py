"""How many true pairs the blocking rules let through: an estimate, without a truth.

A pair is scored only if some blocking rule brings it in; a true pair no rule catches is
lost before the model sees it. The estimate treats the rules as independent captures
(as capture-recapture does): each rule's recall is measured on the decided pairs that
*other* rules brought in (which that rule had no part in finding), and a true pair is
lost only if every rule misses it, so the blocking recall is
``1 - prod(1 - recall_of_rule)``. Misses that go together (a record with no date of
birth and no postcode) make the true figure lower; the report says so.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from accord.linkage.model import BlockingKey
from accord.linkage.models import BlockingRecall, Encoded
from accord.people import ident, lit


def estimate(
    conn: duckdb.DuckDBPyConnection,
    left: Encoded,
    right: Encoded,
    pairs: Path,
    keys: list[BlockingKey],
) -> BlockingRecall | None:
    """The blocking recall of ``keys`` estimated on the decided ``pairs`` (Parquet of
    ``left_ref, right_ref``); None with fewer than two rules or no pairs."""
    if len(keys) < 2:
        return None
    lists = _list_columns(conn, left) | _list_columns(conn, right)
    agree = [" AND ".join(_agree(a, b, lists) for a, b in key) for key in keys]
    flags = ", ".join(f"coalesce({sql}, false) AS r{i}" for i, sql in enumerate(agree))
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE _caught AS SELECT {flags} "
        f"FROM read_parquet({lit(str(pairs))}) p "
        f"JOIN read_parquet({lit(str(left.path))}) l ON l.ref = p.left_ref "
        f"JOIN read_parquet({lit(str(right.path))}) r ON r.ref = p.right_ref"
    )
    counts = []
    for i in range(len(keys)):
        others = " OR ".join(f"r{j}" for j in range(len(keys)) if j != i)
        counts.append(f"count(*) FILTER (({others}) AND r{i})")
        counts.append(f"count(*) FILTER ({others})")
    row = conn.execute(f"SELECT {', '.join(counts)} FROM _caught").fetchall()[0]
    conn.execute("DROP TABLE _caught")
    rules: dict[str, float | None] = {}
    missed_by_all = 1.0
    for i, key in enumerate(keys):
        caught, found_by_others = row[2 * i], row[2 * i + 1]
        recall = caught / found_by_others if found_by_others else None
        rules[" AND ".join(f"l.{a} = r.{b}" for a, b in key)] = recall
        missed_by_all *= 1 - (recall or 0.0)
    if all(v is None for v in rules.values()):
        return None
    return BlockingRecall(1 - missed_by_all, rules)


def _list_columns(conn: duckdb.DuckDBPyConnection, enc: Encoded) -> set[str]:
    described = conn.execute(
        f"DESCRIBE SELECT * FROM read_parquet({lit(str(enc.path))})"
    ).fetchall()
    return {name for name, kind, *_ in described if str(kind).endswith("[]")}


def _agree(left: str, right: str, lists: set[str]) -> str:
    if left in lists or right in lists:  # rules on lists block on any shared element
        return f"len(list_intersect(l.{ident(left)}, r.{ident(right)})) > 0"
    return f"l.{ident(left)} = r.{ident(right)}"
