"""Synthetic UK populations and the legacy extracts organisations would hold on them.

How the package is organised:

- ``models``: ``Person`` (the truth), ``ErrorRates`` (every rate, with defaults),
  ``GenerationResult``;
- ``population``: the seeded true population, identifier rules and address drawing;
- ``corruption``: the error model turning a person into one organisation's record;
- ``extracts``: one writer per file shape (GP CSV, hospital Excel, council SQLite,
  plus ``population.csv`` and ``truth.csv``) and the YAML column mappings;
- ``service``: ``generate``, which streams people through all of the above;
- ``evaluation``: ``score_pairs``, decided pairs against the truth (precision, recall, F1);
- ``errors``: ``ScenarioError`` and its subclasses.

docs/scenarios.md describes every file, column and rate.
"""

from accord.scenarios.errors import ScenarioError, UnknownScenario
from accord.scenarios.evaluation import PairScores, compare_pairs, score_pairs, true_pairs
from accord.scenarios.models import ErrorRates, GenerationResult, Person
from accord.scenarios.service import SCENARIOS, generate

__all__ = [
    "SCENARIOS",
    "ErrorRates",
    "GenerationResult",
    "PairScores",
    "Person",
    "ScenarioError",
    "UnknownScenario",
    "compare_pairs",
    "generate",
    "score_pairs",
    "true_pairs",
]
