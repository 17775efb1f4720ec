"""ODRL, the public register and the Article 30 record, from stored agreements."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from accord.agreements import (
    Status,
    StoredAgreement,
    article30_rows,
    odrl,
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
