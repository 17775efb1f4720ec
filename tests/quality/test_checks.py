"""Each built-in check on clean and dirty records, with the exact counts it must give."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from accord.quality import CheckResult, Dimension, assess, check_types
from accord.store import Workspace
from tests.quality.support import AS_OF, CLEAN, counts, ingest_rows, nhs, only, run

FIELDS = ("record_id", "given_name", "family_name", "date_of_birth", "sex", "nhs_number",
          "ni_number", "postcode", "address")  # fmt: skip
# (type, field, total, failed) of the default checklist over the dirty records.
DIRTY_DEFAULTS = [
    ("completeness", "record_id", 6, 0),
    ("completeness", "given_name", 6, 0),
    ("completeness", "family_name", 6, 0),
    ("completeness", "date_of_birth", 6, 1),
    ("completeness", "sex", 6, 0),
    ("completeness", "nhs_number", 6, 1),
    ("completeness", "ni_number", 6, 1),
    ("completeness", "postcode", 6, 0),
    ("completeness", "address", 6, 1),
    ("validity", "date_of_birth", 5, 1),
    ("validity", "sex", 6, 1),
    ("validity", "nhs_number", 5, 2),
    ("validity", "ni_number", 5, 1),
    ("validity", "postcode", 6, 1),
    ("unique", "record_id", 6, 1),
    ("duplicate_persons", None, 6, 1),
    ("title_sex", None, 4, 1),
    ("postcode_town", None, 5, 1),
    ("shared_nhs_number", None, 5, 3),
]


def test_default_checklist_on_dirty_records_counts_each_fault(dirty: Workspace) -> None:
    found = assess(dirty, "people", save=False, today=AS_OF)
    assert [(c.type, c.field, c.total, c.failed) for c in found.checks] == DIRTY_DEFAULTS


def test_default_checklist_on_clean_records_fails_nothing(clean: Workspace) -> None:
    found = assess(clean, "people", save=False, today=AS_OF)
    assert [(c.type, c.field) for c in found.checks] == [(t, f) for t, f, _, _ in DIRTY_DEFAULTS]
    assert [c.failed for c in found.checks] == [0] * len(DIRTY_DEFAULTS)
    assert {c.total for c in found.checks if c.type == "completeness"} == {3}
    assert found.scored == dict.fromkeys(
        (Dimension.COMPLETENESS, Dimension.UNIQUENESS, Dimension.CONSISTENCY, Dimension.VALIDITY),
        100.0,
    )


def test_every_check_is_tagged_with_a_framework_dimension() -> None:
    assert {cls.dimension for cls in check_types().values()} == set(Dimension)


def test_completeness_of_an_attribute(dirty: Workspace) -> None:
    assert counts(run(dirty, "checks: [{type: completeness, field: ward}]")) == [
        ("completeness", "ward", 6, 1)
    ]


def test_validity_ignores_the_codes_it_is_told_to(dirty: Workspace) -> None:
    text = "checks: [{type: validity, field: nhs_number, ignore: [format]}]"
    assert only(run(dirty, text)).failed == 1


def test_ambiguous_dates_are_valid_unless_a_checklist_says_otherwise(
    sqlite_workspace: Workspace,
) -> None:
    ingest_rows(sqlite_workspace, [*CLEAN, f"4,Ann Bell,03/04/1990,F,{nhs(400004000)},,,,"])
    assert only(run(sqlite_workspace, "checks: [{type: validity, field: date_of_birth}]")) == (
        CheckResult("validity", Dimension.VALIDITY, "date_of_birth", 4, 0)
    )
    text = "checks: [{type: validity, field: date_of_birth, ignore: []}]"
    assert only(run(sqlite_workspace, text)).failed == 1


def test_unique_on_another_field(dirty: Workspace) -> None:
    # NHS numbers: A on rows 1, 2 and 5, then three others: two repeats of five given.
    assert only(run(dirty, "checks: [{type: unique, field: nhs_number}]")).failed == 2


def test_duplicate_persons_on_chosen_keys(dirty: Workspace) -> None:
    text = "checks: [{type: duplicate_persons, keys: [[nhs_number]]}]"
    assert (only(run(dirty, text)).total, only(run(dirty, text)).failed) == (6, 2)


def test_duplicate_persons_from_dedupe_clusters(dirty: Workspace) -> None:
    (dirty.root / "clusters.csv").write_text(
        "record_id,cluster_id\n1,a\n3,b\n4,c\n5,c\n6,c\n", encoding="utf-8"
    )
    result = only(run(dirty, "checks: [{type: duplicate_persons, clusters: clusters.csv}]"))
    # Cluster c holds three records: two beyond its first.
    assert (result.total, result.failed) == (6, 2)


def test_shared_nhs_number_compares_the_fields_it_is_given(dirty: Workspace) -> None:
    text = "checks: [{type: shared_nhs_number, differ_on: [sex]}]"
    # Number A: male and female records (rows 1, 2, 5 all carry it).
    assert only(run(dirty, text)).failed == 3
    text = "checks: [{type: shared_nhs_number, differ_on: [family_name]}]"
    assert only(run(dirty, text)).failed == 3
    text = "checks: [{type: shared_nhs_number, differ_on: [postcode_area]}]"
    assert only(run(dirty, text)).failed == 3


def test_postcode_town_takes_more_towns_per_area(dirty: Workspace) -> None:
    text = "checks: [{type: postcode_town, towns: {LS: [manchester]}}]"
    assert (only(run(dirty, text)).total, only(run(dirty, text)).failed) == (5, 0)


@pytest.mark.parametrize(
    ("age", "failed"), [(0, 0), (31, 0), (32, 1)], ids=["same-day", "limit", "one-day-over"]
)
def test_timeliness_against_the_declared_frequency(clean: Workspace, age: int, failed: int) -> None:
    text = "checks: [{type: timeliness, update_frequency: monthly}]"
    result = only(run(clean, text, today=AS_OF + timedelta(days=age)))
    assert (result.type, result.field, result.total, result.failed) == (
        "timeliness",
        None,
        1,
        failed,
    )


def test_timeliness_with_a_maximum_age(clean: Workspace) -> None:
    text = "checks: [{type: timeliness, max_age_days: 0}]"
    assert only(run(clean, text, today=AS_OF + timedelta(days=1))).failed == 1


def _directory(folder: Path, *postcodes: str) -> None:
    lines = ["pcds,lat", *(f"{p},0" for p in postcodes)]
    (folder / "directory.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_in_reference_counts_valid_values_missing_from_the_list(dirty: Workspace) -> None:
    _directory(dirty.root, "LS1 4AP", "ls14ap", "M1 1AA")
    text = "checks: [{type: in_reference, field: postcode, reference: directory.csv, column: pcds}]"
    # Valid postcodes on rows 1, 2, 3, 5, 6; only B1 1AA (row 5) is not in the directory.
    assert counts(run(dirty, text)) == [("in_reference", "postcode", 5, 1)]


def test_in_reference_exact_comparison(dirty: Workspace) -> None:
    _directory(dirty.root, "ls14ap", "M1 1AA", "B1 1AA")
    text = (
        "checks: [{type: in_reference, field: postcode, reference: directory.csv, "
        "column: pcds, compare: exact}]"
    )
    assert only(run(dirty, text)).failed == 3


def test_in_reference_reads_parquet(clean: Workspace) -> None:
    import duckdb

    target = clean.root / "directory.parquet"
    duckdb.execute(
        f"COPY (SELECT * FROM (VALUES ('LS1 4AP'), ('M1 1AA'), ('B1 1AA')) t(pcds)) "
        f"TO '{target}' (FORMAT parquet)"
    )
    text = (
        "checks: [{type: in_reference, field: postcode, reference: directory.parquet, "
        "column: pcds}]"
    )
    assert counts(run(clean, text)) == [("in_reference", "postcode", 3, 0)]


def test_samples_are_the_failing_rows_in_source_order(dirty: Workspace) -> None:
    found = run(dirty, "checks: [{type: validity, field: nhs_number}]", samples=5)
    sample = found.samples[0]
    assert sample.columns[:2] == ("source_row", "record_id")
    assert [row[1] for row in sample.rows] == ["3", "6"]
    raw = sample.columns.index("nhs_number_issue")
    assert [row[raw] for row in sample.rows] == ["check_digit", "format"]


def test_no_samples_for_passing_checks_or_unless_asked(clean: Workspace, dirty: Workspace) -> None:
    assert run(clean, "checks: [{type: unique}]", samples=5).samples == {}
    assert run(dirty, "checks: [{type: unique}]").samples == {}
