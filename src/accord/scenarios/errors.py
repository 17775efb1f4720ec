"""Errors raised while generating a scenario.

Every error is a ``ScenarioError``; those caused by a bad argument are also
``ValueError`` so callers that only know the standard library still catch them.
"""

from __future__ import annotations

from collections.abc import Iterable


class ScenarioError(Exception):
    """Base of every error raised by ``accord.scenarios``."""


class UnknownScenario(ScenarioError, ValueError):
    """The scenario name is not one this package can generate."""

    def __init__(self, name: str, valid: Iterable[str]) -> None:
        self.name = name
        self.valid = tuple(valid)
        super().__init__(f"unknown scenario {name!r}; choose one of: {', '.join(self.valid)}")


class UnknownOrganisation(ScenarioError, ValueError):
    """An organisation was asked for that the scenario does not have."""

    def __init__(self, name: str, valid: Iterable[str]) -> None:
        self.name = name
        self.valid = tuple(valid)
        super().__init__(f"unknown organisation {name!r}; choose from: {', '.join(self.valid)}")


class InvalidRate(ScenarioError, ValueError):
    """An error or coverage rate is not a probability between 0 and 1."""

    def __init__(self, field: str, value: float) -> None:
        self.field = field
        self.value = value
        super().__init__(f"rate {field} must be between 0 and 1, got {value!r}")


class InvalidPopulationSize(ScenarioError, ValueError):
    """The number of people asked for is negative."""

    def __init__(self, people: int) -> None:
        self.people = people
        super().__init__(f"people must be zero or more, got {people!r}")
