"""Linkage ids: a pair shares one; a re-run on refreshed data keeps them."""

from __future__ import annotations

import csv
from pathlib import Path

from accord.linkage import link, new_secret
from tests.linkage.conftest import AS_OF, Population


def _ids(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["record_id"]: r["linkage_id"] for r in csv.DictReader(fh)}


def _pairs(path: Path) -> set[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {(r["left_id"], r["right_id"]) for r in csv.DictReader(fh)}


def _refreshed(population: Population, tmp: Path) -> Path:
    """The GP extract a month later: a tenth of the patients gone, a few new, some moved."""
    with (population.folder / "gp.csv").open(encoding="cp1252", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
    kept = [r for i, r in enumerate(body) if i % 10]
    for i, row in enumerate(kept[:200:4]):  # moved house: new first address line
        row[6] = f"{i + 1} New Street"
    new = [[f"N{i:05d}", "NEWMAN, Alex", "01/01/1990", "M", "", "", "", "", "", "", "", ""]
           for i in range(5)]  # fmt: skip
    out = tmp / "gp-refreshed.csv"
    with out.open("w", encoding="cp1252", newline="") as fh:
        csv.writer(fh).writerows([header, *kept, *new])
    return out


def test_ids_are_shared_by_pairs_and_kept_across_a_refresh(
    population: Population, tmp_path: Path
) -> None:
    folder, ids = population.folder, tmp_path / "ids"
    secret = new_secret()
    args = (str(folder / "hospital.xlsx"), folder / "gp.mapping.yaml",
            folder / "hospital.mapping.yaml")  # fmt: skip

    link(str(folder / "gp.csv"), args[0], args[1], args[2], tmp_path / "p1.csv", secret=secret,
         as_of=AS_OF, ids=ids)  # fmt: skip
    first_left, first_right = _ids(ids / "left.csv"), _ids(ids / "right.csv")
    first_pairs = _pairs(tmp_path / "p1.csv")
    link(str(_refreshed(population, tmp_path)), args[0], args[1], args[2], tmp_path / "p2.csv",
         secret=new_secret(), as_of=AS_OF, ids=ids)  # fmt: skip
    second_left, second_right = _ids(ids / "left.csv"), _ids(ids / "right.csv")
    second_pairs = _pairs(tmp_path / "p2.csv")

    # A pair shares its id, and every id is one person's.
    assert all(first_left[a] == first_right[b] for a, b in first_pairs)
    assert len(set(second_left.values())) == len(second_left)
    # Whoever is in both runs keeps the id: the pairs decided twice, and the records
    # left on their own twice.
    for a, b in first_pairs & second_pairs:
        assert second_left[a] == first_left[a] == second_right[b]
    alone = set(first_right) - {b for _, b in first_pairs} - {b for _, b in second_pairs}
    assert alone
    assert all(second_right[b] == first_right[b] for b in alone)
    # The new patients have new ids.
    assert {second_left[f"N{i:05d}"] for i in range(5)}.isdisjoint(first_left.values())
    assert len(first_pairs & second_pairs) > 0.85 * len(first_pairs)
