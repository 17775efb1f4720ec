"""What an assessment produces: per-check counts, per-dimension scores, the kitemark."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Dimension(StrEnum):
    """The six dimensions of the UK Government Data Quality Framework."""

    COMPLETENESS = "completeness"
    UNIQUENESS = "uniqueness"
    CONSISTENCY = "consistency"
    TIMELINESS = "timeliness"
    VALIDITY = "validity"
    ACCURACY = "accuracy"


class Kitemark(StrEnum):
    """A dataset's quality level, computed from its scores (criteria in docs/quality.md)."""

    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"
    NOT_YET_RATED = "not_yet_rated"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def rank(self) -> int:
        """Higher is better: an agreement requiring Silver accepts a rank of 2 or more."""
        return {"gold": 3, "silver": 2, "bronze": 1, "not_yet_rated": 0}[self.value]


@dataclass(frozen=True)
class CheckResult:
    """One check's counts: ``failed`` of ``total`` records (or values) failed it."""

    type: str
    dimension: Dimension
    field: str | None
    total: int
    failed: int

    @property
    def passed_share(self) -> float | None:
        return None if self.total == 0 else (self.total - self.failed) / self.total

    def as_json(self) -> dict[str, Any]:
        return {"type": self.type, "dimension": self.dimension.value, "field": self.field,
                "total": self.total, "failed": self.failed}  # fmt: skip


@dataclass(frozen=True)
class Sample:
    """Up to a few failing rows of one check, from the node's own snapshot."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Assessment:
    """A checklist run over one snapshot of a dataset."""

    dataset: str
    snapshot: str
    version: int
    as_of: date
    assessed_at: datetime
    checks: tuple[CheckResult, ...]
    scores: dict[Dimension, float | None]
    """Every dimension, in the framework's order: its score, or None where none was earned."""
    kitemark: Kitemark
    samples: dict[int, Sample] = field(default_factory=dict)
    """Failing rows by the position of their check in ``checks`` (only when asked for)."""
    reasons: dict[Dimension, str] = field(default_factory=dict)
    """Why each dimension without a score has none."""

    @property
    def scored(self) -> dict[Dimension, float]:
        """The dimensions that have a score."""
        return {d: s for d, s in self.scores.items() if s is not None}

    def as_json(self) -> dict[str, Any]:
        """The ``accord quality --json`` document."""
        return {
            "dataset": self.dataset,
            "snapshot": self.snapshot,
            "kitemark": self.kitemark.value,
            "scores": {d.value: self.scores.get(d) for d in Dimension},
            "reasons": {d.value: r for d, r in self.reasons.items()},
            "checks": [c.as_json() for c in self.checks],
        }
