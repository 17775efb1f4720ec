"""Scores per dimension and the kitemark thresholds, at their boundaries."""

from __future__ import annotations

import pytest

from accord.quality import LEVELS, CheckResult, Dimension, Kitemark, kitemark, scores
from accord.quality.kitemark import reasons

D = Dimension
ALL_BUT_ACCURACY = {d for d in Dimension if d is not D.ACCURACY}


def everything(score: float, **overrides: float) -> dict[Dimension, float]:
    return {d: overrides.get(d.value, score) for d in Dimension}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (everything(95.0), Kitemark.GOLD),
        (everything(100.0, accuracy=95.0), Kitemark.GOLD),
        (everything(100.0, accuracy=94.9), Kitemark.SILVER),
        (everything(85.0), Kitemark.SILVER),
        (everything(100.0, timeliness=84.9), Kitemark.BRONZE),
        (everything(70.0), Kitemark.BRONZE),
        (everything(100.0, uniqueness=69.9), Kitemark.NOT_YET_RATED),
        (dict.fromkeys(ALL_BUT_ACCURACY, 100.0), Kitemark.SILVER),
        ({D.COMPLETENESS: 70.0, D.VALIDITY: 70.0}, Kitemark.BRONZE),
        ({D.COMPLETENESS: 100.0}, Kitemark.NOT_YET_RATED),
        ({}, Kitemark.NOT_YET_RATED),
    ],
)
def test_kitemark_thresholds(given: dict[Dimension, float], expected: Kitemark) -> None:
    assert kitemark(given) is expected


def test_stale_data_earns_no_level_however_good_otherwise() -> None:
    assert kitemark(everything(100.0, timeliness=0.0)) is Kitemark.NOT_YET_RATED


def test_levels_are_ordered_best_first() -> None:
    assert [level.kitemark.rank for level in LEVELS] == [3, 2, 1]
    assert [level.minimum for level in LEVELS] == sorted(
        (lv.minimum for lv in LEVELS), reverse=True
    )


def _check(dimension: Dimension, total: int, failed: int) -> CheckResult:
    return CheckResult("test", dimension, None, total, failed)


def test_a_dimension_scores_the_mean_pass_share_of_its_checks() -> None:
    found = scores(
        [_check(D.VALIDITY, 10, 1), _check(D.VALIDITY, 4, 2), _check(D.UNIQUENESS, 3, 0)]
    )
    assert found == {**dict.fromkeys(D), D.UNIQUENESS: 100.0, D.VALIDITY: 70.0}
    assert list(found) == list(D)


def test_scores_round_down_so_a_boundary_is_never_reached_by_rounding() -> None:
    # 949 of 1000 is 94.9; 1899 of 2000 (94.95) also shows 94.9, not 95.0.
    assert scores([_check(D.VALIDITY, 2000, 101)])[D.VALIDITY] == 94.9
    assert scores([_check(D.VALIDITY, 20, 1)])[D.VALIDITY] == 95.0
    assert scores([_check(D.VALIDITY, 3, 1)])[D.VALIDITY] == 66.6


def test_checks_that_counted_nothing_leave_their_dimension_unscored_with_the_reason() -> None:
    results = [_check(D.ACCURACY, 0, 0), _check(D.VALIDITY, 1, 0)]
    assert scores(results) == {**dict.fromkeys(D), D.VALIDITY: 100.0}
    why = reasons(results, {D.TIMELINESS: "no update frequency declared"})
    assert why == {
        D.COMPLETENESS: "the checklist has no completeness check",
        D.UNIQUENESS: "the checklist has no uniqueness check",
        D.CONSISTENCY: "the checklist has no consistency check",
        D.TIMELINESS: "no update frequency declared",
        D.ACCURACY: "its checks (test) found no record to judge",
    }


def test_an_unscored_dimension_is_not_assessed_for_the_kitemark() -> None:
    scored = dict.fromkeys(D, 100.0)
    assert kitemark(scored) is Kitemark.GOLD
    assert kitemark({**scored, D.ACCURACY: None}) is Kitemark.SILVER
    assert kitemark({**scored, D.TIMELINESS: None}) is Kitemark.BRONZE


def test_labels() -> None:
    assert [k.label for k in Kitemark] == ["Gold", "Silver", "Bronze", "Not yet rated"]
