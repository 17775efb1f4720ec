"""What the privacy context works with: the facts of one disclosure, and its outcomes.

The facts (:class:`Disclosure` with its :class:`LawfulBasis` and :class:`Output`), what
may leave (:class:`Minimisation`, its identifier :class:`Treatment` and its
:class:`RowFilter` conditions), then the outcomes (:class:`Disclosed`, :class:`OptOutRuling`,
:class:`KAnonymity`); and how an opt-out scheme is explained to the people it protects
(:class:`SchemeText`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from accord.store import check_name

MAX_VALUES = 1000
"""Values one row filter may list, at most."""


class LawfulBasis(StrEnum):
    """The basis of the processing a disclosure serves, by the names the agreements use:
    UK GDPR Article 6(1), or DPA 2018 Part 3 s35(2) for a competent authority's law
    enforcement purpose."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"
    LAW_ENFORCEMENT_CONSENT = "law_enforcement_consent"
    """DPA 2018 s35(2)(a): law enforcement processing with the person's consent."""
    LAW_ENFORCEMENT_TASK = "law_enforcement_task"
    """DPA 2018 s35(2)(b): necessary for a task of a competent authority."""

    @property
    def law_enforcement(self) -> bool:
        """Whether the processing is under DPA 2018 Part 3, not the UK GDPR."""
        return self in (LawfulBasis.LAW_ENFORCEMENT_CONSENT, LawfulBasis.LAW_ENFORCEMENT_TASK)


class Output(StrEnum):
    """What leaves the node: records with identifiers, pseudonymised records, or counts."""

    IDENTIFIABLE = "identifiable"
    PSEUDONYMISED = "pseudonymised"
    AGGREGATE = "aggregate"


class Treatment(StrEnum):
    """What minimisation does with an identifier the recipient may not see as it is."""

    PSEUDONYMISE = "pseudonymise"
    """Replaced by a pseudonym keyed to the agreement."""
    LINKAGE_ID = "linkage_id"
    """Replaced by the record's linkage id (a column the extract already carries)."""
    DROP = "drop"


@dataclass(frozen=True)
class Disclosure:
    """The facts about one disclosure that privacy rules turn on, from its agreement.

    The exchange builds this from the agreement and the decision; privacy does not read
    agreements itself, so its rules can be tested on every combination of facts.
    """

    agreement_id: str
    lawful_basis: LawfulBasis
    purpose: str
    """The purpose's code, e.g. ``direct_care``, ``planning``, ``research``."""
    output: Output
    national_opt_out_applies: bool = True
    """What the agreement says; the rules may still exempt the disclosure."""
    overriding_public_interest: bool = False
    """An exemption the agreement records (e.g. a communicable disease emergency)."""

    def __post_init__(self) -> None:
        check_name(self.agreement_id, "disclosure agreement id")
        check_name(self.purpose, "disclosure purpose")


@dataclass(frozen=True)
class OptOutRuling:
    """Whether one opt-out scheme's register applies to a disclosure, and why."""

    scheme: str
    applies: bool
    reason: str


@dataclass(frozen=True)
class SchemeText:
    """An opt-out scheme in the words of the people it protects (the portal shows them):
    what opting out means, where it does not apply (its rule's exemptions, in plain
    words), and whether the person may opt out or withdraw themselves once an identity
    provider has verified them (``self_service``), or only through staff, who record it
    on their behalf when the law needs someone to decide (``how_to`` says how to ask)."""

    title: str
    summary: str
    exemptions: tuple[str, ...] = ()
    self_service: bool = False
    how_to: str = ""


class RowOperator(StrEnum):
    """How a row filter compares a field with its value (the agreements' operators)."""

    EQUALS = "equals"
    IN = "in"
    NOT_IN = "not_in"
    STARTS_WITH = "starts_with"
    BEFORE = "before"
    ON_OR_AFTER = "on_or_after"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


Scalar = bool | int | float | str | date


@dataclass(frozen=True)
class RowFilter:
    """A condition every disclosed row must meet; a row whose field is blank meets none.

    ``value`` is typed by the operator: ``equals`` a flag, whole number or text; ``in``
    and ``not_in`` a tuple of texts or of whole numbers; ``starts_with`` a tuple of texts;
    ``before`` and ``on_or_after`` a date; ``at_least`` and ``at_most`` a number.
    """

    field: str
    operator: RowOperator
    value: Scalar | tuple[Scalar, ...]

    def __post_init__(self) -> None:
        problem = _filter_problem(self.operator, self.value)
        if problem:
            raise ValueError(f"row filter on {self.field!r}: {self.operator.value} {problem}")


def _filter_problem(op: RowOperator, value: object) -> str | None:
    if op in (RowOperator.IN, RowOperator.NOT_IN, RowOperator.STARTS_WITH):
        if not isinstance(value, tuple) or not 0 < len(value) <= MAX_VALUES:
            return f"needs a tuple of 1 to {MAX_VALUES} values"
        kinds = (str,) if op is RowOperator.STARTS_WITH else (str, int)
        if (
            len({type(v) for v in value}) != 1
            or not isinstance(value[0], kinds)
            or (isinstance(value[0], bool))
        ):
            return "needs values all text" + ("" if op is RowOperator.STARTS_WITH
                                              else " or all whole numbers")  # fmt: skip
        return None
    if op in (RowOperator.BEFORE, RowOperator.ON_OR_AFTER):
        return None if isinstance(value, date) else "needs a date"
    if op in (RowOperator.AT_LEAST, RowOperator.AT_MOST):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return None if number else "needs a number"
    return None if isinstance(value, bool | int | str) else "needs a flag, whole number or text"


@dataclass(frozen=True)
class Minimisation:
    """The fields a decision allows, what happens to the identifiers among them, and the
    rows that may leave (every filter met)."""

    fields: tuple[str, ...]
    """Columns that may leave, in this order (identifiers among them are treated)."""
    identifiers: dict[str, Treatment] = field(default_factory=dict)
    rows: tuple[RowFilter, ...] = ()
    """Conditions on the rows, from the agreement's row conditions; read from the extract
    even when their fields do not leave."""


@dataclass(frozen=True)
class Disclosed:
    """What one disclosure wrote."""

    rows_in: int
    rows_out: int
    opted_out: int
    """Rows withheld because the person opted out under a scheme that applies."""
    unchecked: int
    """Rows withheld because they had no subject to look up in a register that applies."""
    rulings: tuple[OptOutRuling, ...]
    key_version: int | None
    """The pseudonymisation key version used, if any identifier was pseudonymised."""
    outside_conditions: int = 0
    """Rows withheld because they do not meet the minimisation's row filters."""


@dataclass(frozen=True)
class KAnonymity:
    """How identifiable the rows of a record-level output are by their quasi-identifiers."""

    k: int
    """The size asked for: every combination must be shared by at least k rows."""
    smallest: int
    """The smallest group of rows sharing one combination (0 for no rows)."""
    groups_below: int
    rows_below: int

    @property
    def satisfied(self) -> bool:
        return self.rows_below == 0
