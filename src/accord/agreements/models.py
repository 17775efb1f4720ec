"""The data sharing agreement: every field of the ICO data sharing code's checklist.

Enumerations first (roles, treatments, kitemark levels, statuses), then the parts of an
agreement, then :class:`Agreement` itself with the rules that span parts (every
organisation named is a party, row conditions name the dataset's fields, dates run in
order). The lawful basis and its rules (Art 6, 9 and 10, DPA 2018 Schedule 1, Part 3 with
Schedule 8) live in ``lawful``, the row condition language in ``conditions``. The JSON
Schema published in ``docs/agreement.schema.json`` is generated from these models.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from accord.agreements.conditions import RowCondition
from accord.agreements.lawful import LawfulBasis, law_problems
from accord.agreements.types import AgreementId, DatasetName, KeyId, OrgId, PurposeCode
from accord.store import NAME_PATTERN

SLUG = NAME_PATTERN
"""Ids, organisations, purposes, datasets and fields: the one identifier pattern."""
Slug = Annotated[str, Field(pattern=SLUG, description="Lower case letters, digits, . _ -")]
Text = Annotated[str, Field(min_length=1, description="Plain words, not empty")]


class Role(StrEnum):
    """A party's role in the sharing (UK GDPR Art 4 and 26)."""

    CONTROLLER = "controller"
    JOINT_CONTROLLER = "joint_controller"
    PROCESSOR = "processor"
    RECIPIENT = "recipient"


RECEIVING_ROLES = frozenset({Role.CONTROLLER, Role.JOINT_CONTROLLER, Role.RECIPIENT})
"""Roles that may receive data for their own use; a processor acts for a controller."""


class ContactRole(StrEnum):
    """Named contacts the ICO code expects an agreement to give."""

    DATA_PROTECTION_OFFICER = "data_protection_officer"
    SENIOR_INFORMATION_RISK_OWNER = "senior_information_risk_owner"
    CALDICOTT_GUARDIAN = "caldicott_guardian"
    INFORMATION_GOVERNANCE_LEAD = "information_governance_lead"
    OPERATIONAL_LEAD = "operational_lead"


class Treatment(StrEnum):
    """How a field may leave its provider."""

    IDENTIFYING = "identifying"
    PSEUDONYMISED = "pseudonymised"
    AGGREGATE = "aggregate"


class Kitemark(StrEnum):
    """Data quality kitemark levels, best first; the quality context awards them."""

    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"
    NOT_YET_RATED = "not_yet_rated"

    @property
    def rank(self) -> int:
        """Higher is better: Gold 3, Silver 2, Bronze 1, Not yet rated 0."""
        return _KITEMARK_RANK[self]


_KITEMARK_RANK = {Kitemark.GOLD: 3, Kitemark.SILVER: 2, Kitemark.BRONZE: 1,
                  Kitemark.NOT_YET_RATED: 0}  # fmt: skip


class Period(StrEnum):
    """The window volume and frequency limits are counted over."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class Status(StrEnum):
    """Where an agreement version is in its lifecycle (docs/agreements.md)."""

    DRAFT = "draft"
    SIGNED = "signed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Party(_Part):
    """An organisation in the agreement and its role."""

    org: OrgId = Field(pattern=SLUG, description="The organisation's id (its node's name).")
    name: Text = Field(description="The organisation's legal name.")
    role: Role
    ico_registration: str | None = Field(
        default=None, description="Its number in the ICO's register of fee payers."
    )


class Contact(_Part):
    """A named person to contact, by role."""

    org: OrgId = Field(pattern=SLUG, description="The party this person works for.")
    role: ContactRole
    name: Text
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = None


class Purpose(_Part):
    """Why the data is shared: a stable code and plain words."""

    code: PurposeCode = Field(pattern=SLUG)
    description: Text


class DataField(_Part):
    """One data item of a dataset and how it may be shared."""

    name: str = Field(pattern=SLUG)
    treatment: Treatment
    special_category: bool = Field(
        default=False, description="Health, ethnicity and the other Art 9 categories."
    )
    criminal_offence: bool = Field(
        default=False,
        description="Offences, allegations, proceedings, convictions (UK GDPR Art 10, s11(2)).",
    )
    description: str | None = None


class Dataset(_Part):
    """The data items of one dataset, who provides it and who may receive it."""

    name: DatasetName = Field(pattern=SLUG)
    provider: OrgId = Field(pattern=SLUG)
    recipients: list[OrgId] = Field(min_length=1)
    data_subjects: list[Text] = Field(min_length=1, description="Whose data: categories.")
    fields: list[DataField] = Field(min_length=1)
    quasi_identifiers: list[str] = Field(
        default_factory=list, description="Fields that could re-identify in combination."
    )
    suppression: str | None = Field(
        default=None, pattern=SLUG, description="Small-number suppression preset (privacy)."
    )
    minimum_kitemark: Kitemark = Field(description="The dataset's kitemark must be at least this.")
    row_conditions: list[RowCondition] = Field(
        default_factory=list,
        description="Only rows meeting every condition may leave (docs/agreements.md).",
    )
    lookups: bool = Field(
        default=False,
        description="Recipients may also look up one person at a time over the API "
        "(docs/exchange.md); left out, as every default is, of what the parties sign.",
    )


class Gateway(_Part):
    """The statutory power to share (e.g. Digital Economy Act 2017 Part 5 Chapter 1 s35)."""

    act: Text = Field(description="The Act, with its year.")
    part: str | None = None
    chapter: str | None = None
    section: Text = Field(description="Section (or paragraph) giving the power.")
    description: Text


class NationalDataOptOut(_Part):
    """Whether the NHS national data opt-out applies, and why (not)."""

    applies: bool
    explanation: Text


class Retention(_Part):
    """How long recipients keep the data, and how they delete it."""

    period_days: int = Field(gt=0)
    deletion: Text = Field(description="How deletion is done and evidenced.")


class Security(_Part):
    """Security requirements every party meets."""

    standard: str | None = Field(
        default=None, description="e.g. DSPT Standards Met, Cyber Essentials Plus, ISO 27001."
    )
    measures: list[Text] = Field(min_length=1)


class Limits(_Part):
    """Volume and frequency limits; None means no limit of that kind."""

    period: Period = Period.MONTH
    max_rows_per_request: int | None = Field(default=None, gt=0)
    max_requests_per_period: int | None = Field(default=None, gt=0)
    max_rows_per_period: int | None = Field(default=None, gt=0)
    frequency: str | None = Field(default=None, description="Expected frequency, in words.")


class Dates(_Part):
    """When sharing may start, when the agreement is reviewed and when it ends."""

    start: date
    review: date
    expiry: date


class IndividualRights(_Part):
    """How people's rights are handled."""

    privacy_notice: Text = Field(description="Where the privacy notice is published.")
    subject_access: Text
    objection: Text = Field(description="Objection, restriction and opt-outs.")
    complaints: Text


class Signature(_Part):
    """An Ed25519 signature by a party's organisation key (see docs/agreements.md)."""

    org: OrgId = Field(pattern=SLUG)
    key_id: KeyId = Field(pattern=r"^[0-9a-f]{16}$")
    signed_at: datetime
    signature: str = Field(pattern=r"^[A-Za-z0-9_-]{86}$", description="base64url, no padding.")


class Agreement(_Part):
    """A data sharing agreement (one version). ``signatures`` are not part of what is signed."""

    id: AgreementId = Field(pattern=SLUG)
    version: int = Field(ge=1)
    title: Text
    parties: list[Party] = Field(min_length=2)
    contacts: list[Contact] = Field(min_length=1)
    purposes: list[Purpose] = Field(min_length=1)
    benefits: list[Text] = Field(min_length=1)
    datasets: list[Dataset] = Field(min_length=1)
    lawful_basis: LawfulBasis
    gateway: Gateway | None = None
    national_data_opt_out: NationalDataOptOut
    retention: Retention
    security: Security
    limits: Limits = Field(default_factory=Limits)
    dates: Dates
    individual_rights: IndividualRights
    international_transfers: list[Text] = Field(default_factory=list)
    signatures: list[Signature] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = [*_party_problems(self), *_dataset_problems(self), *law_problems(self)]
        problems += _date_problems(self.dates)
        if problems:
            # pydantic reports the first line; AgreementInvalid splits them again.
            raise ValueError("\n".join(f"{where}: {what}" for where, what in problems))
        return self

    def party(self, org: str) -> Party | None:
        return next((p for p in self.parties if p.org == org), None)

    @property
    def special_category(self) -> bool:
        return any(f.special_category for d in self.datasets for f in d.fields)

    @property
    def criminal_offence(self) -> bool:
        return any(f.criminal_offence for d in self.datasets for f in d.fields)

    def content(self) -> dict[str, Any]:
        """What every party signs: the whole agreement except its signatures."""
        # Defaults left out, so a document that spells a default out and one that does not
        # sign the same bytes, and a later optional field does not break old signatures.
        return self.model_dump(mode="json", exclude={"signatures"}, exclude_defaults=True)


def _duplicates(values: Sequence[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def _party_problems(a: Agreement) -> list[tuple[str, str]]:
    problems = []
    orgs = [p.org for p in a.parties]
    for dup in _duplicates(orgs):
        problems.append(("parties", f"organisation {dup!r} is listed twice"))
    if not any(p.role in (Role.CONTROLLER, Role.JOINT_CONTROLLER) for p in a.parties):
        problems.append(("parties", "no party is a controller or joint controller"))
    for i, c in enumerate(a.contacts):
        if c.org not in orgs:
            problems.append((f"contacts.{i}.org", f"{c.org!r} is not a party"))
    for dup in _duplicates([p.code for p in a.purposes]):
        problems.append(("purposes", f"purpose code {dup!r} is listed twice"))
    return problems


def _dataset_problems(a: Agreement) -> list[tuple[str, str]]:
    problems, orgs = [], {p.org for p in a.parties}
    for dup in _duplicates([d.name for d in a.datasets]):
        problems.append(("datasets", f"dataset {dup!r} is listed twice"))
    for i, d in enumerate(a.datasets):
        where = f"datasets.{i}"
        if d.provider not in orgs:
            problems.append((f"{where}.provider", f"{d.provider!r} is not a party"))
        for j, r in enumerate(d.recipients):
            party = a.party(r)
            if party is None:
                problems.append((f"{where}.recipients.{j}", f"{r!r} is not a party"))
            elif party.role not in RECEIVING_ROLES:
                problems.append((f"{where}.recipients.{j}",
                                 f"{r!r} is a {party.role.value}, which cannot receive data "
                                 "for its own use; make it a controller or recipient"))  # fmt: skip
            if r == d.provider:
                problems.append((f"{where}.recipients.{j}", f"{r!r} is the provider"))
        names = [f.name for f in d.fields]
        for dup in _duplicates(names):
            problems.append((f"{where}.fields", f"field {dup!r} is listed twice"))
        for j, q in enumerate(d.quasi_identifiers):
            if q not in names:
                problems.append((f"{where}.quasi_identifiers.{j}", f"{q!r} is not a field here"))
        for j, c in enumerate(d.row_conditions):
            if c.field not in names:
                problems.append((f"{where}.row_conditions.{j}.field",
                                 f"{c.field!r} is not a field of dataset {d.name!r}"))  # fmt: skip
        aggregate = any(f.treatment is Treatment.AGGREGATE for f in d.fields)
        if aggregate and d.suppression is None:
            problems.append((f"{where}.suppression",
                             "aggregate-only fields need a suppression preset"))  # fmt: skip
    return problems


def _date_problems(dates: Dates) -> list[tuple[str, str]]:
    problems = []
    if dates.review < dates.start:
        problems.append(("dates.review", f"review {dates.review} is before start {dates.start}"))
    if dates.expiry <= dates.start:
        problems.append(("dates.expiry", f"expiry {dates.expiry} is not after start {dates.start}"))
    if dates.review > dates.expiry:
        problems.append(("dates.review", f"review {dates.review} is after expiry {dates.expiry}"))
    return problems
