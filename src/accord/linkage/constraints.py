"""Records that are never one person: two different valid NHS numbers.

An NHS number that passes its check digit is issued to one person. Two records whose
valid numbers differ are two people (twins, a parent and child, neighbours), whatever
else they share; a number mistyped almost always fails its check digit (modulus 11
catches every single-digit slip and every swap of neighbours), and such numbers are
only ever compared as near misses. So unless the caller says the source reuses numbers
(``LinkOptions.nhs_numbers_reused``):

* ``link`` drops every scored pair whose two valid numbers differ (:func:`drop_conflicts`)
  before the decisions, one-to-one or not;
* ``dedupe`` joins pairs into clusters best first and refuses a join that would put two
  different valid numbers in one cluster (:func:`components`), so a chain of pairs
  (A with B, B with C) cannot carry A and C into one person either.

Both modes see the same thing: the ``nhs`` feature is made only from a valid number (in
private mode its keyed token), so its presence is the validity flag, and two tokens
differ exactly when the numbers do. A number failing its check digit travels only as
its one-digit variants (``nhs_var``) and counts as no number here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import duckdb

from accord.linkage.models import Encoded
from accord.people import lit

FEATURE = "nhs"
"""The feature holding a valid NHS number (or its token); absent for any other."""


def drop_conflicts(
    conn: duckdb.DuckDBPyConnection, table: str, left: Encoded, right: Encoded, threshold: float
) -> tuple[str, int]:
    """``table`` (scored pairs ``ref_l, ref_r``) without the pairs whose valid NHS numbers
    differ: the new table's name, and how many of those pairs were at or over
    ``threshold`` (the links the rule took away)."""
    if FEATURE not in left.features or FEATURE not in right.features:
        return table, 0
    both = f"SELECT ref, {FEATURE} FROM read_parquet"
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _nhs_flagged AS SELECT t.*, "
        f"coalesce(l.{FEATURE} <> r.{FEATURE}, false) AS _conflict FROM {table} t "
        f"LEFT JOIN ({both}({lit(str(left.path))})) l ON l.ref = t.ref_l "
        f"LEFT JOIN ({both}({lit(str(right.path))})) r ON r.ref = t.ref_r"
    )
    (dropped,), *_ = conn.execute(
        "SELECT count(*) FILTER (_conflict AND match_probability >= "
        f"{float(threshold)!r}) FROM _nhs_flagged"
    ).fetchall()
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _nhs_kept AS SELECT * EXCLUDE (_conflict) "
        "FROM _nhs_flagged WHERE NOT _conflict"
    )
    conn.execute("DROP TABLE _nhs_flagged")
    return "_nhs_kept", int(dropped or 0)


def labels(conn: duckdb.DuckDBPyConnection, encoded: Encoded) -> dict[str, str]:
    """Each reference's valid NHS number (or token), where it has one."""
    if FEATURE not in encoded.features:
        return {}
    return dict(
        conn.execute(
            f"SELECT ref, {FEATURE} FROM read_parquet({lit(str(encoded.path))}) "
            f"WHERE {FEATURE} IS NOT NULL"
        ).fetchall()
    )


def components(
    refs: Iterable[str], pairs: Iterable[tuple[str, str]], numbers: Mapping[str, str]
) -> tuple[dict[str, str], int]:
    """Each reference's cluster, named by its smallest reference, and the joins refused.

    ``pairs`` come best first; a pair joins its two clusters unless they hold different
    ``numbers`` (a cluster holds at most one: that is what is kept).
    """
    parent = {r: r for r in refs}
    number = {r: numbers.get(r) for r in parent}

    def root(r: str) -> str:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    refused = 0
    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        na, nb = number[ra], number[rb]
        if na is not None and nb is not None and na != nb:
            refused += 1
            continue
        keep, gone = min(ra, rb), max(ra, rb)
        parent[gone] = keep
        number[keep] = na if na is not None else nb
    return {r: root(r) for r in parent}, refused
