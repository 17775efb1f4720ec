"""The agreement model: the example is valid, and each broken rule names its field."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.agreements import (
    AgreementInvalid,
    Article9,
    Regime,
    Section35,
    Treatment,
    describe,
    digest,
    load,
    parse,
    regime_of,
    save,
    schedule_1_choices,
    schedule_1_part,
    to_yaml,
    verify,
)
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


# --- The law: criminal offence data (Art 10) and law enforcement processing (Part 3) ----

DATA = Path(__file__).parent / "data"


def police_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA / "families-police.yaml").read_text("utf-8"))
    return data


def test_an_agreement_with_the_police_is_valid_under_both_regimes() -> None:
    a = parse(police_data())
    assert a.criminal_offence
    assert a.special_category
    law = a.lawful_basis.law_enforcement
    assert law is not None
    assert law.section_35 is Section35.TASK
    assert regime_of(a, "police", "crime-prevention") is Regime.LAW_ENFORCEMENT
    assert regime_of(a, "police", "family-support") is Regime.GENERAL
    assert regime_of(a, "council", "crime-prevention") is Regime.GENERAL


def _police(change: Any) -> dict[str, Any]:
    data = police_data()
    change(data)
    return data


LAW = "lawful_basis"
LE = "lawful_basis.law_enforcement"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        # Art 10: criminal offence fields need a Schedule 1 condition or official authority.
        (lambda d: d[LAW].pop("article_10"), f"{LAW}.article_10", "Schedule 1 condition"),
        (lambda d: d[LAW]["article_10"].pop("schedule_1"), f"{LAW}.article_10.schedule_1",
         "official_authority"),
        (lambda d: d[LAW]["article_10"]["schedule_1"].update(part=3, paragraph=12),
         f"{LAW}.article_10.schedule_1.paragraph", "Part 3 has paragraphs 29-37"),
        (lambda d: d[LAW]["article_10"]["schedule_1"].update(part=1, paragraph=6),
         f"{LAW}.article_10.schedule_1.paragraph", "Part 1 has paragraphs 1-4"),
        (lambda d: d[LAW]["article_10"]["schedule_1"].update(paragraph=8),
         f"{LAW}.article_10.schedule_1.paragraph", "special category data only"),
        (lambda d: d[LAW]["article_10"]["schedule_1"].update(paragraph=20),
         f"{LAW}.article_10.schedule_1.paragraph", "6-7, 10-15, 17-18, 23-28"),
        # Art 9's Schedule 1 condition cannot come from Part 3 (criminal offence data only).
        (lambda d: d[LAW].update(article_9="a_explicit_consent",
                                 schedule_1={"part": 3, "paragraph": 29, "name": "Consent"}),
         f"{LAW}.schedule_1.part", "for criminal offence data"),
        # Part 3: sensitive processing needs its condition, Schedule 8 and a policy document.
        (lambda d: d[LAW]["law_enforcement"].pop("sensitive_processing"),
         f"{LE}.sensitive_processing", "s35(3)"),
        (lambda d: d[LAW]["law_enforcement"]["sensitive_processing"].pop("schedule_8"),
         f"{LE}.sensitive_processing.schedule_8", "s35(5)(b)"),
        (lambda d: d[LAW]["law_enforcement"]["sensitive_processing"].pop(
            "appropriate_policy_document"),
         f"{LE}.sensitive_processing.appropriate_policy_document", "is required"),
        (lambda d: d[LAW]["law_enforcement"]["sensitive_processing"].update(condition="consent"),
         f"{LE}.sensitive_processing.condition", "s35(4)"),
        (lambda d: d[LAW]["law_enforcement"]["sensitive_processing"]["schedule_8"].update(
            paragraph=10), f"{LE}.sensitive_processing.schedule_8.paragraph", "less than or equal"),
        (lambda d: d[LAW]["law_enforcement"].update(section_31=["parking"]),
         f"{LE}.section_31.0", "prevention"),
        (lambda d: d[LAW]["law_enforcement"].update(competent_authorities=["hmrc"]),
         f"{LE}.competent_authorities.0", "not a party"),
        (lambda d: d[LAW]["law_enforcement"].update(purposes=["marketing"]),
         f"{LE}.purposes.0", "not one of the agreement's purposes"),
        # Without Art 6, every party must be a competent authority for a law enforcement purpose.
        (lambda d: d[LAW].pop("article_6"), f"{LAW}.article_6", "'council' is not a competent"),
        (lambda d: (d[LAW].pop("article_6"), d[LAW].pop("law_enforcement")),
         f"{LAW}.article_6", "is required"),
    ],
)  # fmt: skip
def test_the_law_rules_name_the_field(change: Any, field: str, words: str) -> None:
    found = problems(_police(change))
    assert field in found, found
    assert words in found[field], found[field]


def test_official_authority_stands_in_for_a_schedule_1_condition() -> None:
    data = police_data()
    data[LAW]["article_10"] = {"official_authority": "Children Act 1989 s47"}
    assert parse(data).lawful_basis.article_10 is not None


def test_part_3_alone_needs_no_art_6_when_every_party_is_a_competent_authority() -> None:
    data = police_data()
    data["parties"][0] = {"org": "council", "name": "Riverside Trading Standards",
                          "role": "controller"}  # fmt: skip
    data["purposes"] = [data["purposes"][1]]
    law = data[LAW]
    for key in ("article_6", "article_9", "schedule_1", "article_10"):
        law.pop(key)
    law["law_enforcement"]["competent_authorities"] = ["council", "police"]
    data.pop("gateway")
    a = parse(data)
    assert a.lawful_basis.article_6 is None
    assert regime_of(a, "council", "crime-prevention") is Regime.LAW_ENFORCEMENT
    # Criminal offence data under Part 3 needs no Art 10 condition: Part 3 is about it.
    assert a.criminal_offence


def test_a_criminal_offence_field_without_its_condition_is_refused(tmp_path: Path) -> None:
    data = example_data()
    data["datasets"][1]["fields"].append({"name": "arrests", "treatment": "identifying",
                                          "criminal_offence": True})  # fmt: skip
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(AgreementInvalid, match=r"a\.yaml: lawful_basis\.article_10: criminal "
                       r"offence fields \(admissions\.arrests\) need UK GDPR Art 10"):  # fmt: skip
        load(path)


# --- Row conditions ----------------------------------------------------------------------


def test_row_conditions_are_typed_by_their_operator() -> None:
    conditions = parse(police_data()).datasets[0].row_conditions
    assert [(c.operator, c.value) for c in conditions] == [
        ("equals", True), ("in", ["RV1", "RV2", "RV3"]), ("on_or_after", date(2008, 1, 1)),
    ]  # fmt: skip
    assert describe(conditions[1]) == 'postcode_district is one of "RV1", "RV2", "RV3"'


@pytest.mark.parametrize(
    ("condition", "field", "words"),
    [
        ({"field": "ethnicity", "operator": "equals", "value": "x"},
         "datasets.0.row_conditions.0.field", "'ethnicity' is not a field of dataset 'families'"),
        ({"field": "date_of_birth", "operator": "like", "value": "x"},
         "datasets.0.row_conditions.0", "does not match any of the expected tags"),
        ({"field": "date_of_birth", "operator": "before", "value": "last tuesday"},
         "datasets.0.row_conditions.0.before.value", "before needs a date"),
        ({"field": "postcode_district", "operator": "in", "value": []},
         "datasets.0.row_conditions.0.in.value", "in needs a list of 1 to 1000"),
        ({"field": "postcode_district", "operator": "in", "value": ["RV1", 2]},
         "datasets.0.row_conditions.0.in.value", "not mixed"),
        ({"field": "postcode_district", "operator": "starts_with", "value": "RV"},
         "datasets.0.row_conditions.0.starts_with.value", "a list of 1 to 1000 texts"),
        ({"field": "in_programme", "operator": "equals", "value": [True]},
         "datasets.0.row_conditions.0.equals.value", "equals needs a flag"),
        ({"field": "in_programme", "operator": "at_least", "value": "3"},
         "datasets.0.row_conditions.0.at_least.value", "at_least needs a number"),
        ({"field": "Bad Name", "operator": "equals", "value": 1},
         "datasets.0.row_conditions.0.equals.field", "should match pattern"),
    ],
)  # fmt: skip
def test_a_bad_row_condition_names_its_field(condition: dict[str, Any], field: str,
                                             words: str) -> None:  # fmt: skip
    data = police_data()
    data["datasets"][0]["row_conditions"] = [condition]
    found = problems(data)
    assert field in found, found
    assert words in found[field], found[field]


# --- Old agreements stay valid and keep their signatures ------------------------------


def test_an_agreement_signed_before_these_fields_existed_still_verifies() -> None:
    a = load(DATA / "signed-before-issue-12.yaml")
    assert digest(a) == "ea837336778d0159bf014d06b5dcadcb246e4e03caf08513833f3077be889cb1"
    keys = {p.org: Ed25519PrivateKey.from_private_bytes(bytes([i + 1]) * 32).public_key()
            for i, p in enumerate(a.parties)}  # fmt: skip
    assert verify(a, keys).ok
    # Spelling the new defaults out signs the same bytes.
    data = yaml.safe_load((DATA / "signed-before-issue-12.yaml").read_text("utf-8"))
    data["datasets"][0]["row_conditions"] = []
    data["datasets"][0]["fields"][0]["criminal_offence"] = False
    data["lawful_basis"]["law_enforcement"] = None
    assert digest(parse(data)) == digest(a)


@pytest.mark.parametrize("condition", [c for c in Article9 if schedule_1_part(c) is not None])
def test_every_schedule_1_choice_offered_for_an_art_9_condition_is_one_it_accepts(
    condition: Article9,
) -> None:
    choices = schedule_1_choices(condition)
    assert choices
    assert {c.part for c in choices} == {schedule_1_part(condition)}
    for choice in choices:
        data = example_data()
        data["lawful_basis"] = {**data["lawful_basis"], "article_9": condition.value,
                                "schedule_1": choice.model_dump()}  # fmt: skip
        parse(data)
    assert schedule_1_choices(Article9.EXPLICIT_CONSENT) == []


def test_every_criminal_offence_choice_offered_is_one_art_10_accepts() -> None:
    choices = schedule_1_choices(criminal=True)
    assert {c.part for c in choices} == {1, 2, 3}
    assert 8 not in {c.paragraph for c in choices}  # equality of opportunity: special only
    for choice in choices:
        data = example_data()
        data["datasets"][1]["fields"][2]["criminal_offence"] = True
        data["lawful_basis"] = {**data["lawful_basis"],
                                "article_10": {"schedule_1": choice.model_dump()}}  # fmt: skip
        parse(data)
