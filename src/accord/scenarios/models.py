"""The values the scenarios package hands out.

``Person`` is one member of the true population, ``ErrorRates`` every knob of the
population shape and the error model, and ``GenerationResult`` what ``generate``
wrote.  All three are frozen: a scenario is a pure function of its arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

from accord.scenarios.errors import InvalidRate

RateKind = Literal["coverage", "population", "error"]


@dataclass(frozen=True, slots=True)
class Person:
    """One real person: the values every extract is a (noisy) copy of."""

    person_id: str
    given_name: str
    middle_names: str
    family_name: str
    date_of_birth: date
    sex: Literal["male", "female"]
    nhs_number: str
    ni_number: str
    postcode: str
    flat: str
    house_number: str
    street: str
    town: str
    phone: str
    email: str
    twin_of: str = ""

    @property
    def address(self) -> str:
        """The address as one line, e.g. ``Flat 2, 14 Mill Lane, Leeds``."""
        first = f"{self.house_number} {self.street}"
        return ", ".join(part for part in (self.flat, first, self.town) if part)


def _rate(default: float, kind: RateKind) -> Any:
    return field(default=default, metadata={"kind": kind})


@dataclass(frozen=True, slots=True)
class ErrorRates:
    """Every probability the generator uses, each in [0, 1].

    Coverage rates say who is in each extract.  Population rates shape the true
    population.  Error rates are applied independently to each extract record; a
    rate that only makes sense for some records (nicknames need a name that has
    one) is the chance for an *eligible* record.  docs/scenarios.md lists them all.
    """

    # Coverage: the chance that a person has a record at each organisation.
    gp_coverage: float = _rate(0.9, "coverage")
    hospital_coverage: float = _rate(0.4, "coverage")
    council_coverage: float = _rate(0.6, "coverage")

    # Population shape.
    twins: float = _rate(0.015, "population")
    common_given_name: float = _rate(0.08, "population")
    common_family_name: float = _rate(0.08, "population")
    accented_given_name: float = _rate(0.03, "population")
    accented_family_name: float = _rate(0.01, "population")
    punctuated_family_name: float = _rate(0.04, "population")
    middle_name: float = _rate(0.6, "population")
    second_middle_name: float = _rate(0.1, "population")
    flat: float = _rate(0.12, "population")

    # Recording errors, per eligible extract record.
    nickname: float = _rate(0.05, "error")
    name_typo: float = _rate(0.03, "error")
    name_swap: float = _rate(0.01, "error")
    dob_day_month_swap: float = _rate(0.01, "error")
    dob_year_typo: float = _rate(0.005, "error")
    married_name: float = _rate(0.02, "error")
    moved_house: float = _rate(0.05, "error")
    nhs_missing: float = _rate(0.03, "error")
    council_nhs_missing: float = _rate(0.6, "error")
    nhs_typo: float = _rate(0.005, "error")
    accents_dropped: float = _rate(0.3, "error")
    punctuation_dropped: float = _rate(0.3, "error")
    postcode_format: float = _rate(0.1, "error")
    phone_format: float = _rate(0.2, "error")
    ni_format: float = _rate(0.2, "error")
    title_prefix: float = _rate(0.1, "error")
    address_newline: float = _rate(0.01, "error")
    broken_row: float = _rate(0.002, "error")
    phone_unusable: float = _rate(0.01, "error")
    missing_middle_names: float = _rate(0.1, "error")
    missing_date_of_birth: float = _rate(0.002, "error")
    missing_sex: float = _rate(0.005, "error")
    missing_postcode: float = _rate(0.01, "error")
    missing_address: float = _rate(0.01, "error")
    missing_phone: float = _rate(0.15, "error")
    missing_email: float = _rate(0.3, "error")
    missing_ni_number: float = _rate(0.2, "error")

    def __post_init__(self) -> None:
        for name in self.names():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidRate(name, value)
            if not 0.0 <= value <= 1.0:
                raise InvalidRate(name, value)

    @classmethod
    def names(cls, kind: RateKind | None = None) -> tuple[str, ...]:
        """The rate names, optionally only those of one kind."""
        return tuple(f.name for f in fields(cls) if kind is None or f.metadata["kind"] == kind)

    @classmethod
    def without_errors(cls, **overrides: float) -> ErrorRates:
        """Default coverage and population, every error rate 0, then ``overrides``."""
        zeros = dict.fromkeys(cls.names("error"), 0.0)
        return replace(cls(), **{**zeros, **overrides})


@dataclass(frozen=True, slots=True)
class GenerationResult:
    """What one call of ``generate`` wrote."""

    scenario: str
    seed: int
    people: int
    out: Path
    files: tuple[Path, ...]
    records: Mapping[str, int]
    """Extract records written, per organisation (only those generated)."""
