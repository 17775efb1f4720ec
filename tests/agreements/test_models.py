"""The agreement model: the example is valid, and each broken rule names its field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accord.agreements import AgreementInvalid, Treatment, load, parse, save, to_yaml
from tests.agreements.support import example, example_data


def problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(AgreementInvalid) as caught:
        parse(data)
    return dict(caught.value.problems)


def test_the_worked_example_is_valid_and_exposes_what_privacy_needs() -> None:
    a = example()
    assert a.id == "gp-hospital-admission-risk"
    assert a.lawful_basis.article_9 is not None
    assert a.national_data_opt_out.applies
    patients = a.datasets[0]
    assert {f.name: f.treatment for f in patients.fields}["nhs_number"] is Treatment.PSEUDONYMISED
    assert patients.quasi_identifiers == ["date_of_birth", "sex", "postcode_district"]
    assert a.datasets[1].suppression == "hes"


def test_yaml_round_trip_keeps_the_content(tmp_path: Path) -> None:
    a = example()
    save(a, tmp_path / "a.yaml")
    assert load(tmp_path / "a.yaml") == a
    assert to_yaml(a) == (tmp_path / "a.yaml").read_text(encoding="utf-8")


def test_missing_and_misspelt_fields_are_named() -> None:
    data = example_data()
    del data["retention"]
    data["purpose"] = "typo"
    found = problems(data)
    assert found["retention"] == "is required"
    assert "not a field" in found["purpose"]


def test_a_wrong_value_names_the_nested_field_and_the_value() -> None:
    data = example_data()
    data["parties"][1]["role"] = "owner"
    found = problems(data)
    assert "'controller'" in found["parties.1.role"]
    assert '"owner"' in found["parties.1.role"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda d: d["datasets"][0].update(provider="council"), "datasets.0.provider",
         "not a party"),
        (lambda d: d["datasets"][0].update(recipients=["gp"]), "datasets.0.recipients.0",
         "is the provider"),
        (lambda d: d["parties"][1].update(role="processor"), "datasets.0.recipients.0",
         "cannot receive"),
        (lambda d: d["contacts"][0].update(org="police"), "contacts.0.org", "not a party"),
        (lambda d: d["datasets"][0]["quasi_identifiers"].append("ethnicity"),
         "datasets.0.quasi_identifiers.3", "not a field"),
        (lambda d: d["datasets"][1].pop("suppression"), "datasets.1.suppression",
         "suppression preset"),
        (lambda d: d["lawful_basis"].pop("article_9"), "lawful_basis.article_9", "Art 9"),
        (lambda d: d["lawful_basis"].pop("schedule_1"), "lawful_basis.schedule_1",
         "Schedule 1 Part 1"),
        (lambda d: d["lawful_basis"]["schedule_1"].update(part=2),
         "lawful_basis.schedule_1.part", "needs Part 1"),
        (lambda d: d["lawful_basis"]["schedule_1"].update(paragraph=7),
         "lawful_basis.schedule_1.paragraph", "paragraphs 1-4"),
        (lambda d: d.pop("gateway"), "gateway", "statutory gateway"),
        (lambda d: d["dates"].update(review="2026-01-01"), "dates.review", "before start"),
        (lambda d: d["dates"].update(expiry="2026-04-01"), "dates.expiry", "not after start"),
        (lambda d: d["parties"].append(dict(d["parties"][0])), "parties", "listed twice"),
        (lambda d: d["parties"].__setitem__(slice(None), [
            {**p, "role": "recipient"} for p in d["parties"]]), "parties", "no party"),
        (lambda d: d["purposes"].append(dict(d["purposes"][0])), "purposes", "listed twice"),
    ],
)  # fmt: skip
def test_cross_field_rules(change: Any, field: str, words: str) -> None:
    data = example_data()
    change(data)
    found = problems(data)
    assert field in found, found
    assert words in found[field]


def test_every_problem_is_reported_at_once() -> None:
    data = example_data()
    data["datasets"][0]["provider"] = "council"
    data["contacts"][0]["org"] = "police"
    assert len(problems(data)) == 2


def test_the_message_names_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\n", encoding="utf-8")
    with pytest.raises(AgreementInvalid, match=r"bad\.yaml: title: is required"):
        load(path)
    path.write_text("id: [\n", encoding="utf-8")
    with pytest.raises(AgreementInvalid, match="not valid YAML"):
        load(path)
