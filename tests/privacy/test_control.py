"""Disclosure control on real tables: the presets, secondary suppression, k-anonymity."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.privacy import PRESETS, BadTable, Protected, k_anonymity, protect, protect_csv


def _table(conn: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, int]]) -> str:
    conn.execute("CREATE OR REPLACE TABLE counts (region VARCHAR, age VARCHAR, n INTEGER)")
    conn.executemany("INSERT INTO counts VALUES (?, ?, ?)", rows)
    return "counts"


def _one_dimension(counts: list[int], preset: str) -> Protected:
    conn = duckdb.connect()
    conn.execute("CREATE TABLE t AS SELECT unnest(range($k)) AS cell, unnest($n) AS n",
                 {"k": len(counts), "n": counts})  # fmt: skip
    return protect(conn, "t", ["cell"], "n", PRESETS[preset])


def test_hes_suppresses_one_to_seven_and_rounds_the_rest_to_five() -> None:
    result = _one_dimension([0, 3, 7, 8, 12, 100], "hes")
    assert [(c.count, c.hidden) for c in result.cells] == [
        (0, None), (None, "primary"), (None, "primary"), (10, None), (10, None), (100, None),
    ]  # fmt: skip
    assert [(t.key, t.count) for t in result.totals] == [((None,), 130)]


def test_tre_suppresses_below_ten_without_rounding() -> None:
    result = _one_dimension([9, 10, 11, 0], "tre")
    assert [(c.count, c.hidden) for c in result.cells] == [
        (None, "primary"), (None, "secondary"), (11, None), (0, None),
    ]  # fmt: skip


def test_a_lone_hidden_cell_takes_the_smallest_other_with_it() -> None:
    result = _one_dimension([3, 50, 60], "tre")
    # With the total published, 3 = 113 - 50 - 60: the 50 is hidden too.
    assert [c.hidden for c in result.cells] == ["primary", "secondary", None]
    assert result.totals[0].count == 113


def test_no_hidden_cell_can_be_worked_out_from_a_two_way_table() -> None:
    conn = duckdb.connect()
    rows = [("R1", "a0", 20), ("R1", "a1", 3), ("R1", "a2", 15),
            ("R2", "a0", 12), ("R2", "a1", 30), ("R2", "a2", 9),
            ("R3", "a0", 40), ("R3", "a1", 25), ("R3", "a2", 50)]  # fmt: skip
    result = protect(conn, _table(conn, rows), ["region", "age"], "n", PRESETS["tre"])
    hidden = {c.key: c.hidden for c in result.cells if c.hidden}
    assert hidden[("R1", "a1")] == hidden[("R2", "a2")] == "primary"
    assert "secondary" in hidden.values()
    _assert_safe(result)
    totals = {t.key: t.count for t in result.totals}
    assert totals[(None, None)] == 204
    assert totals[("R3", None)] == 115


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), min_size=1, max_size=4), min_size=1, max_size=4),
       st.sampled_from(sorted(PRESETS)))  # fmt: skip
def test_every_protected_table_hides_small_counts_and_leaves_none_alone(
    grid: list[list[int]], preset: str
) -> None:
    conn = duckdb.connect()
    rows = [(f"r{i}", f"c{j}", n) for i, row in enumerate(grid) for j, n in enumerate(row)]
    result = protect(conn, _table(conn, rows), ["region", "age"], "n", PRESETS[preset])
    threshold, step = PRESETS[preset].suppress_below, PRESETS[preset].round_to
    for published in (*result.cells, *result.totals):
        if published.count is not None:
            assert published.count % step == 0
    true = {(r, a): n for r, a, n in rows}
    for cell in result.cells:
        if 0 < true[cell.key] < threshold:  # type: ignore[index]
            assert cell.hidden == "primary"
    _assert_safe(result)


def _assert_safe(result: Protected) -> None:
    """No published total sums a line in which exactly one count is hidden."""
    everything = {p.key: p for p in (*result.cells, *result.totals)}
    for key, total in everything.items():
        if total.hidden:
            continue
        for d, value in enumerate(key):
            if value is not None:
                continue
            line = [p for k, p in everything.items() if k[d] is not None
                    and all(k[i] == key[i] for i in range(len(key)) if i != d)]  # fmt: skip
            assert sum(1 for p in line if p.hidden) != 1, (key, d)


def test_bad_tables_are_refused_by_name() -> None:
    conn = duckdb.connect()
    conn.execute("CREATE TABLE t (region VARCHAR, n INTEGER)")
    with pytest.raises(BadTable, match="no column age"):
        protect(conn, "t", ["region", "age"], "n", PRESETS["hes"])
    conn.execute("INSERT INTO t VALUES ('R1', -1)")
    with pytest.raises(BadTable, match="negative count"):
        protect(conn, "t", ["region"], "n", PRESETS["hes"])


@pytest.mark.parametrize(
    ("count", "problem"),
    [
        ("2.5", r"line 3, column n: '2.5' is not a whole number"),
        ("-3", r"line 3, column n: '-3' is a negative count"),
        ("three", r"line 3, column n: 'three' is not a number"),
        ("", r"line 3, column n: is blank"),
    ],
)
def test_counts_that_are_not_whole_numbers_are_refused_by_line(
    tmp_path: Path, count: str, problem: str
) -> None:
    table = tmp_path / "counts.csv"
    table.write_text(f"area,n\nA,10\nB,{count}\nC,12.0\n", encoding="utf-8")

    with pytest.raises(BadTable, match=problem):
        protect_csv(table, ["area"], "n", PRESETS["tre"])


def test_a_whole_count_written_as_a_decimal_is_read() -> None:
    conn = duckdb.connect()
    conn.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('A', 12.0), ('B', 30.00)) v(a, n)")

    result = protect(conn, "t", ["a"], "n", PRESETS["tre"])

    assert [c.count for c in result.cells] == [12, 30]


def test_a_file_that_is_not_a_csv_is_refused_by_name(tmp_path: Path) -> None:
    table = tmp_path / "counts.csv"
    table.write_bytes(b"\x00\xff\xfe\x00 not text")

    with pytest.raises(BadTable, match=r"counts\.csv: cannot be read as a CSV table of counts"):
        protect_csv(table, ["area"], "n", PRESETS["tre"])


def test_k_anonymity_finds_the_groups_too_small() -> None:
    conn = duckdb.connect()
    conn.execute(
        "CREATE TABLE out AS SELECT * FROM (VALUES "
        "('40-49', 'SW1A', 'F'), ('40-49', 'SW1A', 'F'), ('40-49', 'SW1A', 'F'), "
        "('50-59', 'SW1A', 'M'), ('50-59', 'SW1A', 'M'), ('90+', 'N1', 'F')) "
        "AS t(age_band, district, sex)"
    )
    result = k_anonymity(conn, "out", ["age_band", "district", "sex"], 3)
    assert (result.smallest, result.groups_below, result.rows_below) == (1, 2, 3)
    assert not result.satisfied
    assert k_anonymity(conn, "out", ["sex"], 2).satisfied
    with pytest.raises(BadTable, match="no quasi-identifier column postcode"):
        k_anonymity(conn, "out", ["postcode"], 3)
