"""Scores per dimension and the kitemark they earn; the criteria are docs/quality.md's.

A dimension's score is the mean, over its checks that counted anything, of the share of
records that passed, as a percentage rounded *down* to one decimal place: a score never
shows more than was earned, and the kitemark is judged on the scores as shown. Every
dimension has an entry: None, with a reason (:func:`reasons`), where no check scored it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from accord.quality.models import CheckResult, Dimension, Kitemark


@dataclass(frozen=True)
class Level:
    """A kitemark's criteria: these dimensions assessed, and every score at least ``minimum``."""

    kitemark: Kitemark
    minimum: float
    dimensions: frozenset[Dimension]


LEVELS: tuple[Level, ...] = (
    Level(Kitemark.GOLD, 95.0, frozenset(Dimension)),
    Level(Kitemark.SILVER, 85.0, frozenset(Dimension) - {Dimension.ACCURACY}),
    Level(Kitemark.BRONZE, 70.0, frozenset({Dimension.COMPLETENESS, Dimension.VALIDITY})),
)
"""Best first; a dataset earns the first level whose criteria it meets."""


def scores(results: Iterable[CheckResult]) -> dict[Dimension, float | None]:
    """Every dimension's score, 0 to 100 (None where no check counted anything), in the
    framework's order."""
    shares: dict[Dimension, list[Fraction]] = {}
    for result in results:
        if result.total > 0:
            passed = Fraction(result.total - result.failed, result.total)
            shares.setdefault(result.dimension, []).append(passed)
    return {
        d: math.floor(sum(shares[d]) / len(shares[d]) * 1000) / 10 if d in shares else None
        for d in Dimension
    }


def reasons(
    results: Sequence[CheckResult], missing: Mapping[Dimension, str] | None = None
) -> dict[Dimension, str]:
    """Why each dimension that :func:`scores` leaves without a score has none.

    ``missing`` says why the checklist has no check of a dimension (the default
    checklist knows: no update frequency declared, no reference list configured).
    """
    scored = scores(results)
    found: dict[Dimension, str] = {}
    for d in Dimension:
        if scored[d] is not None:
            continue
        checks = [r for r in results if r.dimension is d]
        if checks:
            names = ", ".join(dict.fromkeys(r.type for r in checks))
            found[d] = f"its checks ({names}) found no record to judge"
        else:
            found[d] = (missing or {}).get(d, f"the checklist has no {d.value} check")
    return found


def kitemark(dimension_scores: Mapping[Dimension, float | None]) -> Kitemark:
    """The best level whose dimensions are all assessed and whose every score is high enough.

    Every assessed dimension counts, not only the required ones: a stale dataset earns
    no level however complete it is.
    """
    scored = {d: s for d, s in dimension_scores.items() if s is not None}
    for level in LEVELS:
        assessed = level.dimensions <= scored.keys()
        if assessed and all(s >= level.minimum for s in scored.values()):
            return level.kitemark
    return Kitemark.NOT_YET_RATED
