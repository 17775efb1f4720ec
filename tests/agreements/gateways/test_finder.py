"""The finder against the three scenarios of the brief, the warnings, and the draft it
pre-fills (validated by the agreement model itself)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from accord.agreements import (
    Article6,
    Article9,
    GatewayAnswers,
    GatewayProposal,
    UnknownAnswer,
    find_gateways,
    load_gateway_rules,
    parse,
    prefill,
)
from tests.agreements.support import example_data

RULES = load_gateway_rules()


def find(
    purposes: list[str], parties: list[str | dict[str, Any]], **flags: bool
) -> GatewayProposal:
    given = [p if isinstance(p, dict) else {"kind": p} for p in parties]
    return find_gateways(GatewayAnswers.model_validate(
        {"purposes": purposes, "parties": given, **flags}), RULES)  # fmt: skip


def ids(items: list[Any]) -> list[str]:
    return [item.id for item in items]


# The three scenarios of the brief ------------------------------------------------------

GP_HOSPITAL = (["direct-care"], ["gp-practice", "nhs-trust"], {"special_category": True})
FAMILIES = (
    ["multiple-disadvantages"],
    ["local-authority", "police", "school", "government-department"],
    {"special_category": True, "criminal_offence": True},
)
FLOOD = (
    ["emergencies", "safeguarding-adults"],
    ["local-authority", "fire-and-rescue", "police", "nhs-trust", "environment-agency"],
    {"special_category": True},
)
SCENARIOS = {"gp-hospital": GP_HOSPITAL, "families": FAMILIES, "flood": FLOOD}


def test_gp_and_hospital_finding_admission_risk_is_direct_care_on_health_data() -> None:
    proposal = find(GP_HOSPITAL[0], GP_HOSPITAL[1], **GP_HOSPITAL[2])

    assert [b.article_6 for b in proposal.article_6] == [Article6.PUBLIC_TASK]
    [health] = proposal.article_9
    assert health.article_9 is Article9.HEALTH_SOCIAL_CARE
    assert health.schedule_1 is not None
    assert (health.schedule_1.part, health.schedule_1.paragraph) == (1, 2)
    assert ids(proposal.gateways) == ["hsca-2012-s251b"]
    assert proposal.gateways[0].act == "Health and Social Care Act 2012"
    assert proposal.gateways[0].section == "251B"
    assert any("objects" in c for c in proposal.gateways[0].conditions)
    assert proposal.national_data_opt_out is not None
    assert not proposal.national_data_opt_out.applies
    assert proposal.warnings == []
    assert proposal.gateways[0].source == "https://www.legislation.gov.uk/ukpga/2012/7/section/251B"


def test_families_with_several_problems_share_under_digital_economy_act_part_5() -> None:
    proposal = find(FAMILIES[0], FAMILIES[1], **FAMILIES[2])

    assert [b.article_6 for b in proposal.article_6] == [Article6.PUBLIC_TASK]
    assert ids(proposal.gateways) == ["dea-2017-s35", "children-act-2004-s10"]
    dea = proposal.gateways[0]
    assert (dea.act, dea.part, dea.chapter, dea.section) == ("Digital Economy Act 2017", "5",
                                                            "1", "35")  # fmt: skip
    assert any("specified persons" in c for c in dea.conditions)
    assert any("Code of Practice" in c for c in dea.conditions)
    assert "SI 2018/912" in dea.citation
    [condition] = proposal.article_9
    assert condition.article_9 is Article9.SUBSTANTIAL_PUBLIC_INTEREST
    assert condition.schedule_1 is not None
    assert condition.schedule_1.paragraph == 6
    assert ids(proposal.article_10) == ["statutory-purposes-criminal"]
    assert proposal.rules == ["multiple-disadvantages", "multiple-disadvantages-children"]


def test_vulnerable_people_in_a_flood_are_civil_contingencies_and_adult_safeguarding() -> None:
    proposal = find(FLOOD[0], FLOOD[1], **FLOOD[2])

    assert [b.article_6 for b in proposal.article_6] == [
        Article6.PUBLIC_TASK, Article6.VITAL_INTERESTS, Article6.LEGAL_OBLIGATION,
    ]  # fmt: skip
    assert ids(proposal.gateways) == ["cca-2004", "care-act-2014-s42", "care-act-2014-s45"]
    cca = proposal.gateways[0]
    assert "Contingency Planning" in cca.citation
    assert "Part 8" in cca.citation
    assert ids(proposal.article_9) == ["statutory-purposes", "vital-interests-special",
                                       "safeguarding"]  # fmt: skip
    assert proposal.article_9[2].schedule_1 is not None
    assert proposal.article_9[2].schedule_1.paragraph == 18
    # Every party is a Category 1 responder: no party goes uncovered.
    assert not any("is not covered" in w for w in proposal.warnings)
    assert proposal.gateways[0].rules == ["emergencies"]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_prefilled_draft_validates_as_an_agreement(name: str) -> None:
    purposes, parties, flags = SCENARIOS[name]
    proposal = find(purposes, parties, **flags)
    fields = prefill(proposal)

    assert set(fields) == {"purposes", "lawful_basis", "gateway", "national_data_opt_out"} - (
        set() if proposal.national_data_opt_out else {"national_data_opt_out"})  # fmt: skip
    draft = {**example_data(), **fields}
    ward = draft["datasets"][1]["fields"][3]
    assert ward["name"] == "ward"
    ward["criminal_offence"] = flags.get("criminal_offence", False)
    agreement = parse(draft, f"{name} draft")  # raises, naming each field, if it does not fit

    basis = agreement.lawful_basis
    assert basis.article_6 is proposal.article_6[0].article_6
    assert basis.article_9 is proposal.article_9[0].article_9
    assert agreement.gateway is not None
    assert agreement.gateway.act == proposal.gateways[0].act
    assert [p.code for p in agreement.purposes] == purposes
    assert "not legal advice" in basis.explanation
    assert (basis.article_10 is not None) == flags.get("criminal_offence", False)


def test_art_9_and_10_conditions_come_only_with_such_data() -> None:
    proposal = find(FAMILIES[0], FAMILIES[1])
    assert proposal.article_9 == []
    assert proposal.article_10 == []
    fields = prefill(proposal)["lawful_basis"]
    assert "article_9" not in fields
    assert "schedule_1" not in fields
    assert "article_10" not in fields


def test_special_category_data_with_no_condition_proposed_is_a_warning() -> None:
    proposal = find(["direct-care"], ["gp-practice", "nhs-trust"], criminal_offence=True)
    assert any("criminal offence data needs a UK GDPR Art 10 condition" in w
               for w in proposal.warnings)  # fmt: skip


def test_data_leaving_the_public_sector_is_where_part_5_stops() -> None:
    parties = ["local-authority", "government-department", "housing-association"]
    proposal = find(["multiple-disadvantages"], parties, leaves_public_sector=True)

    warnings = "\n".join(proposal.warnings)
    assert "Digital Economy Act 2017 s35: Part 5 covers a body outside the public sector only" in (
        warnings)  # fmt: skip
    assert "The data leaves the public sector" in warnings
    assert "legitimate-interests" in ids(proposal.article_6)


def test_a_party_outside_the_public_sector_with_data_kept_inside_is_questioned() -> None:
    proposal = find(["multiple-disadvantages"], ["local-authority", "housing-association"])
    assert any("party 2 (Housing association) is not a public body" in w
               for w in proposal.warnings)  # fmt: skip


def test_a_public_body_answer_overrides_the_kind() -> None:
    parties: list[str | dict[str, Any]] = [
        "local-authority", {"kind": "housing-association", "public_body": True},
    ]  # fmt: skip
    proposal = find(["multiple-disadvantages"], parties)
    assert not any("not a public body" in w for w in proposal.warnings)
    assert "not-a-public-body" not in proposal.rules


def test_a_party_the_gateway_does_not_cover_is_named() -> None:
    parties: list[str | dict[str, Any]] = [
        "police", "local-authority", {"kind": "voluntary-organisation", "name": "Refuge Leeds"},
    ]  # fmt: skip
    proposal = find(["crime-and-disorder"], parties, leaves_public_sector=True)

    assert ids(proposal.gateways) == ["cda-1998-s115"]
    uncovered = [w for w in proposal.warnings if "is not covered" in w]
    assert uncovered == [
        "Crime and Disorder Act 1998 s115: Refuge Leeds (Voluntary or community organisation) "
        "is not covered: s115 lets anyone disclose to a relevant authority, but gives no power "
        "to disclose to a body that is not one (or acting for one)."
    ]


def test_police_using_data_for_law_enforcement_are_pointed_to_part_3() -> None:
    proposal = find(["crime-and-disorder"], ["police", "local-authority"], criminal_offence=True)
    assert any("DPA 2018 Part 3" in w and "law_enforcement" in w for w in proposal.warnings)
    assert ids(proposal.article_10) == ["preventing-unlawful-acts-criminal"]


def test_health_bodies_are_warned_off_the_digital_economy_act() -> None:
    proposal = find(["multiple-disadvantages"], ["local-authority", "nhs-trust"])
    assert any("not a gateway for health or adult social care information" in w
               for w in proposal.warnings)  # fmt: skip


def test_no_gateway_is_a_warning_not_a_silence() -> None:
    proposal = find(["safeguarding-adults"], ["police", "nhs-trust"], special_category=True)
    assert proposal.gateways == []
    assert any(w.startswith("no statutory gateway fits these answers") for w in proposal.warnings)
    assert "gateway" not in prefill(proposal)


def test_where_rules_differ_on_the_opt_out_the_cautious_answer_wins() -> None:
    proposal = find(["direct-care", "planning-and-research"], ["gp-practice", "nhs-trust"])
    assert proposal.national_data_opt_out is not None
    assert proposal.national_data_opt_out.applies
    assert ids(proposal.gateways) == ["hsca-2012-s251b", "nhs-act-2006-s251"]


def test_an_unknown_purpose_or_kind_names_the_choices() -> None:
    with pytest.raises(UnknownAnswer) as caught:
        find(["troubled-families"], ["local-authority", "police"])
    assert caught.value.question == "purpose"
    assert "multiple-disadvantages" in str(caught.value)
    with pytest.raises(UnknownAnswer, match=r"'council' is not one the gateway rules know.*"
                       r"local-authority"):  # fmt: skip
        find(["emergencies"], ["council", "police"])


def test_a_sharing_has_at_least_two_parties() -> None:
    with pytest.raises(ValidationError, match="parties"):
        GatewayAnswers.model_validate({"purposes": ["emergencies"],
                                       "parties": [{"kind": "police"}]})  # fmt: skip


def test_every_proposal_says_it_is_guidance_not_legal_advice() -> None:
    for purposes, parties, flags in SCENARIOS.values():
        assert "not legal advice" in find(purposes, parties, **flags).notice


@pytest.mark.parametrize("purpose", list(RULES.purposes))
def test_every_purpose_shipped_prefills_a_draft_the_model_accepts(purpose: str) -> None:
    proposal = find([purpose], ["local-authority", "nhs-trust"], special_category=True,
                    criminal_offence=True)  # fmt: skip
    assert proposal.gateways, f"no gateway for {purpose}"
    draft = {**example_data(), **prefill(proposal)}
    draft["datasets"][1]["fields"][3]["criminal_offence"] = bool(proposal.article_10)
    agreement = parse(draft, f"{purpose} draft")
    assert agreement.lawful_basis.article_9 is not None
