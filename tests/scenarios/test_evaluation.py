"""Scoring pairs against a scenario's truth, and the files it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.scenarios import ScenarioError, score_pairs

TRUTH = "organisation,record_id,person_id\ngp,G1,P1\nhospital,H1,P1\ngp,G2,P2\nhospital,H2,P3\n"


@pytest.fixture
def truth(tmp_path: Path) -> Path:
    path = tmp_path / "truth.csv"
    path.write_text(TRUTH, encoding="utf-8")
    return path


def _pairs(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "pairs.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_pairs_are_scored_against_the_truth(tmp_path: Path, truth: Path) -> None:
    pairs = _pairs(tmp_path, "left_id,right_id,match_probability\nG1,H1,0.99\nG2,H2,0.95\n")

    scores = score_pairs(pairs, truth, "gp", "hospital")

    assert (scores.found, scores.true, scores.correct) == (2, 1, 1)
    assert scores.precision == 0.5


@pytest.mark.parametrize(("left", "right", "side"), [("police", "hospital", "left"),
                                                      ("gp", "Hospital", "right")])  # fmt: skip
def test_an_organisation_not_in_the_truth_is_refused(
    tmp_path: Path, truth: Path, left: str, right: str, side: str
) -> None:
    pairs = _pairs(tmp_path, "left_id,right_id\nG1,H1\n")

    with pytest.raises(ScenarioError, match=rf"no record of organisation '\w+' \(the {side} side"
                       r"\); its organisations are gp, hospital"):  # fmt: skip
        score_pairs(pairs, truth, left, right)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x00\xff\xfe\x00binary", r"pairs\.csv: not a UTF-8 CSV file \(byte 1"),
        (b'left_id,right_id\n"G1,H1\n', r"pairs\.csv: (not a CSV file|no column)"),
        (b"left,right\nG1,H1\n", r"pairs\.csv: no column left_id, right_id"),
    ],
    ids=["binary", "truncated", "wrong-columns"],
)
def test_unreadable_pairs_are_refused_by_file(
    tmp_path: Path, truth: Path, content: bytes, problem: str
) -> None:
    with pytest.raises(ScenarioError, match=problem):
        score_pairs(_pairs(tmp_path, content), truth, "gp", "hospital")
