"""Dedupe: records of one source grouped into people."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from accord.linkage import LinkOptions, Mode, dedupe, new_secret
from tests.audit.support import nhs_number
from tests.linkage.conftest import AS_OF, Population


def _with_duplicates(population: Population, tmp: Path) -> tuple[Path, set[tuple[str, str]]]:
    """The GP extract with 40 of its records entered again under a new id, one a typo."""
    source = population.folder / "gp.csv"
    with source.open(encoding="cp1252", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
    again = []
    for i, row in enumerate(body[:400:10]):
        copy = list(row)
        copy[0] = f"DUP{i:03d}"
        if i % 2:  # a typo in the address on half of them
            copy[6] = copy[6].replace("a", "e", 1)
        again.append(copy)
    out = tmp / "gp-with-duplicates.csv"
    with out.open("w", encoding="cp1252", newline="") as fh:
        csv.writer(fh).writerows([header, *body, *again])
    truth = {(copy[0], original[0]) for original, copy in zip(body[:400:10], again, strict=True)}
    assert all(a < b for a, b in truth)  # DUP... sorts before G...
    return out, truth


def _clustered_pairs(path: Path) -> set[tuple[str, str]]:
    clusters: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            clusters.setdefault(row["cluster_id"], []).append(row["record_id"])
    return {(a, b) for ids in clusters.values() for a in ids for b in ids if a < b}


def test_dedupe_groups_records_entered_twice(population: Population, tmp_path: Path) -> None:
    source, truth = _with_duplicates(population, tmp_path)
    out = tmp_path / "clusters.csv"

    report = dedupe(str(source), population.folder / "gp.mapping.yaml", out, as_of=AS_OF)

    pairs = _clustered_pairs(out)
    assert truth <= pairs
    # Every record has a cluster; twins at one address (the twins check) stay apart.
    assert report.source.rows == len(out.read_text(encoding="utf-8").splitlines()) - 1
    assert pairs == truth


def test_dedupe_in_private_mode_finds_the_same(population: Population, tmp_path: Path) -> None:
    source, truth = _with_duplicates(population, tmp_path)
    out = tmp_path / "clusters.csv"

    dedupe(str(source), population.folder / "gp.mapping.yaml", out, mode=Mode.PRIVATE,
           secret=new_secret(), as_of=AS_OF)  # fmt: skip

    assert truth <= _clustered_pairs(out)


def _twins_and_a_chain(population: Population, tmp: Path) -> tuple[Path, dict[str, str]]:
    """The GP extract with, for three people, a twin added: the same name, birthday and
    sex, another valid NHS number, living elsewhere (so the household check, which
    compares people at one postcode, cannot tell them apart). The third person is also
    entered again without an NHS number, which links to both: a chain from one valid
    number to the other. Returns the added records and whom each stands beside."""
    with (population.folder / "gp.csv").open(encoding="cp1252", newline="") as fh:
        rows = list(csv.DictReader(fh))
    numbers = (n for n in (nhs_number(900_000_000 + i) for i in range(100)) if n)
    people = [r for r in rows if r["NHSNumber"] and r["PostCode"]][:3]
    added: dict[str, str] = {}
    extra = []
    for i, person in enumerate(people):
        twin = {**person, "PatientID": f"TWIN{i}", "NHSNumber": next(numbers),
                "PostCode": "ZZ99 9ZZ", "Address1": f"{i + 1} Far Away Road"}  # fmt: skip
        extra.append(twin)
        added[twin["PatientID"]] = person["PatientID"]
    again = {**people[2], "PatientID": "AGAIN2", "NHSNumber": ""}
    extra.append(again)
    added["AGAIN2"] = people[2]["PatientID"]
    out = tmp / "gp-with-twins.csv"
    with out.open("w", encoding="cp1252", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([*rows, *extra])
    return out, added


def _cluster_of(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["record_id"]: r["cluster_id"] for r in csv.DictReader(fh)}


@pytest.mark.parametrize("mode", [Mode.PLAINTEXT, Mode.PRIVATE])
def test_different_valid_nhs_numbers_are_never_one_person(
    population: Population, tmp_path: Path, mode: Mode
) -> None:
    source, added = _twins_and_a_chain(population, tmp_path)
    out = tmp_path / "clusters.csv"

    report = dedupe(str(source), population.folder / "gp.mapping.yaml", out, mode=mode,
                    secret=new_secret() if mode is Mode.PRIVATE else None,
                    as_of=AS_OF)  # fmt: skip

    cluster = _cluster_of(out)
    for twin in ("TWIN0", "TWIN1", "TWIN2"):
        assert cluster[twin] != cluster[added[twin]], twin
    # The record without a number goes with one of the two, never both.
    assert cluster["AGAIN2"] in (cluster["TWIN2"], cluster[added["TWIN2"]])
    assert report.kept_apart >= 3
    assert report.to_json()["joins_kept_apart_by_nhs_number"] == report.kept_apart


def test_a_source_that_reuses_numbers_may_join_them(population: Population, tmp_path: Path) -> None:
    source, added = _twins_and_a_chain(population, tmp_path)
    out = tmp_path / "clusters.csv"

    report = dedupe(str(source), population.folder / "gp.mapping.yaml", out,
                    options=LinkOptions(nhs_numbers_reused=True), as_of=AS_OF)  # fmt: skip

    # Without the rule, the model puts each twin with the other (what the rule prevents).
    cluster = _cluster_of(out)
    for twin, person in added.items():
        assert cluster[twin] == cluster[person], twin
    assert report.kept_apart == 0
