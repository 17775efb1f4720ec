"""Opt-out schemes: which registers apply, by legal basis, purpose and output."""

from __future__ import annotations

import pytest

from accord.privacy import (
    SCHEME_TEXTS,
    SCHEMES,
    Disclosure,
    LawfulBasis,
    Output,
    UnknownScheme,
    register_scheme,
    ruling,
    scheme_text,
)

B = LawfulBasis


def _d(basis: LawfulBasis, purpose: str = "planning", output: Output = Output.PSEUDONYMISED,
       applies: bool = True, public_interest: bool = False) -> Disclosure:  # fmt: skip
    return Disclosure("dsa-1", basis, purpose, output, applies, public_interest)


# The national data opt-out: applies beyond individual care, save the exemptions.
@pytest.mark.parametrize(
    ("disclosure", "applies", "reason"),
    [
        (_d(B.PUBLIC_TASK), True, "beyond individual care"),
        (_d(B.LEGITIMATE_INTERESTS, "research"), True, "beyond individual care"),
        (_d(B.CONTRACT), True, "beyond individual care"),
        (_d(B.VITAL_INTERESTS), True, "beyond individual care"),
        (_d(B.PUBLIC_TASK, output=Output.IDENTIFIABLE), True, "beyond individual care"),
        (_d(B.CONSENT), False, "consented"),
        (_d(B.LEGAL_OBLIGATION), False, "the law requires"),
        (_d(B.PUBLIC_TASK, "direct_care"), False, "individual care is exempt"),
        (_d(B.PUBLIC_TASK, output=Output.AGGREGATE), False, "aggregate"),
        (_d(B.PUBLIC_TASK, public_interest=True), False, "overriding public interest"),
        (_d(B.PUBLIC_TASK, applies=False), False, "does not apply"),
    ],
)
def test_the_national_opt_out_applies_as_its_rules_say(
    disclosure: Disclosure, applies: bool, reason: str
) -> None:
    result = ruling("national", disclosure)
    assert result.applies is applies
    assert reason in result.reason


@pytest.mark.parametrize("basis", list(LawfulBasis))
@pytest.mark.parametrize("output", list(Output))
def test_article_21_objections_reach_public_task_and_legitimate_interests_only(
    basis: LawfulBasis, output: Output
) -> None:
    expected = output is not Output.AGGREGATE and basis in (B.PUBLIC_TASK,
                                                             B.LEGITIMATE_INTERESTS)  # fmt: skip
    assert ruling("objection", _d(basis, output=output)).applies is expected


def test_an_unknown_scheme_is_named_and_a_scheme_registers_once() -> None:
    with pytest.raises(UnknownScheme, match="no opt-out scheme 'local'"):
        ruling("local", _d(B.PUBLIC_TASK))
    with pytest.raises(ValueError, match="already registered"):
        register_scheme("national", lambda d: (True, "always"))
    assert {"national", "objection"} <= set(SCHEMES)


def test_every_scheme_is_explained_and_says_who_may_choose_it() -> None:
    assert set(SCHEME_TEXTS) == set(SCHEMES)
    national, objection = scheme_text("national"), scheme_text("objection")
    assert national.self_service
    assert "your own care and treatment" in national.exemptions
    assert not objection.self_service  # the controller decides whether to uphold it
    assert "data protection officer" in objection.how_to
    with pytest.raises(UnknownScheme):
        scheme_text("local")
    register_scheme("test-only-scheme", lambda d: (False, "never"))
    try:
        assert not scheme_text("test-only-scheme").self_service  # staff record it by default
    finally:
        del SCHEMES["test-only-scheme"], SCHEME_TEXTS["test-only-scheme"]


# --- DPA 2018 Part 3 (law enforcement) against each scheme --------------------------------

LAW_ENFORCEMENT = (B.LAW_ENFORCEMENT_CONSENT, B.LAW_ENFORCEMENT_TASK)


@pytest.mark.parametrize("basis", list(LawfulBasis))
@pytest.mark.parametrize("output", list(Output))
@pytest.mark.parametrize("purpose", ["planning", "direct_care"])
@pytest.mark.parametrize("applies", [True, False])
@pytest.mark.parametrize("public_interest", [False, True])
def test_every_combination_of_facts_against_both_schemes(
    basis: LawfulBasis, output: Output, purpose: str, applies: bool, public_interest: bool
) -> None:
    d = _d(basis, purpose, output, applies, public_interest)
    national = (output is not Output.AGGREGATE and purpose != "direct_care"
                and basis not in (B.CONSENT, B.LEGAL_OBLIGATION, *LAW_ENFORCEMENT)
                and not public_interest and applies)  # fmt: skip
    objection = output is not Output.AGGREGATE and basis in (B.PUBLIC_TASK,
                                                              B.LEGITIMATE_INTERESTS)  # fmt: skip
    assert ruling("national", d).applies is national
    assert ruling("objection", d).applies is objection
    assert basis.law_enforcement is (basis in LAW_ENFORCEMENT)


@pytest.mark.parametrize(
    ("basis", "scheme", "words"),
    [
        (B.LAW_ENFORCEMENT_TASK, "national", "section 251"),
        (B.LAW_ENFORCEMENT_CONSENT, "national", "consented"),
        (B.LAW_ENFORCEMENT_TASK, "objection", "Part 3 gives no right to object"),
        (B.LAW_ENFORCEMENT_CONSENT, "objection", "Sch 2 para 2"),
    ],
)
def test_law_enforcement_rulings_say_why(basis: LawfulBasis, scheme: str, words: str) -> None:
    assert words in ruling(scheme, _d(basis)).reason
