"""The linking party's decisions: one count of the pairs it scored, for every report."""

from __future__ import annotations

from pathlib import Path

import duckdb

from accord.linkage import Mode, encode, match
from accord.linkage.model import blocking_keys
from accord.people import ident, lit
from tests.linkage.conftest import Population


def _rule(key: tuple[tuple[str, str], ...]) -> str:
    """A blocking rule as plain SQL: equal values; typo variants equal at some place."""
    parts = []
    for left, right in key:
        if left.endswith("_var"):
            same = f"l.{ident(left)}[i] = r.{ident(right)}[i]"
            parts.append(f"len(list_filter(range(1, 17), lambda i: {same})) > 0")
        else:
            parts.append(f"l.{ident(left)} = r.{ident(right)}")
    return "(" + " AND ".join(parts) + ")"


def test_pairs_scored_are_every_pair_a_blocking_rule_brings_in(
    population: Population, tmp_path: Path
) -> None:
    conn = duckdb.connect()
    left, _ = encode(conn, population.gp.path, tmp_path / "gp", party="gp", run="r",
                     mode=Mode.PLAINTEXT, secret=None)  # fmt: skip
    right, _ = encode(conn, population.hospital.path, tmp_path / "hospital", party="hospital",
                      run="r", mode=Mode.PLAINTEXT, secret=None)  # fmt: skip
    (tmp_path / "linker").mkdir()

    with duckdb.connect() as linker:
        matched = match(linker, left, right, tmp_path / "linker" / "pairs.parquet")

    # Counted again by brute force: every pair of records that any rule lets in.
    keys = blocking_keys(set(left.features) & set(right.features))
    (expected,), *_ = conn.execute(
        f"SELECT count(*) FROM read_parquet({lit(str(left.path))}) l, "
        f"read_parquet({lit(str(right.path))}) r WHERE {' OR '.join(map(_rule, keys))}"
    ).fetchall()
    assert matched.scored == expected
    assert matched.pairs < matched.scored
