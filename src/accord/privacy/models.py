"""What the privacy context works with: the facts of one disclosure, and its outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from accord.store import check_name


class LawfulBasis(StrEnum):
    """UK GDPR Article 6(1), by the names the agreements use."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"


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
class Minimisation:
    """The fields a decision allows, and what happens to the identifiers among them."""

    fields: tuple[str, ...]
    """Columns that may leave, in this order (identifiers among them are treated)."""
    identifiers: dict[str, Treatment] = field(default_factory=dict)


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
