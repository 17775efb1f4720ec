"""Calibration: true matches taken out of u and the term frequencies; the prior's recall."""

from __future__ import annotations

import logging
import math
from typing import Any

import duckdb
import pytest
import splink.comparison_level_library as cll
from splink import DuckDBAPI, Linker, SettingsCreator
from splink import comparison_library as cl

from accord.linkage.calibrate import (
    UNSEEN_PAIRS,
    remove_matches_from_u,
    rules_recall,
    strangers_term_frequencies,
)
from accord.linkage.matching import _one_match_each

PRIOR = 0.01


def _linker(conn: duckdb.DuckDBPyConnection) -> Any:
    """A real Splink linker over two sides of six records, with m and u set by hand."""
    for side, names in (("l", ["ann", "bob", "cat", "dan", "eve", "ann"]),
                        ("r", ["ann", "bob", "cat", "fay", "gus", "hal"])):  # fmt: skip
        conn.execute(
            f"CREATE TABLE {side} AS SELECT i AS ref, n AS name, d AS dob "
            "FROM (SELECT unnest(range(6)) AS i, unnest($n) AS n, unnest($d) AS d)",
            {"n": names, "d": ["1980-01-01"] * 6},
        )
    db = DuckDBAPI(connection=conn)
    frames = [db.register(t, dataset_display_name=t) for t in ("l", "r")]

    def comparison(name: str, tf: bool) -> Any:
        exact = cll.ExactMatchLevel(name)
        if tf:
            exact = exact.configure(tf_adjustment_column=name)
        return cl.CustomComparison(output_column_name=name, comparison_levels=[
            cll.NullLevel(name),
            exact.configure(m_probability=0.9, u_probability=0.02),
            cll.CustomLevel(f"left({name}_l, 1) = left({name}_r, 1)", "Same initial")
            .configure(m_probability=0.05),  # u never estimated: no pair was seen there
            cll.ElseLevel().configure(m_probability=0.05, u_probability=0.9),
        ])  # fmt: skip

    settings = SettingsCreator(
        link_type="link_only", unique_id_column_name="ref",
        probability_two_random_records_match=PRIOR,
        comparisons=[comparison("name", tf=True), comparison("dob", tf=False)],
    )  # fmt: skip
    return Linker(frames, settings, log_level=logging.ERROR)


def _levels(linker: Any, name: str) -> list[Any]:
    comparison = linker._settings_obj._get_comparison_by_output_column_name(name)
    return [level for level in comparison.comparison_levels if not level.is_null_level]


def test_u_loses_the_true_matches_in_its_sample() -> None:
    with duckdb.connect() as conn:
        linker = _linker(conn)
        remove_matches_from_u(linker, sampled_pairs=1_000)
        exact, unseen, other = _levels(linker, "dob")

    # The sample was PRIOR * m + (1 - PRIOR) * u: u is what is left of it.
    assert exact.u_probability == pytest.approx((0.02 - PRIOR * 0.9) / (1 - PRIOR))
    assert other.u_probability == pytest.approx((0.9 - PRIOR * 0.05) / (1 - PRIOR))
    # A level no random pair landed in counts half a pair, not Splink's default.
    assert unseen.u_probability == pytest.approx(UNSEEN_PAIRS / 1_000)


def test_u_never_falls_below_half_a_pair_of_the_sample() -> None:
    with duckdb.connect() as conn:
        linker = _linker(conn)
        linker._settings_obj._probability_two_random_records_match = 0.5
        remove_matches_from_u(linker, sampled_pairs=200)
        exact, _unseen, _other = _levels(linker, "dob")
    assert exact.u_probability == pytest.approx(UNSEEN_PAIRS / 200)


def test_the_rules_recall_is_the_chance_a_true_pair_agrees_on_any_rule() -> None:
    with duckdb.connect() as conn:
        linker = _linker(conn)
        recorded = {"name": 0.8, "dob": 0.5}
        one = rules_recall(linker, [("name", "dob")], recorded)
        both = rules_recall(linker, [("name", "dob"), ("name",)], recorded)
    agree_name, agree_dob = 0.8 * 0.9, 0.5 * 0.9
    assert one == pytest.approx(agree_name * agree_dob)
    # The union of the two rules: "name" alone contains the first.
    assert both == pytest.approx(agree_name)


def test_term_frequencies_count_strangers_not_the_record_nor_its_match() -> None:
    with duckdb.connect() as conn:
        linker = _linker(conn)
        strangers_term_frequencies(linker, {"name": 12}, pairs=36)
        scored = linker.inference.predict().as_record_list()
        table = linker.table_management.compute_tf_table("name")  # the one registered
        after = {r["name"]: r["tf_name"] for r in table.as_record_list()}
    # Of 12 records, 2 * PRIOR * 36 / 12 are in a true pair; one agrees on a value with
    # chance m = 0.9. "ann" is three records: the one compared, and two others.
    copies = 2 * PRIOR * 36 / 12 * 0.9
    assert after["ann"] == pytest.approx((3 - 1 - copies) / 12)
    assert after["bob"] == pytest.approx((2 - 1 - copies) / 12)
    assert after["dan"] == pytest.approx(UNSEEN_PAIRS / 12)  # nobody else is called dan
    # Prediction uses them: "bob" = "bob" weighs m / tf.
    bob = next(r for r in scored if r["ref_l"] == 1 and r["ref_r"] == 1)
    dob = math.log2(0.9 / 0.02)  # dob has no term frequencies: its own u
    prior = math.log2(PRIOR / (1 - PRIOR))
    assert bob["match_weight"] == pytest.approx(prior + math.log2(0.9 / after["bob"]) + dob)


def test_one_to_one_weighs_a_pair_against_the_other_candidates_of_its_records() -> None:
    odds = 0.7 / 0.3  # each pair alone: 0.7
    with duckdb.connect() as conn:
        conn.execute(
            "CREATE TABLE scored AS SELECT unnest($l) AS ref_l, unnest($r) AS ref_r, "
            "log2($o) AS match_weight, 0.7 AS match_probability",
            {"l": ["l1", "l2", "l2"], "r": ["r1", "r2", "r3"], "o": odds},
        )
        table = _one_match_each(conn, "scored", left=3, right=3)
        rows = {(left, right): (p, w) for left, right, p, w in conn.execute(
            f"SELECT ref_l, ref_r, match_probability, match_weight FROM {table}"
        ).fetchall()}  # fmt: skip
    # Two of three records on each side have a match (two left records have pairs).
    unmatched = 1 - 2 / 3
    alone = odds / (unmatched + odds)  # l1 and r1 have no other candidate
    assert rows["l1", "r1"][0] == pytest.approx(alone)
    assert alone > 0.7
    # l2 has two candidates as good: neither is likely, whatever r2 and r3 say.
    assert rows["l2", "r2"][0] == pytest.approx(odds / (unmatched + 2 * odds))
    assert rows["l2", "r2"][0] < 0.5
    p, w = rows["l1", "r1"]
    assert w == pytest.approx(math.log2(p / (1 - p)))
