"""Clerical labels fed back: decided as labelled, and the threshold moved to agree."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from accord.linkage import LinkOptions, link, new_secret
from accord.linkage.labels import MIN_LABELS, BadLabels, read, tuned_threshold
from tests.linkage.conftest import AS_OF, Population, scores


def _link(
    population: Population, tmp: Path, secret: bytes, **kwargs: object
) -> set[tuple[str, str]]:
    folder, out = population.folder, tmp / "pairs.csv"
    link(str(folder / "gp.csv"), str(folder / "hospital.xlsx"), folder / "gp.mapping.yaml",
         folder / "hospital.mapping.yaml", out, secret=secret, as_of=AS_OF,
         **kwargs)  # type: ignore[arg-type]  # fmt: skip
    with out.open(encoding="utf-8", newline="") as fh:
        return {(r["left_id"], r["right_id"]) for r in csv.DictReader(fh)}


def test_labelled_pairs_are_decided_as_labelled_on_the_next_run(
    population: Population, tmp_path: Path
) -> None:
    secret, report = new_secret(), tmp_path / "report"
    first = _link(population, tmp_path, secret, options=LinkOptions(report=report))
    with (report / "review.csv").open(encoding="utf-8", newline="") as fh:
        review = list(csv.DictReader(fh))
    assert review
    truth = population.true_pairs
    # The reviewer's verdicts, plus two deliberate ones: a linked pair called different
    # and an unlinked true pair called the same.
    verdicts = {(r["left_id"], r["right_id"]): (r["left_id"], r["right_id"]) in truth
                for r in review}  # fmt: skip
    wrongly_split = sorted(first & truth)[0]
    missed = sorted(truth - first)[0] if truth - first else sorted(truth)[1]
    verdicts[wrongly_split], verdicts[missed] = False, True
    labels = tmp_path / "labelled.csv"
    with labels.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["left_id", "right_id", "match_probability", "label"])
        writer.writerows([(a, b, "", "1" if same else "0") for (a, b), same in verdicts.items()])

    second = _link(population, tmp_path, secret, labels=labels)

    assert wrongly_split not in second
    assert missed in second
    assert all((pair in second) == same for pair, same in verdicts.items())
    # Otherwise no worse: the one true pair called different is the reviewer's doing.
    assert scores(second | {wrongly_split}, truth)[2] >= scores(first, truth)[2] - 0.001


def test_the_threshold_moves_to_agree_with_the_labels(tmp_path: Path) -> None:
    conn = duckdb.connect()
    # Forty pairs, each the best of both its records: true ones scored 0.6 and up,
    # others below. At 0.9 the model misses the true ones between 0.6 and 0.9.
    probabilities = [0.3 + 0.0175 * i for i in range(40)]
    conn.execute(
        "CREATE TABLE scored AS SELECT 'l' || i AS ref_l, 'r' || i AS ref_r, "
        "p AS match_probability FROM (SELECT unnest(range(40)) AS i, unnest($p) AS p)",
        {"p": probabilities},
    )
    path = tmp_path / "labels.parquet"
    conn.execute(
        f"COPY (SELECT ref_l AS left_ref, ref_r AS right_ref, match_probability >= 0.6 AS same "
        f"FROM scored) TO '{path}' (FORMAT parquet)"
    )

    tuned = tuned_threshold(conn, "scored", path, 0.9)

    assert tuned.moved
    assert tuned.scored_labels == 40
    assert tuned.threshold == pytest.approx(0.615)  # the lowest true pair's score
    # Too few labels: the threshold stays.
    conn.execute(f"CREATE TABLE few AS SELECT * FROM scored LIMIT {MIN_LABELS - 1}")
    assert tuned_threshold(conn, "few", path, 0.9).threshold == 0.9


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("left_id,right_id\nG1,H1\n", "no column label"),
        ("left_id,right_id,label\nG1,H1,1\nG2,H2,maybe\n", "row 3, column label: 'maybe'"),
        ("left_id,right_id,label\nG1,,1\n", "row 2: a labelled pair needs both ids"),
    ],
)
def test_a_bad_labels_file_is_refused_with_its_row(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadLabels, match=message):
        read(path)


def test_blank_labels_are_skipped_and_the_report_gives_blocking_recall(
    population: Population, tmp_path: Path
) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("left_id,right_id,label\nG1,H1,\nG2,H2,yes\nG3,H3,No\n", encoding="utf-8")
    assert read(path) == [("G2", "H2", True), ("G3", "H3", False)]

    report = tmp_path / "report"
    _link(population, tmp_path, new_secret(), options=LinkOptions(report=report))
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert 0.9 <= summary["estimated_blocking_recall"] <= 1
    assert "l.dob = r.dob AND l.sex = r.sex" in summary["blocking_rules_recall"]


def _labels_file(path: Path, pairs: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["left_id", "right_id", "label"])
        writer.writerows([(a, b, "1") for a, b in pairs])
    return path


def test_labels_naming_no_record_of_the_sources_are_refused_with_counts(
    population: Population, tmp_path: Path
) -> None:
    labels = _labels_file(tmp_path / "other.csv", [("X1", "Y1"), ("X2", "Y2"), ("X3", "Y3")])

    with pytest.raises(BadLabels, match=r"other\.csv: none of its 3 labelled pairs names a "
                       r"record of both sources \(3 left ids are no record of .*gp\.csv, 3 "
                       r"right ids no record of .*hospital\.xlsx\)"):  # fmt: skip
        _link(population, tmp_path, new_secret(), labels=labels)


def test_labels_naming_some_unknown_records_are_counted_in_a_warning(
    population: Population, tmp_path: Path
) -> None:
    known = sorted(population.true_pairs)[:2]
    labels = _labels_file(tmp_path / "labels.csv", [*known, ("X1", known[0][1])])
    folder, out = population.folder, tmp_path / "pairs.csv"

    report = link(str(folder / "gp.csv"), str(folder / "hospital.xlsx"),
                  folder / "gp.mapping.yaml", folder / "hospital.mapping.yaml", out,
                  secret=new_secret(), as_of=AS_OF, labels=labels)  # fmt: skip

    assert report.warnings == (
        f"{labels}: 1 of 3 labelled pairs were ignored, naming records the sources do not "
        f"have (1 left ids are no record of {folder / 'gp.csv'}, 0 right ids no record of "
        f"{folder / 'hospital.xlsx'})",
    )
    assert report.to_json()["warnings"] == list(report.warnings)
