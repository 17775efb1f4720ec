"""The lawful basis of an agreement: the UK GDPR with DPA 2018 Part 2, and DPA 2018 Part 3.

Organised in three parts:

* the tables of the law: Art 6(1), Art 9(2) and the Schedule 1 Part each Art 9 condition
  needs (DPA 2018 s10), which Schedule 1 paragraphs exist in each Part and which of them can
  carry criminal offence data (s10(5)), the law enforcement purposes (s31), the s35(2)
  bases and the Schedule 8 conditions for sensitive processing;
* the models: :class:`LawfulBasis` with its parts (:class:`ScheduleOne`,
  :class:`CriminalOffence` for Art 10, :class:`LawEnforcement` for Part 3,
  :class:`SensitiveProcessing`, :class:`ScheduleEight`);
* :func:`law_problems`, the rules that need the whole agreement (which fields are special
  category or criminal offence data, which parties are competent authorities, which
  purposes are law enforcement purposes), each problem naming its field.

The citations are in docs/agreements.md ("The law").
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

from accord.agreements.types import OrgId, PurposeCode

if TYPE_CHECKING:
    from accord.agreements.models import Agreement, Dataset

Text = Annotated[str, Field(min_length=1, description="Plain words, not empty")]
Problems = list[tuple[str, str]]


class Article6(StrEnum):
    """UK GDPR Art 6(1) lawful basis."""

    CONSENT = "a_consent"
    CONTRACT = "b_contract"
    LEGAL_OBLIGATION = "c_legal_obligation"
    VITAL_INTERESTS = "d_vital_interests"
    PUBLIC_TASK = "e_public_task"
    LEGITIMATE_INTERESTS = "f_legitimate_interests"


class Article9(StrEnum):
    """UK GDPR Art 9(2) condition for special category data."""

    EXPLICIT_CONSENT = "a_explicit_consent"
    EMPLOYMENT_SOCIAL_SECURITY = "b_employment_social_security"
    VITAL_INTERESTS = "c_vital_interests"
    NOT_FOR_PROFIT = "d_not_for_profit_bodies"
    MADE_PUBLIC = "e_made_public"
    LEGAL_CLAIMS = "f_legal_claims"
    SUBSTANTIAL_PUBLIC_INTEREST = "g_substantial_public_interest"
    HEALTH_SOCIAL_CARE = "h_health_social_care"
    PUBLIC_HEALTH = "i_public_health"
    ARCHIVING_RESEARCH_STATISTICS = "j_archiving_research_statistics"


# DPA 2018 s10(2)-(3): these Art 9 conditions need a Schedule 1 Part 1 condition, (g) a Part 2 one.
SCHEDULE_1_PART: dict[Article9, int] = {
    Article9.EMPLOYMENT_SOCIAL_SECURITY: 1,
    Article9.HEALTH_SOCIAL_CARE: 1,
    Article9.PUBLIC_HEALTH: 1,
    Article9.ARCHIVING_RESEARCH_STATISTICS: 1,
    Article9.SUBSTANTIAL_PUBLIC_INTEREST: 2,
}
# Paragraph 5 of Part 2 and paragraphs 38-41 (Part 4) are safeguards, not conditions.
SCHEDULE_1_PARAGRAPHS = {1: range(1, 5), 2: range(6, 29), 3: range(29, 38)}
# DPA 2018 s10(5): Art 10 is met by a condition in Part 1, 2 or 3. Some Part 2 conditions
# are about named special categories only (8 equality of opportunity, 9 racial and ethnic
# diversity, 16 disability support, 19 economic well-being, 20 insurance, 21 occupational
# pensions, 22 political parties), so cannot carry criminal offence data; Part 3
# paragraph 37 extends the insurance condition to it.
CRIMINAL_OFFENCE_PARAGRAPHS = {
    1: frozenset(range(1, 5)),
    2: frozenset({6, 7, 10, 11, 12, 13, 14, 15, 17, 18, 23, 24, 25, 26, 27, 28}),
    3: frozenset(range(29, 38)),
}
SCHEDULE_8_PARAGRAPHS = range(1, 10)
# The headings of DPA 2018 Schedule 8's conditions for sensitive processing, by paragraph.
SCHEDULE_8_NAMES: dict[int, str] = {
    1: "Statutory etc purposes",
    2: "Administration of justice",
    3: "Protecting individual's vital interests",
    4: "Safeguarding of children and of individuals at risk",
    5: "Personal data already in the public domain",
    6: "Legal claims",
    7: "Judicial acts",
    8: "Preventing fraud",
    9: "Archiving etc",
}
# The headings of DPA 2018 Schedule 1's conditions, by paragraph (Parts 1, 2 and 3).
SCHEDULE_1_NAMES: dict[int, str] = {
    1: "Employment, social security and social protection",
    2: "Health or social care purposes",
    3: "Public health",
    4: "Research etc",
    6: "Statutory etc and government purposes",
    7: "Administration of justice and parliamentary purposes",
    8: "Equality of opportunity or treatment",
    9: "Racial and ethnic diversity at senior levels of organisations",
    10: "Preventing or detecting unlawful acts",
    11: "Protecting the public against dishonesty etc",
    12: "Regulatory requirements relating to unlawful acts and dishonesty etc",
    13: "Journalism etc in connection with unlawful acts and dishonesty etc",
    14: "Preventing fraud",
    15: "Suspicion of terrorist financing or money laundering",
    16: "Support for individuals with a particular disability or medical condition",
    17: "Counselling etc",
    18: "Safeguarding of children and of individuals at risk",
    19: "Safeguarding of economic well-being of certain individuals",
    20: "Insurance",
    21: "Occupational pensions",
    22: "Political parties",
    23: "Elected representatives responding to requests",
    24: "Disclosure to elected representatives",
    25: "Informing elected representatives about prisoners",
    26: "Publication of legal judgments",
    27: "Anti-doping in sport",
    28: "Standards of behaviour in sport",
    29: "Consent",
    30: "Protecting individual's vital interests",
    31: "Processing by not-for-profit bodies",
    32: "Personal data in the public domain",
    33: "Legal claims",
    34: "Judicial acts",
    35: "Administration of accounts used in commission of indecency offences involving children",
    36: "Extension of conditions in Part 2 referring to substantial public interest",
    37: "Extension of insurance conditions",
}


class LawEnforcementPurpose(StrEnum):
    """The law enforcement purposes of DPA 2018 s31."""

    PREVENTION = "prevention"
    INVESTIGATION = "investigation"
    DETECTION = "detection"
    PROSECUTION = "prosecution"
    EXECUTION_OF_PENALTIES = "execution_of_criminal_penalties"
    PUBLIC_SECURITY = "public_security"


class Section35(StrEnum):
    """DPA 2018 s35(2): Part 3 processing is lawful on consent or as necessary for a task."""

    CONSENT = "a_consent"
    TASK = "b_competent_authority_task"


class SensitiveCondition(StrEnum):
    """DPA 2018 s35(3)-(5): how sensitive processing under Part 3 is permitted."""

    CONSENT = "consent"
    """s35(4): the person consented, and an appropriate policy document is in place."""
    STRICTLY_NECESSARY = "strictly_necessary"
    """s35(5): strictly necessary, a Schedule 8 condition, an appropriate policy document."""


class Regime(StrEnum):
    """Which law a party's processing falls under."""

    GENERAL = "uk_gdpr"
    """UK GDPR with DPA 2018 Part 2 (general processing)."""
    LAW_ENFORCEMENT = "law_enforcement"
    """DPA 2018 Part 3: a competent authority, for a law enforcement purpose."""


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class ScheduleOne(_Part):
    """A DPA 2018 Schedule 1 condition (Part 1, 2 or 3 and its paragraph)."""

    part: int = Field(ge=1, le=3)
    paragraph: int = Field(ge=1, le=37)
    name: Text


class ScheduleEight(_Part):
    """A DPA 2018 Schedule 8 condition for sensitive processing under Part 3."""

    paragraph: int = Field(ge=1, le=9)
    name: Text


class CriminalOffence(_Part):
    """UK GDPR Art 10 for criminal offence data (DPA 2018 s10(5), s11(2)).

    The processing is under the control of official authority (name the law that gives
    it), or authorised by a DPA 2018 Schedule 1 condition from Part 1, 2 or 3.
    """

    official_authority: str | None = Field(
        default=None, min_length=1, description="The law giving the official authority."
    )
    schedule_1: ScheduleOne | None = None
    appropriate_policy_document: str | None = Field(
        default=None, min_length=1,
        description="Where the appropriate policy document is (DPA 2018 Sch 1 Part 4).",
    )  # fmt: skip


class SensitiveProcessing(_Part):
    """How sensitive processing under Part 3 is permitted (DPA 2018 s35(3)-(5))."""

    condition: SensitiveCondition
    schedule_8: ScheduleEight | None = None
    appropriate_policy_document: Text = Field(
        description="Where the appropriate policy document is (DPA 2018 s35(4)(b), s35(5)(c), s42)."
    )


class LawEnforcement(_Part):
    """DPA 2018 Part 3: processing by a competent authority for a law enforcement purpose."""

    competent_authorities: list[OrgId] = Field(
        min_length=1, description="The parties that are competent authorities (s30, Sch 7)."
    )
    purposes: list[PurposeCode] = Field(
        min_length=1, description="The agreement's purpose codes that are law enforcement purposes."
    )
    section_31: list[LawEnforcementPurpose] = Field(
        min_length=1, description="Which law enforcement purposes of s31 they serve."
    )
    section_35: Section35
    sensitive_processing: SensitiveProcessing | None = None
    explanation: Text


class LawfulBasis(_Part):
    """The lawful basis: UK GDPR Art 6, Art 9 with DPA 2018 Sch 1, Art 10; DPA 2018 Part 3."""

    article_6: Article6 | None = None
    article_9: Article9 | None = None
    schedule_1: ScheduleOne | None = None
    article_10: CriminalOffence | None = None
    law_enforcement: LawEnforcement | None = None
    explanation: Text


def schedule_1_part(article_9: Article9) -> int | None:
    """The Schedule 1 Part an Art 9 condition needs (DPA 2018 s10(2)-(3)), if any."""
    return SCHEDULE_1_PART.get(article_9)


def schedule_1_choices(article_9: Article9 | None = None, *, criminal: bool = False
                       ) -> list[ScheduleOne]:  # fmt: skip
    """The Schedule 1 conditions to choose from, each with its heading: those of the
    Part ``article_9`` needs (none for a condition that needs none; Parts 1 and 2 when it
    is None), or with ``criminal`` those that can carry criminal offence data (s10(5):
    Parts 1, 2 and 3)."""
    if criminal:
        allowed = [
            (part, n) for part, ns in CRIMINAL_OFFENCE_PARAGRAPHS.items() for n in sorted(ns)
        ]
    else:
        needed = SCHEDULE_1_PART.get(article_9) if article_9 is not None else None
        parts = [1, 2] if article_9 is None else [needed] if needed is not None else []
        allowed = [(p, n) for p in parts for n in SCHEDULE_1_PARAGRAPHS[p]]
    return [ScheduleOne(part=p, paragraph=n, name=SCHEDULE_1_NAMES[n]) for p, n in allowed]


def schedule_8_choices() -> list[ScheduleEight]:
    """The DPA 2018 Schedule 8 conditions to choose from, each with its heading."""
    return [ScheduleEight(paragraph=n, name=SCHEDULE_8_NAMES[n]) for n in SCHEDULE_8_PARAGRAPHS]


def regimes(agreement: Agreement, dataset: Dataset) -> set[Regime]:
    """The laws the dataset is processed under by the parties that hold it.

    A competent authority holding it processes under Part 3; anyone else, or a competent
    authority for a purpose that is not a law enforcement purpose, under the UK GDPR.
    """
    law = agreement.lawful_basis.law_enforcement
    if law is None:
        return {Regime.GENERAL}
    holders = {dataset.provider, *dataset.recipients}
    found = set()
    if holders & set(law.competent_authorities):
        found.add(Regime.LAW_ENFORCEMENT)
    other_purposes = {p.code for p in agreement.purposes} - set(law.purposes)
    if holders - set(law.competent_authorities) or other_purposes:
        found.add(Regime.GENERAL)
    return found


def regime_of(agreement: Agreement, org: str, purpose: str) -> Regime:
    """The law ``org``'s processing for ``purpose`` under this agreement falls under."""
    law = agreement.lawful_basis.law_enforcement
    if law is not None and org in law.competent_authorities and purpose in law.purposes:
        return Regime.LAW_ENFORCEMENT
    return Regime.GENERAL


def law_problems(a: Agreement) -> Problems:
    """Every lawful-basis problem of the agreement, each as (field, what is wrong)."""
    basis = a.lawful_basis
    problems = _general_needed(a)
    under = {d.name: regimes(a, d) for d in a.datasets}
    general = [d for d in a.datasets if Regime.GENERAL in under[d.name]]
    if basis.article_6 is not None or general:
        problems += _article_9_problems(a, _fields(general, "special_category"))
        problems += _article_10_problems(a, _fields(general, "criminal_offence"))
    if basis.law_enforcement is not None:
        part3 = [d for d in a.datasets if Regime.LAW_ENFORCEMENT in under[d.name]]
        problems += _part_3_problems(a, _fields(part3, "special_category"))
    needs_law = (Article6.PUBLIC_TASK, Article6.LEGAL_OBLIGATION)
    if basis.article_6 in needs_law and a.gateway is None:
        problems.append(("gateway",
                         f"Art 6 basis {basis.article_6.value} rests on a power in law: "
                         "name the statutory gateway"))  # fmt: skip
    return problems


def _fields(datasets: Iterable[Dataset], flag: str) -> list[str]:
    return [f"{d.name}.{f.name}" for d in datasets for f in d.fields if getattr(f, flag)]


def _general_needed(a: Agreement) -> Problems:
    """Art 6 is needed unless every party is a competent authority and every purpose is a
    law enforcement purpose (then all the processing is under Part 3)."""
    basis, law = a.lawful_basis, a.lawful_basis.law_enforcement
    if basis.article_6 is not None:
        return []
    if law is None:
        return [("lawful_basis.article_6",
                 "is required (or, for processing by competent authorities for a law "
                 "enforcement purpose, lawful_basis.law_enforcement)")]  # fmt: skip
    others = [p.org for p in a.parties if p.org not in law.competent_authorities]
    purposes = [p.code for p in a.purposes if p.code not in law.purposes]
    if others or purposes:
        what = (f"party {others[0]!r} is not a competent authority" if others
                else f"purpose {purposes[0]!r} is not a law enforcement purpose")  # fmt: skip
        return [("lawful_basis.article_6",
                 f"{what}, so some processing is under the UK GDPR and needs an Art 6 "
                 "basis")]  # fmt: skip
    return []


def _article_9_problems(a: Agreement, special: list[str]) -> Problems:
    problems: Problems = []
    basis = a.lawful_basis
    if special and basis.article_9 is None:
        problems.append(("lawful_basis.article_9",
                         f"special category fields ({', '.join(special[:3])}) need an Art 9 "
                         "condition"))  # fmt: skip
    sch1 = basis.schedule_1
    part = SCHEDULE_1_PART.get(basis.article_9) if basis.article_9 else None
    if part is not None and sch1 is None:
        problems.append(("lawful_basis.schedule_1",
                         f"Art 9 condition {basis.article_9} needs a DPA 2018 "
                         f"Schedule 1 Part {part} condition (DPA 2018 s10)"))  # fmt: skip
    elif part is not None and sch1 is not None and sch1.part != part:
        problems.append(("lawful_basis.schedule_1.part",
                         f"Art 9 condition {basis.article_9} needs Part {part}, "
                         f"not Part {sch1.part}"))  # fmt: skip
    elif sch1 is not None and sch1.part == 3:
        problems.append(("lawful_basis.schedule_1.part",
                         "Schedule 1 Part 3 conditions are for criminal offence data: give "
                         "them under lawful_basis.article_10"))  # fmt: skip
    if sch1 is not None:
        problems += _paragraph_problems(sch1, "lawful_basis.schedule_1")
    return problems


def _paragraph_problems(sch1: ScheduleOne, where: str) -> Problems:
    allowed = SCHEDULE_1_PARAGRAPHS[sch1.part]
    if sch1.paragraph in allowed:
        return []
    return [(f"{where}.paragraph",
             f"Schedule 1 Part {sch1.part} has paragraphs {allowed.start}-{allowed.stop - 1}, "
             f"not {sch1.paragraph}")]  # fmt: skip


def _article_10_problems(a: Agreement, criminal: list[str]) -> Problems:
    art10 = a.lawful_basis.article_10
    where = "lawful_basis.article_10"
    if art10 is None:
        if not criminal:
            return []
        return [(where, f"criminal offence fields ({', '.join(criminal[:3])}) need UK GDPR "
                 "Art 10: a DPA 2018 Schedule 1 condition (Part 1, 2 or 3; s10(5)) or the "
                 "official authority the processing is under")]  # fmt: skip
    if art10.schedule_1 is None and art10.official_authority is None:
        return [(f"{where}.schedule_1", "give a DPA 2018 Schedule 1 condition (Part 1, 2 or "
                 "3) or the official_authority the processing is under")]  # fmt: skip
    if art10.schedule_1 is None:
        return []
    sch1 = art10.schedule_1
    problems = _paragraph_problems(sch1, f"{where}.schedule_1")
    usable = CRIMINAL_OFFENCE_PARAGRAPHS[sch1.part]
    if not problems and sch1.paragraph not in usable:
        problems.append((f"{where}.schedule_1.paragraph",
                         f"Schedule 1 Part {sch1.part} paragraph {sch1.paragraph} is about "
                         "special category data only; for criminal offence data use "
                         f"paragraphs {_ranges(usable)}"))  # fmt: skip
    return problems


def _ranges(numbers: frozenset[int]) -> str:
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and runs[-1][-1] == n - 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _part_3_problems(a: Agreement, special: list[str]) -> Problems:
    law = a.lawful_basis.law_enforcement
    assert law is not None
    where = "lawful_basis.law_enforcement"
    orgs, codes = {p.org for p in a.parties}, {p.code for p in a.purposes}
    problems: Problems = [
        (f"{where}.competent_authorities.{i}", f"{org!r} is not a party")
        for i, org in enumerate(law.competent_authorities) if org not in orgs
    ]  # fmt: skip
    problems += [(f"{where}.purposes.{i}", f"{code!r} is not one of the agreement's purposes")
                 for i, code in enumerate(law.purposes) if code not in codes]  # fmt: skip
    sensitive = law.sensitive_processing
    if special and sensitive is None:
        problems.append((f"{where}.sensitive_processing",
                         f"special category fields ({', '.join(special[:3])}) held by a "
                         "competent authority are sensitive processing (DPA 2018 s35(3), "
                         "s35(8)): give consent or strictly_necessary with a Schedule 8 "
                         "condition, and the appropriate policy document"))  # fmt: skip
    if sensitive is None:
        return problems
    if sensitive.condition is SensitiveCondition.STRICTLY_NECESSARY and (
        sensitive.schedule_8 is None
    ):
        problems.append((f"{where}.sensitive_processing.schedule_8",
                         "strictly necessary sensitive processing needs a DPA 2018 "
                         "Schedule 8 condition (s35(5)(b))"))  # fmt: skip
    on_consent = sensitive.condition is SensitiveCondition.CONSENT
    if on_consent and law.section_35 is not Section35.CONSENT:
        problems.append((f"{where}.sensitive_processing.condition",
                         "sensitive processing on consent (s35(4)) needs the processing to rest "
                         "on consent (section_35: a_consent)"))  # fmt: skip
    return problems
