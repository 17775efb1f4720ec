"""Scores per dimension and the kitemark they earn; the criteria are docs/quality.md's.

A dimension's score is the mean, over its checks that counted anything, of the share of
records that passed, as a percentage rounded *down* to one decimal place: a score never
shows more than was earned, and the kitemark is judged on the scores as shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
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


def scores(results: Iterable[CheckResult]) -> dict[Dimension, float]:
    """Each assessed dimension's score, 0 to 100, in the framework's order."""
    shares: dict[Dimension, list[Fraction]] = {}
    for result in results:
        if result.total > 0:
            passed = Fraction(result.total - result.failed, result.total)
            shares.setdefault(result.dimension, []).append(passed)
    return {
        d: math.floor(sum(shares[d]) / len(shares[d]) * 1000) / 10 for d in Dimension if d in shares
    }


def kitemark(dimension_scores: Mapping[Dimension, float]) -> Kitemark:
    """The best level whose dimensions are all assessed and whose every score is high enough.

    Every assessed dimension counts, not only the required ones: a stale dataset earns
    no level however complete it is.
    """
    for level in LEVELS:
        assessed = level.dimensions <= dimension_scores.keys()
        if assessed and all(s >= level.minimum for s in dimension_scores.values()):
            return level.kitemark
    return Kitemark.NOT_YET_RATED
