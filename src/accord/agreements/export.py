"""What agreements say, for others: ODRL 2.2, the public register, the Article 30 record.

* :func:`odrl` - one ODRL 2.2 ``Agreement`` policy (JSON-LD) per agreement version: a
  permission per dataset and recipient, constrained by purpose and dates, with duties
  (anonymize the pseudonymised fields, delete after the retention period); a dataset
  with row conditions is an ``AssetCollection`` whose ``refinement`` holds them.
* :func:`legal_basis_text` - the lawful basis in words with its citations, for the
  agreement or for one party's processing (UK GDPR, or DPA 2018 Part 3).
* :func:`register_rows` and :func:`write_register` - the public register of agreements
  (organisations, purpose, legal basis, gateway, dates, benefits), as CSV, JSON or HTML,
  in the spirit of the register the Digital Economy Act 2017 Part 5 code requires.
* :func:`article30_rows` - UK GDPR Art 30 records of processing, one per controller and
  agreement, generated from the agreements themselves.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from accord.agreements.conditions import RowCondition
from accord.agreements.lawful import (
    Article6,
    LawfulBasis,
    Regime,
    ScheduleOne,
    Section35,
    SensitiveCondition,
)
from accord.agreements.models import Agreement, Dataset, Role, Status, Treatment
from accord.agreements.repository import StoredAgreement
from accord.store import check_name

ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
ACCORD_NS = "urn:accord:odrl:"
ACCORD_PROFILE = "urn:accord:odrl-profile:1"


def _uid(agreement: Agreement) -> str:
    return f"urn:accord:agreement:{agreement.id}:v{agreement.version}"


def _party(org: str) -> str:
    return f"urn:accord:org:{org}"


def odrl(agreement: Agreement) -> dict[str, Any]:
    """The agreement as an ODRL 2.2 Agreement policy in JSON-LD."""
    dates = [
        {"leftOperand": "dateTime", "operator": "gteq",
         "rightOperand": {"@value": agreement.dates.start.isoformat(), "@type": "xsd:date"}},
        {"leftOperand": "dateTime", "operator": "lt",
         "rightOperand": {"@value": agreement.dates.expiry.isoformat(), "@type": "xsd:date"}},
    ]  # fmt: skip
    purposes = {"leftOperand": "purpose", "operator": "isAnyOf",
                "rightOperand": [p.code for p in agreement.purposes]}  # fmt: skip
    permissions = []
    for dataset in agreement.datasets:
        pseudonymised = [f.name for f in dataset.fields if f.treatment is Treatment.PSEUDONYMISED]
        duties: list[dict[str, Any]] = [{
            "action": "delete",
            "constraint": [{"leftOperand": "elapsedTime", "operator": "lteq",
                            "rightOperand": {"@value": f"P{agreement.retention.period_days}D",
                                             "@type": "xsd:duration"}}],
        }]  # fmt: skip
        if pseudonymised:
            duties.insert(0, {"action": "anonymize", "accord:fields": pseudonymised})
        for recipient in dataset.recipients:
            permissions.append({
                "target": _target(dataset),
                "assigner": _party(dataset.provider), "assignee": _party(recipient),
                "action": "use", "constraint": [purposes, *dates], "duty": duties,
                "accord:fields": [f.name for f in dataset.fields],
                "accord:minimumKitemark": dataset.minimum_kitemark.value,
                "accord:legalBasis": legal_basis_text(agreement, recipient),
            })  # fmt: skip
    return {
        "@context": [ODRL_CONTEXT, {"accord": ACCORD_NS, "dc": "http://purl.org/dc/terms/"}],
        "@type": "Agreement", "uid": _uid(agreement), "profile": ACCORD_PROFILE,
        "dc:title": agreement.title,
        "accord:lawfulBasis": agreement.lawful_basis.model_dump(mode="json", exclude_none=True),
        "accord:gateway": _gateway(agreement),
        "permission": permissions,
    }  # fmt: skip


def _target(dataset: Dataset) -> str | dict[str, Any]:
    uid = f"urn:accord:dataset:{dataset.provider}:{dataset.name}"
    if not dataset.row_conditions:
        return uid
    # ODRL 2.2: a refinement on an AssetCollection narrows the asset to the part it covers.
    return {"@type": "AssetCollection", "source": uid,
            "refinement": [_refinement(c) for c in dataset.row_conditions]}  # fmt: skip


_ODRL_OPERATORS = {
    "equals": "eq", "in": "isAnyOf", "not_in": "isNoneOf", "before": "lt",
    "on_or_after": "gteq", "at_least": "gteq", "at_most": "lteq",
    "starts_with": "accord:startsWith",  # ODRL has none: a profile operator
}  # fmt: skip


def _refinement(condition: RowCondition) -> dict[str, Any]:
    value: Any = condition.value
    if isinstance(value, date):
        value = {"@value": value.isoformat(), "@type": "xsd:date"}
    return {"leftOperand": f"accord:field:{condition.field}",
            "operator": _ODRL_OPERATORS[condition.operator], "rightOperand": value}  # fmt: skip


def _gateway(agreement: Agreement) -> str:
    g = agreement.gateway
    if g is None:
        return ""
    parts = [g.act]
    if g.part:
        parts.append(f"Part {g.part}")
    if g.chapter:
        parts.append(f"Chapter {g.chapter}")
    return ", ".join([*parts, f"s{g.section}"])


_ART6 = {
    Article6.CONSENT: "Art 6(1)(a) consent", Article6.CONTRACT: "Art 6(1)(b) contract",
    Article6.LEGAL_OBLIGATION: "Art 6(1)(c) legal obligation",
    Article6.VITAL_INTERESTS: "Art 6(1)(d) vital interests",
    Article6.PUBLIC_TASK: "Art 6(1)(e) public task",
    Article6.LEGITIMATE_INTERESTS: "Art 6(1)(f) legitimate interests",
}  # fmt: skip
_S35 = {Section35.CONSENT: "s35(2)(a) consent",
        Section35.TASK: "s35(2)(b) necessary for a task of a competent authority"}  # fmt: skip


def legal_basis_text(agreement: Agreement, org: str | None = None) -> str:
    """The lawful basis in words: UK GDPR Art 6, Art 9 with DPA 2018 Schedule 1, Art 10;
    then DPA 2018 Part 3 (s35, Schedule 8) where the agreement has law enforcement
    processing. With ``org``, only the regimes that party's processing falls under."""
    basis = agreement.lawful_basis
    regimes = _regimes_of(agreement, org)
    parts = _general_text(basis) if Regime.GENERAL in regimes else []
    if basis.law_enforcement is not None and Regime.LAW_ENFORCEMENT in regimes:
        parts.append(_part_3_text(basis))
    return "; ".join(parts)


def _regimes_of(agreement: Agreement, org: str | None) -> set[Regime]:
    law = agreement.lawful_basis.law_enforcement
    if law is None:
        return {Regime.GENERAL}
    if org is None:
        return {Regime.LAW_ENFORCEMENT} | ({Regime.GENERAL} if agreement.lawful_basis.article_6
                                            else set())  # fmt: skip
    if org not in law.competent_authorities:
        return {Regime.GENERAL}
    if {p.code for p in agreement.purposes} - set(law.purposes):
        return {Regime.GENERAL, Regime.LAW_ENFORCEMENT}
    return {Regime.LAW_ENFORCEMENT}


def _general_text(basis: LawfulBasis) -> list[str]:
    parts = [_ART6[basis.article_6]] if basis.article_6 is not None else []
    if basis.article_9 is not None:
        letter, _, words = basis.article_9.value.partition("_")
        parts.append(f"Art 9(2)({letter}) {words.replace('_', ' ')}")
    if basis.schedule_1 is not None:
        parts.append(_schedule_1(basis.schedule_1))
    art10 = basis.article_10
    if art10 is not None:
        how = [f"under official authority ({art10.official_authority})"
               if art10.official_authority else ""]  # fmt: skip
        if art10.schedule_1 is not None:
            how.append(f"with {_schedule_1(art10.schedule_1)}")
        parts.append(" ".join(["Art 10", *filter(None, how)]))
    return parts


def _schedule_1(s: ScheduleOne) -> str:
    return f"DPA 2018 Sch 1 Part {s.part} para {s.paragraph} ({s.name})"


def _part_3_text(basis: LawfulBasis) -> str:
    law = basis.law_enforcement
    assert law is not None
    purposes = ", ".join(p.value.replace("_", " ") for p in law.section_31)
    text = f"DPA 2018 Part 3 (law enforcement: {purposes}) {_S35[law.section_35]}"
    sensitive = law.sensitive_processing
    if sensitive is not None:
        if sensitive.condition is SensitiveCondition.CONSENT:
            text += ", sensitive processing on consent s35(4)"
        else:
            text += ", sensitive processing strictly necessary s35(5)"
        if sensitive.schedule_8 is not None:
            text += (f" with Sch 8 para {sensitive.schedule_8.paragraph} "
                     f"({sensitive.schedule_8.name})")  # fmt: skip
    return text


REGISTER_COLUMNS = (
    "agreement", "version", "title", "status", "organisations", "purposes", "legal_basis",
    "gateway", "start", "review", "expiry", "benefits", "datasets",
)  # fmt: skip


def register_rows(stored: Iterable[StoredAgreement], on: date) -> list[dict[str, str]]:
    """One row per agreement that has been signed: what the public may know of it."""
    rows = []
    for s in stored:
        if s.status is Status.DRAFT:
            continue
        a = s.agreement
        rows.append({
            "agreement": a.id, "version": str(a.version), "title": a.title,
            "status": s.status_on(on).value,
            "organisations": "; ".join(f"{p.name} ({p.role.value.replace('_', ' ')})"
                                       for p in a.parties),
            "purposes": "; ".join(p.description for p in a.purposes),
            "legal_basis": legal_basis_text(a), "gateway": _gateway(a),
            "start": a.dates.start.isoformat(), "review": a.dates.review.isoformat(),
            "expiry": a.dates.expiry.isoformat(), "benefits": "; ".join(a.benefits),
            "datasets": "; ".join(d.name for d in a.datasets),
        })  # fmt: skip
    return rows


def write_register(rows: list[dict[str, str]], fmt: str) -> str:
    """The register as ``csv``, ``json`` or ``html`` text."""
    if fmt == "json":
        return json.dumps({"agreements": rows}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _csv(rows, REGISTER_COLUMNS)
    if fmt == "html":
        return _html(rows)
    raise ValueError(f"unknown register format {fmt!r}; use csv, json or html")


def _csv(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _html(rows: list[dict[str, str]]) -> str:
    head = "".join(f"<th scope=\"col\">{html.escape(c.replace('_', ' '))}</th>"
                   for c in REGISTER_COLUMNS)  # fmt: skip
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(r[c])}</td>" for c in REGISTER_COLUMNS) + "</tr>\n"
        for r in rows
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        "<title>Register of data sharing agreements</title></head>\n<body>\n"
        "<h1>Register of data sharing agreements</h1>\n"
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n"
        "</body>\n</html>\n"
    )


ARTICLE30_COLUMNS = (
    "controller", "controller_contact", "data_protection_officer", "joint_controllers",
    "agreement", "purposes", "legal_basis", "data_subjects", "personal_data",
    "special_category_data", "recipients", "international_transfers", "retention",
    "security", "criminal_offence_data", "appropriate_policy_document", "record_under",
)  # fmt: skip


def article30_rows(
    stored: Iterable[StoredAgreement], org: str | None = None
) -> list[dict[str, str]]:
    """Art 30(1) records: per controller (or only ``org``) and signed agreement.

    A competent authority's law enforcement processing is recorded under DPA 2018 s61 in
    the same shape; ``record_under`` says which, ``legal_basis`` gives that party's basis,
    and where a Schedule 1 or Part 3 condition needs an appropriate policy document the
    record names it (DPA 2018 Sch 1 para 41, s42(4)).
    """
    if org is not None:
        check_name(org, "organisation id")
    rows = []
    for s in stored:
        if s.status is Status.DRAFT:
            continue
        a = s.agreement
        for party in a.parties:
            if party.role not in (Role.CONTROLLER, Role.JOINT_CONTROLLER):
                continue
            if org is not None and party.org != org:
                continue
            rows.append(_article30(a, party.org))
    return rows


def _article30(a: Agreement, org: str) -> dict[str, str]:
    party = a.party(org)
    assert party is not None
    contacts = [c for c in a.contacts if c.org == org]
    dpo = [c for c in contacts if c.role.value == "data_protection_officer"]
    held = [d for d in a.datasets if org in (d.provider, *d.recipients)]
    fields = sorted({f"{d.name}.{f.name}" for d in held for f in d.fields})
    special = sorted({f"{d.name}.{f.name}" for d in held for f in d.fields if f.special_category})
    recipients = sorted({r for d in held if d.provider == org for r in d.recipients})
    criminal = sorted({f"{d.name}.{f.name}" for d in held for f in d.fields if f.criminal_offence})
    regimes = _regimes_of(a, org)
    return {
        "controller": party.name,
        "controller_contact": "; ".join(f"{c.name} <{c.email}>" for c in contacts[:1]),
        "data_protection_officer": "; ".join(f"{c.name} <{c.email}>" for c in dpo),
        "joint_controllers": "; ".join(p.name for p in a.parties
                                       if p.role is Role.JOINT_CONTROLLER and p.org != org),
        "agreement": f"{a.id} v{a.version}",
        "purposes": "; ".join(p.description for p in a.purposes),
        "legal_basis": legal_basis_text(a, org),
        "data_subjects": "; ".join(sorted({s for d in held for s in d.data_subjects})),
        "personal_data": ", ".join(fields), "special_category_data": ", ".join(special),
        "recipients": "; ".join(p.name for p in a.parties if p.org in recipients),
        "international_transfers": "; ".join(a.international_transfers) or "none",
        "retention": f"{a.retention.period_days} days; {a.retention.deletion}",
        "security": "; ".join(filter(None, [a.security.standard, *a.security.measures])),
        "criminal_offence_data": ", ".join(criminal),
        "appropriate_policy_document": "; ".join(_policy_documents(a.lawful_basis, regimes)),
        "record_under": "; ".join(label for regime, label in _RECORDS if regime in regimes),
    }  # fmt: skip


_RECORDS = ((Regime.GENERAL, "UK GDPR Art 30"), (Regime.LAW_ENFORCEMENT, "DPA 2018 s61"))


def _policy_documents(basis: LawfulBasis, regimes: set[Regime]) -> list[str]:
    found = []
    if Regime.GENERAL in regimes and basis.article_10 is not None:
        found.append(basis.article_10.appropriate_policy_document)
    law = basis.law_enforcement
    if Regime.LAW_ENFORCEMENT in regimes and law is not None and law.sensitive_processing:
        found.append(law.sensitive_processing.appropriate_policy_document)
    return list(dict.fromkeys(f for f in found if f))


def write_article30(rows: list[dict[str, str]], fmt: str) -> str:
    """The Art 30 records as ``csv`` or ``json`` text."""
    if fmt == "json":
        return json.dumps({"records_of_processing": rows}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _csv(rows, ARTICLE30_COLUMNS)
    raise ValueError(f"unknown Article 30 format {fmt!r}; use csv or json")
