"""A generated GP and hospital population, standardised once for every linkage test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from accord.scenarios import compare_pairs, generate, true_pairs
from accord.sources import Standardised, standardise
from accord.store import Settings, duckdb_session

AS_OF = date(2026, 11, 22)


@dataclass(frozen=True)
class Population:
    folder: Path
    gp: Standardised
    hospital: Standardised
    true_pairs: set[tuple[str, str]]


def _standardise(folder: Path, name: str, source: str) -> Standardised:
    conn = duckdb_session(Settings(), folder / "spill")
    try:
        return standardise(str(folder / source), folder / f"{name}.mapping.yaml",
                           folder / f"{name}.std.parquet", conn=conn, scratch=folder,
                           chunk_rows=10_000, as_of=AS_OF)  # fmt: skip
    finally:
        conn.close()


@pytest.fixture(scope="session")
def population(tmp_path_factory: pytest.TempPathFactory) -> Population:
    folder = tmp_path_factory.mktemp("population")
    generate("gp-hospital-council", 1200, folder, seed=11, organisations=["gp", "hospital"],
             as_of=AS_OF)  # fmt: skip
    gp = _standardise(folder, "gp", "gp.csv")
    hospital = _standardise(folder, "hospital", "hospital.xlsx")
    return Population(folder, gp, hospital, true_pairs(folder / "truth.csv", "gp", "hospital"))


def scores(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float, float]:
    """Precision, recall and F1 of ``found`` against ``truth``."""
    result = compare_pairs(found, truth)
    return result.precision, result.recall, result.f1
