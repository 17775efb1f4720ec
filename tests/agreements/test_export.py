"""ODRL, the public register and the Article 30 record, from stored agreements."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import yaml

from accord.agreements import (
    OPERATORS,
    Status,
    StoredAgreement,
    article30_rows,
    legal_basis_text,
    odrl,
    parse,
    register_rows,
    write_article30,
    write_register,
)
from tests.agreements.support import IN_DATE, example


def stored(status: Status) -> StoredAgreement:
    now = datetime(2026, 11, 1).astimezone()
    return StoredAgreement(example(), status, "0" * 64, now, now, 1)


def test_odrl_has_a_permission_per_dataset_and_recipient() -> None:
    policy = odrl(example())
    assert policy["@type"] == "Agreement"
    assert policy["uid"] == "urn:accord:agreement:gp-hospital-admission-risk:v1"
    [to_hospital, to_gp] = policy["permission"]
    assert (to_hospital["assigner"], to_hospital["assignee"]) == (
        "urn:accord:org:gp", "urn:accord:org:hospital")  # fmt: skip
    purpose = to_hospital["constraint"][0]
    assert purpose == {"leftOperand": "purpose", "operator": "isAnyOf",
                       "rightOperand": ["admission-risk-stratification"]}  # fmt: skip
    actions = [d["action"] for d in to_hospital["duty"]]
    assert actions == ["anonymize", "delete"]
    assert to_gp["duty"][-1]["constraint"][0]["rightOperand"]["@value"] == "P365D"
    json.dumps(policy)


def test_register_lists_signed_agreements_only_in_three_formats() -> None:
    rows = register_rows([stored(Status.ACTIVE), stored(Status.DRAFT)], IN_DATE)
    assert len(rows) == 1
    assert rows[0]["legal_basis"] == (
        "Art 6(1)(e) public task; Art 9(2)(h) health social care; "
        "DPA 2018 Sch 1 Part 1 para 2 (Health or social care purposes)"
    )
    assert rows[0]["status"] == "active"
    assert list(csv.DictReader(io.StringIO(write_register(rows, "csv")))) == rows
    assert json.loads(write_register(rows, "json"))["agreements"] == rows
    html = write_register(rows, "html")
    assert "<td>Riverside Medical Practice (controller); " in html
    rows[0]["title"] = "<script>alert(1)</script>"
    assert "<script>" not in write_register(rows, "html")


def test_register_shows_expired_once_past_expiry() -> None:
    rows = register_rows([stored(Status.ACTIVE)], example().dates.expiry)
    assert rows[0]["status"] == "expired"


def test_article30_record_per_controller() -> None:
    rows = article30_rows([stored(Status.ACTIVE)])
    assert [r["controller"] for r in rows] == [
        "Riverside Medical Practice", "Riverside Hospitals NHS Foundation Trust"]  # fmt: skip
    gp = rows[0]
    assert gp["data_protection_officer"] == "Tom Bell <dpo@riverside-practice.nhs.uk>"
    assert "admissions.ward" in gp["special_category_data"]
    assert gp["recipients"] == "Riverside Hospitals NHS Foundation Trust"
    assert gp["retention"].startswith("365 days")
    assert article30_rows([stored(Status.ACTIVE)], org="hospital")[0]["controller"].endswith(
        "Trust"
    )
    assert write_article30(rows, "csv").startswith("controller,controller_contact,")


POLICE = parse(yaml.safe_load((Path(__file__).parent / "data" / "families-police.yaml")
                              .read_text("utf-8")))  # fmt: skip


def test_row_conditions_are_odrl_refinements_of_the_target() -> None:
    policy = odrl(POLICE)
    to_police, to_council = policy["permission"]
    assert to_council["target"] == "urn:accord:dataset:police:incidents"
    target = to_police["target"]
    assert target["@type"] == "AssetCollection"
    assert target["source"] == "urn:accord:dataset:council:families"
    assert target["refinement"] == [
        {"leftOperand": "accord:field:in_programme", "operator": "eq", "rightOperand": True},
        {"leftOperand": "accord:field:postcode_district", "operator": "isAnyOf",
         "rightOperand": ["RV1", "RV2", "RV3"]},
        {"leftOperand": "accord:field:date_of_birth", "operator": "gteq",
         "rightOperand": {"@value": "2008-01-01", "@type": "xsd:date"}},
    ]  # fmt: skip
    assert "DPA 2018 Part 3" in to_police["accord:legalBasis"]
    assert policy["accord:lawfulBasis"]["law_enforcement"]["section_35"] == (
        "b_competent_authority_task"
    )
    json.dumps(policy)


def test_every_operator_has_an_odrl_operator() -> None:
    data = yaml.safe_load((Path(__file__).parent / "data" / "families-police.yaml")
                          .read_text("utf-8"))  # fmt: skip
    values = {"equals": "x", "in": ["a"], "not_in": [1], "starts_with": ["RV"],
              "before": "2000-01-01", "on_or_after": "2000-01-01", "at_least": 1,
              "at_most": 2.5}  # fmt: skip
    assert set(values) == set(OPERATORS)
    data["datasets"][0]["row_conditions"] = [
        {"field": "postcode_district", "operator": op, "value": v} for op, v in values.items()
    ]
    refinement = odrl(parse(data))["permission"][0]["target"]["refinement"]
    assert [r["operator"] for r in refinement] == [
        "eq",
        "isAnyOf",
        "isNoneOf",
        "accord:startsWith",
        "lt",
        "gteq",
        "gteq",
        "lteq",
    ]


def test_legal_basis_text_per_regime_and_party() -> None:
    general = ("Art 6(1)(e) public task; Art 9(2)(g) substantial public interest; "
               "DPA 2018 Sch 1 Part 2 para 18 (Safeguarding of children and of individuals at "
               "risk); Art 10 with DPA 2018 Sch 1 Part 2 para 18 (Safeguarding of children and "
               "of individuals at risk)")  # fmt: skip
    part3 = ("DPA 2018 Part 3 (law enforcement: prevention) s35(2)(b) necessary for a task of "
             "a competent authority, sensitive processing strictly necessary s35(5) with Sch 8 "
             "para 4 (Safeguarding of children and of individuals at risk)")  # fmt: skip
    assert legal_basis_text(POLICE, "council") == general
    # The force processes for a purpose that is not law enforcement too (family support).
    assert legal_basis_text(POLICE, "police") == f"{general}; {part3}"
    assert legal_basis_text(POLICE) == f"{general}; {part3}"
    data = POLICE.model_dump(mode="json", exclude_none=True)
    data["lawful_basis"]["article_10"] = {"official_authority": "Children Act 1989 s47"}
    assert "Art 10 under official authority (Children Act 1989 s47)" in legal_basis_text(
        parse(data)
    )


def test_article30_names_criminal_offence_data_policy_documents_and_the_record() -> None:
    now = datetime(2026, 11, 1).astimezone()
    rows = article30_rows([StoredAgreement(POLICE, Status.ACTIVE, "0" * 64, now, now, 1)])
    council, police = rows
    assert council["criminal_offence_data"] == "incidents.offence_category"
    assert council["record_under"] == "UK GDPR Art 30"
    assert council["appropriate_policy_document"] == (
        "https://riverside.gov.uk/appropriate-policy-document"
    )
    assert police["record_under"] == "UK GDPR Art 30; DPA 2018 s61"
    assert "riverside.police.uk" in police["appropriate_policy_document"]
    assert "DPA 2018 Part 3" in police["legal_basis"]
    assert "DPA 2018 Part 3" not in council["legal_basis"]
    header = write_article30(rows, "csv").splitlines()[0]
    assert header.endswith("criminal_offence_data,appropriate_policy_document,record_under")
    # The register carries the whole basis.
    [entry] = register_rows([StoredAgreement(POLICE, Status.ACTIVE, "0" * 64, now, now, 1)],
                            IN_DATE)  # fmt: skip
    assert entry["legal_basis"] == legal_basis_text(POLICE)
