"""A readable rendering of an agreement, for the people who sign it: HTML and PDF.

:func:`document` turns an agreement into plain-English sections in the order of the ICO
data sharing code's checklist (parties and roles, purposes, benefits, the data of each
dataset with its treatments and row conditions, the lawful basis with its citations, the
gateway, the opt-out, retention, security, limits, dates, rights, transfers, signatures
and the content digest). Each section is a list of blocks (facts, tables, paragraphs,
sub-headings). :func:`render_html` renders the sections through a Jinja2 template with
autoescaping on; ``pdf.render_pdf`` lays the same sections out with fpdf2 in DejaVu Sans
(bundled, so any script the agreement is written in can be drawn). Both come from the one
document, so neither rendering can leave out what the other shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

import jinja2

from accord.agreements.conditions import describe
from accord.agreements.export import legal_basis_text
from accord.agreements.lawful import (
    Article6,
    Article9,
    LawfulBasis,
    ScheduleOne,
    Section35,
    SensitiveCondition,
)
from accord.agreements.models import Agreement, Dataset, Role, Treatment
from accord.agreements.signing import digest


@dataclass(frozen=True)
class Facts:
    """Labelled values (a definition list)."""

    rows: tuple[tuple[str, str], ...]
    kind: str = "facts"


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    kind: str = "table"


@dataclass(frozen=True)
class Text:
    text: str
    kind: str = "text"


@dataclass(frozen=True)
class Subheading:
    text: str
    kind: str = "subheading"


Block = Facts | Table | Text | Subheading


@dataclass(frozen=True)
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Document:
    """An agreement in plain words: its title, a line about it, its sections."""

    title: str
    subtitle: str
    sections: list[Section]


ROLES = {
    Role.CONTROLLER: "Controller: decides why and how the data is used",
    Role.JOINT_CONTROLLER: "Joint controller: decides why and how, with the others",
    Role.PROCESSOR: "Processor: uses the data only as a controller instructs",
    Role.RECIPIENT: "Recipient: receives the data for its own use",
}
TREATMENTS = {
    Treatment.IDENTIFYING: "Shared as it is (identifies the person)",
    Treatment.PSEUDONYMISED: "Replaced by a pseudonym that only works under this agreement",
    Treatment.AGGREGATE: "Only as counts, with small numbers suppressed",
}
ARTICLE_6_WORDS = {
    Article6.CONSENT: "the person has given consent",
    Article6.CONTRACT: "necessary for a contract with the person",
    Article6.LEGAL_OBLIGATION: "necessary to comply with the law",
    Article6.VITAL_INTERESTS: "necessary to protect someone's life",
    Article6.PUBLIC_TASK: "necessary for a task in the public interest or for official authority",
    Article6.LEGITIMATE_INTERESTS: "necessary for legitimate interests that the person's "
    "interests do not override",
}
ARTICLE_9_WORDS = {
    Article9.EXPLICIT_CONSENT: "the person has given explicit consent",
    Article9.EMPLOYMENT_SOCIAL_SECURITY: "necessary for rights and obligations in employment, "
    "social security or social protection law",
    Article9.VITAL_INTERESTS: "necessary to protect someone's life when they cannot consent",
    Article9.NOT_FOR_PROFIT: "by a not-for-profit body, about its members",
    Article9.MADE_PUBLIC: "the person has made the data public themselves",
    Article9.LEGAL_CLAIMS: "necessary for legal claims, or by courts",
    Article9.SUBSTANTIAL_PUBLIC_INTEREST: "necessary for reasons of substantial public "
    "interest, in UK law",
    Article9.HEALTH_SOCIAL_CARE: "necessary for health or social care",
    Article9.PUBLIC_HEALTH: "necessary for reasons of public interest in public health",
    Article9.ARCHIVING_RESEARCH_STATISTICS: "necessary for archiving, research or statistics "
    "in the public interest",
}
SECTION_35_WORDS = {
    Section35.CONSENT: "s35(2)(a): the person has consented",
    Section35.TASK: "s35(2)(b): necessary for a task carried out by a competent authority",
}
SENSITIVE_WORDS = {
    SensitiveCondition.CONSENT: "s35(4): the person consented",
    SensitiveCondition.STRICTLY_NECESSARY: "s35(5): strictly necessary for the law "
    "enforcement purpose",
}


def words(value: StrEnum) -> str:
    """An enumeration's value in words: ``joint_controller`` is "Joint controller"."""
    text = value.value.replace("_", " ")
    return text[:1].upper() + text[1:]


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def when(moment: datetime) -> str:
    """A signing time in UTC, in words: ``4 December 2026, 15:11:55 UTC``."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    return f"{long_date(utc.date())}, {utc:%H:%M:%S} UTC"


def document(agreement: Agreement, status: str | None = None) -> Document:
    """The agreement as plain-English sections (the same for HTML and PDF)."""
    a = agreement
    sections = [
        _about(a, status),
        _parties(a),
        Section("Purposes", [Table(("Code", "Purpose"),
                                   tuple((p.code, p.description) for p in a.purposes))]),
        Section("Benefits", [Text(b) for b in a.benefits]),
        Section("Data shared", [b for d in a.datasets for b in _dataset(d)]),
        _lawful_basis(a),
        _gateway(a),
        *_terms(a),
        _security(a),
        _limits(a),
        *_dates_and_rights(a),
        _signatures(a),
    ]  # fmt: skip
    return Document(a.title, f"Data sharing agreement {a.id}, version {a.version}", sections)


def _about(a: Agreement, status: str | None) -> Section:
    about = [("Agreement", a.id), ("Version", str(a.version)), ("Title", a.title)]
    if status:
        about.append(("Status", status))
    about.append(("Content digest (SHA-256)", digest(a)))
    return Section("About this agreement", [Facts(tuple(about)), Text(
        "Each party signs this content. Any change, however small, gives a different "
        "digest and breaks every signature.")])  # fmt: skip


def _terms(a: Agreement) -> list[Section]:
    return [
        Section("National data opt-out", [Facts((
            ("Applies", "Yes" if a.national_data_opt_out.applies else "No"),
            ("Why", a.national_data_opt_out.explanation)))]),
        Section("Retention and deletion", [Facts((
            ("Kept for", f"{a.retention.period_days} days"),
            ("Deletion", a.retention.deletion)))]),
    ]  # fmt: skip


def _dates_and_rights(a: Agreement) -> list[Section]:
    return [
        Section("Dates", [Facts((("Sharing starts", long_date(a.dates.start)),
                                 ("Review", long_date(a.dates.review)),
                                 ("Expires", long_date(a.dates.expiry))))]),
        Section("People's rights", [Facts((
            ("Privacy notice", a.individual_rights.privacy_notice),
            ("Subject access", a.individual_rights.subject_access),
            ("Objection and opt-outs", a.individual_rights.objection),
            ("Complaints", a.individual_rights.complaints)))]),
        Section("International transfers", [Text(t) for t in a.international_transfers]
                or [Text("None: the data stays in the UK.")]),
    ]  # fmt: skip


def _parties(a: Agreement) -> Section:
    parties = Table(
        ("Organisation", "Id", "Role", "ICO registration"),
        tuple((p.name, p.org, ROLES[p.role], p.ico_registration or "not given") for p in a.parties),
    )
    contacts = Table(("Name", "Organisation", "Role", "Email", "Phone"), tuple(
        (c.name, _party_name(a, c.org), words(c.role), c.email, c.phone or "")
        for c in a.contacts))  # fmt: skip
    return Section("Parties and their roles", [parties, Subheading("Contacts"), contacts])


def _party_name(a: Agreement, org: str) -> str:
    party = a.party(org)
    return f"{party.name} ({org})" if party else org


def _dataset(d: Dataset) -> list[Block]:
    facts = [("Provided by", d.provider), ("Received by", ", ".join(d.recipients)),
             ("Whose data", "; ".join(d.data_subjects)),
             ("Minimum quality kitemark", words(d.minimum_kitemark))]  # fmt: skip
    if d.quasi_identifiers:
        facts.append(("Could identify in combination", ", ".join(d.quasi_identifiers)))
    if d.suppression:
        facts.append(("Small-number suppression", d.suppression))
    fields = Table(("Field", "How it is shared", "Special category", "Criminal offence",
                    "Description"), tuple(
        (f.name, TREATMENTS[f.treatment], "Yes" if f.special_category else "No",
         "Yes" if f.criminal_offence else "No", f.description or "")
        for f in d.fields))  # fmt: skip
    blocks: list[Block] = [Subheading(f"Dataset {d.name}"), Facts(tuple(facts)), fields]
    if d.row_conditions:
        blocks.append(Text("Only records that meet every one of these conditions are shared:"))
        blocks.append(Table(("Condition",), tuple((describe(c),) for c in d.row_conditions)))
    else:
        blocks.append(Text("Every record of the dataset may be shared (no row conditions)."))
    return blocks


def _schedule_1(s: ScheduleOne) -> str:
    return f"DPA 2018 Schedule 1 Part {s.part} paragraph {s.paragraph}: {s.name}"


def _lawful_basis(a: Agreement) -> Section:
    basis: LawfulBasis = a.lawful_basis
    facts: list[tuple[str, str]] = []
    if basis.article_6 is not None:
        letter = basis.article_6.value[0]
        facts.append(("UK GDPR Article 6",
                      f"Art 6(1)({letter}): {ARTICLE_6_WORDS[basis.article_6]}"))  # fmt: skip
    if basis.article_9 is not None:
        facts.append(("Special category data (Article 9)", _article_9(basis.article_9)))
    if basis.schedule_1 is not None:
        facts.append(("Article 9 condition in UK law", _schedule_1(basis.schedule_1)))
    if basis.article_10 is not None:
        art10 = basis.article_10
        if art10.official_authority:
            facts.append(("Criminal offence data (Article 10)",
                          f"Under official authority: {art10.official_authority}"))  # fmt: skip
        if art10.schedule_1 is not None:
            facts.append(("Criminal offence data (Article 10)", _schedule_1(art10.schedule_1)))
        if art10.appropriate_policy_document:
            facts.append(("Appropriate policy document (Art 10)",
                          art10.appropriate_policy_document))  # fmt: skip
    facts.append(("Explanation", basis.explanation))
    blocks: list[Block] = [Facts(tuple(facts))]
    blocks += _part_3(a)
    blocks.append(Text(f"In short: {legal_basis_text(a)}."))
    return Section("Lawful basis", blocks)


def _article_9(condition: Article9) -> str:
    return f"Art 9(2)({condition.value[0]}): {ARTICLE_9_WORDS[condition]}"


def _part_3(a: Agreement) -> list[Block]:
    law = a.lawful_basis.law_enforcement
    if law is None:
        return []
    facts = [
        ("Competent authorities", ", ".join(_party_name(a, o) for o in law.competent_authorities)),
        ("Law enforcement purposes here", ", ".join(law.purposes)),
        ("Law enforcement purposes (s31)", ", ".join(words(p) for p in law.section_31)),
        ("Lawful (s35)", SECTION_35_WORDS[law.section_35]),
    ]  # fmt: skip
    sensitive = law.sensitive_processing
    if sensitive is not None:
        facts.append(("Sensitive processing", SENSITIVE_WORDS[sensitive.condition]))
        if sensitive.schedule_8 is not None:
            s8 = sensitive.schedule_8
            facts.append(("Schedule 8 condition",
                          f"DPA 2018 Schedule 8 paragraph {s8.paragraph}: {s8.name}"))  # fmt: skip
        facts.append(("Appropriate policy document (Part 3)",
                      sensitive.appropriate_policy_document))  # fmt: skip
    facts.append(("Explanation", law.explanation))
    return [Subheading("Law enforcement processing (DPA 2018 Part 3)"), Facts(tuple(facts))]


def _gateway(a: Agreement) -> Section:
    g = a.gateway
    if g is None:
        return Section("Statutory gateway", [Text("None named: the lawful basis does not rest "
                                                  "on a power in law.")])  # fmt: skip
    facts = [("Act", g.act)]
    facts += [(label, value) for label, value in (("Part", g.part), ("Chapter", g.chapter))
              if value]  # fmt: skip
    facts += [("Section", g.section), ("What it allows", g.description)]
    return Section("Statutory gateway", [Facts(tuple(facts))])


def _security(a: Agreement) -> Section:
    blocks: list[Block] = []
    if a.security.standard:
        blocks.append(Facts((("Standard", a.security.standard),)))
    blocks += [Text(m) for m in a.security.measures]
    return Section("Security", blocks)


def _limits(a: Agreement) -> Section:
    lim, period = a.limits, a.limits.period.value
    facts = [
        ("Limits counted per", words(lim.period)),
        ("Rows in one request", str(lim.max_rows_per_request or "no limit")),
        (f"Requests a {period}", str(lim.max_requests_per_period or "no limit")),
        (f"Rows a {period}", str(lim.max_rows_per_period or "no limit")),
    ]
    if lim.frequency:
        facts.append(("Expected frequency", lim.frequency))
    return Section("Limits", [Facts(tuple(facts))])


def _signatures(a: Agreement) -> Section:
    signed = {s.org: s for s in a.signatures}
    rows = tuple(
        (_party_name(a, p.org), signed[p.org].key_id, when(signed[p.org].signed_at))
        if p.org in signed else (_party_name(a, p.org), "not yet signed", "")
        for p in a.parties
    )  # fmt: skip
    return Section("Signatures", [Table(("Party", "Key id", "Signed at"), rows), Text(
        "A signature is an Ed25519 signature by the party's organisation key over this "
        f"content (digest {digest(a)}). Check them with 'accord agreement verify'.")])  # fmt: skip


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("accord.agreements", "templates"),
        autoescape=True,  # every value from the agreement is text, never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(agreement: Agreement, status: str | None = None) -> str:
    """The agreement as one self-contained HTML page."""
    return _environment().get_template("agreement.html.j2").render(doc=document(agreement, status))
