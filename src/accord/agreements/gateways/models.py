"""The gateway finder's vocabulary: what a rules file holds, the answers, the proposal.

A rules file (``rules.yaml`` shipped here, and a steward's own) has seven lists, each of
entries with an ``id``: the ``purposes`` and ``party_kinds`` the questions offer, the
legal items a rule can propose (``article_6`` bases, ``article_9`` conditions with their
DPA 2018 Schedule 1 condition, ``article_10`` conditions for criminal offence data, and
statutory ``gateways``), each with its citation, the conditions it brings and a
``source``, and the ``rules`` that say when to propose which. The JSON Schema published
as ``docs/gateways.schema.json`` is generated from :class:`RuleFile`. The answers
(:class:`GatewayAnswers`) and the finder's :class:`GatewayProposal` follow.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from accord.agreements.lawful import (
    CRIMINAL_OFFENCE_PARAGRAPHS,
    SCHEDULE_1_PARAGRAPHS,
    SCHEDULE_1_PART,
    Article6,
    Article9,
    ScheduleOne,
)
from accord.agreements.models import NationalDataOptOut
from accord.store import NAME_PATTERN

Id = Annotated[str, Field(pattern=NAME_PATTERN, description="Lower case letters, digits, . _ -")]
Line = Annotated[str, Field(min_length=1, max_length=2000, description="Plain words")]
Url = Annotated[
    str,
    Field(pattern=r"^https://[^\s]+$", max_length=500,
          description="An https URL: legislation.gov.uk, or the ICO's or government's guidance"),
]  # fmt: skip
Name = Annotated[str, Field(min_length=1, max_length=200)]

MAX_ENTRIES = 500
"""Entries in one list of one rules file, at most."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class _Entry(_Strict):
    id: Id
    replaces: bool = Field(
        default=False,
        description="This entry replaces the one of the same id from an earlier file (a "
        "steward correcting a shipped entry); without it, an id already defined is refused.",
    )


class PurposeEntry(_Entry):
    """A purpose the questions offer (its id is the code an agreement's purpose gets)."""

    name: Name
    description: Line


class PartyKind(_Entry):
    """A kind of organisation a party can be, and the groups it belongs to."""

    name: Name
    public_body: bool = Field(description="Whether this kind is usually a public body.")
    groups: list[Id] = Field(
        default_factory=list,
        description="Groups rules and gateways name instead of listing kinds "
        "(category-1-responder, crime-and-disorder-authority ...).",
    )
    description: Line | None = None


class _Legal(_Entry):
    citation: Line = Field(description="The provisions, as a person would cite them.")
    conditions: list[Line] = Field(min_length=1, description="What relying on it requires.")
    source: Url = Field(description="Where the law (or the regulator's guidance) is.")
    guidance: list[Url] = Field(default_factory=list, description="Further reading.")


class BasisEntry(_Legal):
    """A UK GDPR Art 6(1) lawful basis."""

    article_6: Article6


class SpecialCategoryEntry(_Legal):
    """A UK GDPR Art 9(2) condition with the DPA 2018 Schedule 1 condition it needs."""

    article_9: Article9
    schedule_1: ScheduleOne | None = None

    @model_validator(mode="after")
    def _schedule_fits(self) -> Self:
        part = SCHEDULE_1_PART.get(self.article_9)
        sch1 = self.schedule_1
        if part is not None and sch1 is None:
            raise ValueError(f"Art 9 condition {self.article_9.value} needs a DPA 2018 "
                             f"Schedule 1 Part {part} condition (schedule_1)")  # fmt: skip
        if sch1 is not None and sch1.part != part:
            needs = f"Part {part}" if part else "no Schedule 1 condition"
            raise ValueError(f"schedule_1: Art 9 condition {self.article_9.value} needs "
                             f"{needs}, not Part {sch1.part}")  # fmt: skip
        if sch1 is not None:
            _paragraph_fits(sch1, SCHEDULE_1_PARAGRAPHS[sch1.part])
        return self


class CriminalOffenceEntry(_Legal):
    """A UK GDPR Art 10 condition: a Schedule 1 condition, or official authority."""

    schedule_1: ScheduleOne | None = None
    official_authority: Line | None = Field(
        default=None, description="The law that puts the processing under official authority."
    )

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if (self.schedule_1 is None) == (self.official_authority is None):
            raise ValueError("give either schedule_1 or official_authority")
        if self.schedule_1 is not None:
            _paragraph_fits(self.schedule_1, CRIMINAL_OFFENCE_PARAGRAPHS[self.schedule_1.part])
        return self


def _paragraph_fits(sch1: ScheduleOne, allowed: range | frozenset[int]) -> None:
    if sch1.paragraph not in allowed:
        raise ValueError(f"schedule_1: Part {sch1.part} paragraph {sch1.paragraph} cannot "
                         "carry this kind of data (docs/agreements.md, The law)")  # fmt: skip


class GatewayEntry(_Legal):
    """A statutory gateway: the power (or duty) in law to share."""

    act: Name = Field(description="The Act, with its year.")
    part: str | None = Field(default=None, max_length=20)
    chapter: str | None = Field(default=None, max_length=20)
    section: Name = Field(description="Section (or schedule or paragraph) giving the power.")
    description: Line
    covers: list[Id] = Field(
        default_factory=list,
        description="The kinds or groups of party the gateway covers; every other party "
        "is named in a warning with covers_note. Empty: it names no one.",
    )
    covers_note: Line | None = None
    outside_public_sector: Line | None = Field(
        default=None,
        description="A warning given when the data leaves the public sector (the gateway "
        "does not, or only partly, cover it).",
    )

    @model_validator(mode="after")
    def _noted(self) -> Self:
        if bool(self.covers) != (self.covers_note is not None):
            raise ValueError("covers and covers_note go together: say what a party it does "
                             "not cover should know")  # fmt: skip
        return self


class When(_Strict):
    """When a rule applies: every condition given must hold (an absent one always does)."""

    purposes: list[Id] = Field(default_factory=list, description="Any of these purposes.")
    special_category: bool | None = None
    criminal_offence: bool | None = None
    leaves_public_sector: bool | None = None
    every_party: list[Id] = Field(
        default_factory=list, description="Every party is of one of these kinds or groups."
    )
    some_party: list[Id] = Field(
        default_factory=list, description="At least one party is of one of these kinds or groups."
    )
    every_party_public: bool | None = Field(
        default=None, description="true: every party is a public body; false: one is not."
    )


class Propose(_Strict):
    """The ids of the legal items a rule proposes, best first."""

    article_6: list[Id] = Field(default_factory=list)
    article_9: list[Id] = Field(default_factory=list)
    article_10: list[Id] = Field(default_factory=list)
    gateways: list[Id] = Field(default_factory=list)


class Rule(_Entry):
    """When the answers fit ``when``, propose these items and give these warnings."""

    title: Name
    when: When = Field(default_factory=When)
    propose: Propose = Field(default_factory=Propose)
    national_data_opt_out: NationalDataOptOut | None = None
    warnings: list[Line] = Field(default_factory=list)
    source: Url = Field(description="Where the reasoning of the rule comes from.")

    @model_validator(mode="after")
    def _does_something(self) -> Self:
        proposed = self.propose
        if not (proposed.article_6 or proposed.article_9 or proposed.article_10
                or proposed.gateways or self.warnings or self.national_data_opt_out):  # fmt: skip
            raise ValueError("a rule proposes something or gives a warning")
        return self


def _entries(what: str) -> Any:
    return Field(default_factory=list, max_length=MAX_ENTRIES, description=what)


class RuleFile(_Strict):
    """A gateway rules file: the shipped one, or a steward's extension."""

    model_config = ConfigDict(title="Accord legal gateway rules", frozen=True, extra="forbid")

    purposes: list[PurposeEntry] = _entries("Purposes the questions offer.")
    party_kinds: list[PartyKind] = _entries("Kinds of party.")
    article_6: list[BasisEntry] = _entries("UK GDPR Art 6(1) bases.")
    article_9: list[SpecialCategoryEntry] = _entries("UK GDPR Art 9(2) conditions.")
    article_10: list[CriminalOffenceEntry] = _entries("UK GDPR Art 10 conditions.")
    gateways: list[GatewayEntry] = _entries("Statutory gateways.")
    rules: list[Rule] = _entries("When to propose what.")


SECTIONS = ("purposes", "party_kinds", "article_6", "article_9", "article_10", "gateways", "rules")
"""The lists of a rules file, in the order they are merged and checked."""


# The answers -------------------------------------------------------------------------


class GatewayParty(_Strict):
    """One party to the sharing: its kind, and whether it is a public body."""

    kind: Id
    public_body: bool | None = Field(
        default=None, description="Overrides the kind's usual answer (a school that is not)."
    )
    name: Name | None = Field(default=None, description="Its name, to show in warnings.")


class GatewayAnswers(_Strict):
    """The finder's questions, answered."""

    parties: list[GatewayParty] = Field(
        min_length=2, max_length=50, description="Every organisation in the sharing."
    )
    purposes: list[Id] = Field(min_length=1, max_length=10)
    special_category: bool = Field(
        default=False, description="Health, ethnicity or another Art 9 category is shared."
    )
    criminal_offence: bool = Field(
        default=False, description="Offences, allegations or convictions are shared (Art 10)."
    )
    leaves_public_sector: bool = Field(
        default=False, description="A party outside the public sector receives the data."
    )


# The proposal ------------------------------------------------------------------------


class _Proposed(_Strict):
    id: Id
    citation: str
    conditions: list[str]
    source: str
    guidance: list[str] = Field(default_factory=list)
    rules: list[Id] = Field(description="The rules that proposed it.")


class ProposedBasis(_Proposed):
    """A UK GDPR Art 6 basis that fits."""

    article_6: Article6


class ProposedCondition(_Proposed):
    """An Art 9 condition (with its Schedule 1 condition) that fits."""

    article_9: Article9
    schedule_1: ScheduleOne | None = None


class ProposedCriminalCondition(_Proposed):
    """An Art 10 condition that fits."""

    schedule_1: ScheduleOne | None = None
    official_authority: str | None = None


class ProposedGateway(_Proposed):
    """A statutory gateway that fits."""

    act: str
    part: str | None = None
    chapter: str | None = None
    section: str
    description: str


class ProposedPurpose(_Strict):
    """A purpose answered, as an agreement would name it."""

    id: Id
    name: str
    description: str


class GatewayProposal(_Strict):
    """What fits the answers, best first, with the warnings to read before relying on it."""

    answers: GatewayAnswers
    purposes: list[ProposedPurpose]
    article_6: list[ProposedBasis]
    article_9: list[ProposedCondition]
    article_10: list[ProposedCriminalCondition]
    gateways: list[ProposedGateway]
    national_data_opt_out: NationalDataOptOut | None = None
    warnings: list[str]
    rules: list[Id] = Field(description="The rules that applied, in order.")
    notice: str = Field(description="That this is guidance, not legal advice.")
