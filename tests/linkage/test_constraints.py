"""Two different valid NHS numbers are two people: pairs dropped, clusters kept apart."""

from __future__ import annotations

from pathlib import Path

import duckdb

from accord.linkage import Encoded, Mode
from accord.linkage.constraints import components, drop_conflicts


def test_a_chain_of_pairs_cannot_join_two_valid_numbers() -> None:
    # A-B and B-C linked; A and C hold different valid numbers; B has none.
    clusters, refused = components(
        ["a", "b", "c"], [("a", "b"), ("b", "c")], {"a": "9434765919", "c": "4010232137"}
    )

    assert clusters == {"a": "a", "b": "a", "c": "c"}
    assert refused == 1


def test_the_best_pair_joins_first() -> None:
    # B is more surely C than A: it goes with C, and A stays alone.
    clusters, refused = components(
        ["a", "b", "c"], [("b", "c"), ("a", "b")], {"a": "9434765919", "c": "4010232137"}
    )

    assert clusters == {"a": "a", "b": "b", "c": "b"}
    assert refused == 1


def test_the_same_number_or_none_joins_freely() -> None:
    clusters, refused = components(
        ["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d")],
        {"a": "9434765919", "c": "9434765919"},
    )  # fmt: skip

    assert set(clusters.values()) == {"a"}
    assert refused == 0


def test_a_number_carried_into_a_cluster_guards_it() -> None:
    # D joins C first; C's number then keeps D's cluster from A's, though D has none.
    clusters, refused = components(
        ["a", "b", "c", "d"], [("c", "d"), ("a", "b"), ("b", "d")],
        {"a": "9434765919", "c": "4010232137"},
    )  # fmt: skip

    assert clusters == {"a": "a", "b": "a", "c": "c", "d": "c"}
    assert refused == 1


def _encoded(
    conn: duckdb.DuckDBPyConnection, path: Path, rows: list[tuple[str, str | None]]
) -> Encoded:
    conn.execute(
        "COPY (SELECT unnest($r) AS ref, unnest($n) AS nhs) TO $p (FORMAT parquet)",
        {"r": [r for r, _ in rows], "n": [n for _, n in rows], "p": str(path)},
    )
    return Encoded(path, path.stem, "run", Mode.PLAINTEXT, ("nhs",), len(rows))


def test_link_drops_the_pairs_whose_valid_numbers_differ(tmp_path: Path) -> None:
    conn = duckdb.connect()
    left = _encoded(conn, tmp_path / "l.parquet", [("l1", "9434765919"), ("l2", None), ("l3", "x")])
    right = _encoded(conn, tmp_path / "r.parquet", [("r1", "4010232137"), ("r2", "9434765919")])
    conn.execute(
        "CREATE TABLE scored AS SELECT * FROM (VALUES ('l1', 'r1', 0.99), ('l1', 'r2', 0.95), "
        "('l2', 'r1', 0.97), ('l3', 'r1', 0.2)) t(ref_l, ref_r, match_probability)"
    )

    table, dropped = drop_conflicts(conn, "scored", left, right, 0.9)

    kept = conn.execute(f"SELECT ref_l, ref_r FROM {table} ORDER BY ALL").fetchall()
    assert kept == [("l1", "r2"), ("l2", "r1")]
    assert dropped == 1  # l3-r1 differ too, but under the threshold: no link was lost
