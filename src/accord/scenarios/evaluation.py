"""How decided pairs compare with a scenario's truth: precision, recall, F1."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from accord.scenarios.errors import ScenarioError


@dataclass(frozen=True)
class PairScores:
    """Pairs found against the true pairs between two organisations."""

    found: int
    true: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.true if self.true else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, object]:
        return {"pairs": self.found, "true_pairs": self.true, "correct": self.correct,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4)}  # fmt: skip


def _rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, strict=True)
            missing = set(columns) - set(reader.fieldnames or [])
            if missing:
                raise ScenarioError(f"{path}: no column {', '.join(sorted(missing))}")
            return list(reader)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read it ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        reason = f"byte {exc.start}: {exc.reason}"
        raise ScenarioError(f"{path}: not a UTF-8 CSV file ({reason})") from None
    except csv.Error as exc:
        raise ScenarioError(f"{path}: not a CSV file ({exc})") from None


def true_pairs(truth: Path, left: str, right: str) -> set[tuple[str, str]]:
    """Every (left record id, right record id) of the same person in ``truth.csv``."""
    people: dict[str, dict[str, list[str]]] = {}
    for row in _rows(truth, ("organisation", "record_id", "person_id")):
        people.setdefault(row["person_id"], {}).setdefault(row["organisation"], []).append(
            row["record_id"]
        )
    known = {org for p in people.values() for org in p}
    for side, org in (("left", left), ("right", right)):
        if org not in known:
            raise ScenarioError(
                f"{truth}: no record of organisation {org!r} (the {side} side); its "
                f"organisations are {', '.join(sorted(known)) or 'none'}"
            )
    return {(a, b) for p in people.values() for a in p.get(left, []) for b in p.get(right, [])}


def compare_pairs(found: set[tuple[str, str]], real: set[tuple[str, str]]) -> PairScores:
    """Pairs found against the true pairs."""
    return PairScores(found=len(found), true=len(real), correct=len(found & real))


def score_pairs(pairs: Path, truth: Path, left: str, right: str) -> PairScores:
    """Score ``pairs`` (``left_id,right_id,...`` as ``accord link`` writes) against the truth."""
    found = {(r["left_id"], r["right_id"]) for r in _rows(pairs, ("left_id", "right_id"))}
    return compare_pairs(found, true_pairs(truth, left, right))
