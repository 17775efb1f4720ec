"""Dedupe: records of one source grouped into people."""

from __future__ import annotations

import csv
from pathlib import Path

from accord.linkage import Mode, dedupe, new_secret
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
