"""The legal gateway finder in a real browser: the question journey for each of the
brief's three scenarios and the answer it shows (checked against the finder itself and
against what the brief expects), every question's error state, answers changed from
check your answers, a value the page did not offer refused, an agreement draft started
from the answer, and each route refused signed out and to the wrong role. Every page
and error state axe-checked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page

from accord.accounts import Role
from accord.agreements import GatewayAnswers, find_gateways, load_gateway_rules
from tests.portal.records import sign_in
from tests.portal.support import PortalNode, looked_at, portal_node

HOME = "/staff/gateways"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalNode]:
    with portal_node(tmp_path_factory.mktemp("gateways"), people=False) as made:
        yield made


def errors(page: Page) -> str:
    return page.locator(".govuk-error-summary").inner_text()


def refused(page: Page, shot: str, message: str) -> None:
    assert page.title().startswith("Error: ")
    assert message in errors(page)
    looked_at(page, shot)


def go_on(page: Page) -> None:
    page.get_by_role("button", name="Continue").click()


@dataclass(frozen=True)
class Scenario:
    purposes: list[tuple[str, str]]
    """(id, the label the page shows)."""
    parties: list[tuple[str, str, str | None]]
    """(kind, the label the page shows, a name)."""
    special_category: bool = False
    criminal_offence: bool = False
    expected: dict[str, list[str]] = field(default_factory=dict)
    """Words each section's cards begin with, in order (what the brief expects)."""


SCENARIOS = {
    "gp-hospital": Scenario(
        [("direct-care", "Direct care")],
        [("gp-practice", "GP practice", "Riverside Medical Practice"),
         ("nhs-trust", "NHS trust or foundation trust", "Riverside Hospitals")],
        special_category=True,
        expected={"lawful-basis": ["UK GDPR Art 6(1)(e)"],
                  "special-category-data": ["UK GDPR Art 9(2)(h); DPA 2018 s10(2), Sch 1 para 2"],
                  "statutory-gateways": ["Health and Social Care Act 2012 s251B"]},
    ),
    "families": Scenario(
        [("multiple-disadvantages", "Multiple disadvantages")],
        [("local-authority", "Local authority (council)", "Riverside Council"),
         ("police", "Police force", None), ("school", "School or academy", None),
         ("government-department", "Government department or agency", None)],
        special_category=True, criminal_offence=True,
        expected={"lawful-basis": ["UK GDPR Art 6(1)(e)"],
                  "special-category-data": ["UK GDPR Art 9(2)(g)"],
                  "statutory-gateways": ["Digital Economy Act 2017", "Children Act 2004 s10"]},
    ),
    "flood": Scenario(
        [("emergencies", "Emergencies and civil contingencies"),
         ("safeguarding-adults", "Safeguarding adults")],
        [("local-authority", "Local authority (council)", None),
         ("fire-and-rescue", "Fire and rescue authority", None),
         ("police", "Police force", None), ("nhs-trust", "NHS trust or foundation trust", None),
         ("environment-agency", "Environment Agency", None)],
        special_category=True,
        expected={"lawful-basis": ["UK GDPR Art 6(1)(e)", "UK GDPR Art 6(1)(d)",
                                   "UK GDPR Art 6(1)(c)"],
                  "statutory-gateways": ["Civil Contingencies Act 2004", "Care Act 2014 s42",
                                         "Care Act 2014 s45"]},
    ),
}  # fmt: skip


def yes_no(page: Page, name: str, yes: bool) -> None:
    page.check(f"#{name}" if yes else f"#{name}-2")
    go_on(page)


def journey(page: Page, node: PortalNode, scenario: Scenario, shots: bool) -> None:
    """Every question answered, as a steward answers them."""
    page.goto(node.url + HOME)
    if shots:
        looked_at(page, "gateways-start")
    page.get_by_role("button", name="Start now").click()
    for number, (_, label, name) in enumerate(scenario.parties, 1):
        if number > 1:
            yes_no(page, "more", True)
        page.get_by_label(label, exact=True).check()
        if name:
            page.fill("#name", name)
        if shots and number == 1:
            looked_at(page, "gateways-party")
        go_on(page)
        if shots and number == 1:
            looked_at(page, "gateways-public-body")
        go_on(page)  # the kind's usual answer, chosen already
        if shots and number == 2:
            looked_at(page, "gateways-parties")
    yes_no(page, "more", False)
    if shots:
        looked_at(page, "gateways-purposes")
    for _, label in scenario.purposes:
        page.get_by_label(label, exact=True).check()
    go_on(page)
    for name, answer in (("special_category", scenario.special_category),
                         ("criminal_offence", scenario.criminal_offence),
                         ("leaves_public_sector", False)):  # fmt: skip
        if shots:
            looked_at(page, f"gateways-{name.replace('_', '-')}")
        yes_no(page, name, answer)
    assert page.url == node.url + HOME + "/check"
    if shots:
        looked_at(page, "gateways-check")
    page.get_by_role("button", name="See what may fit").click()


def cards(page: Page, section: str) -> list[str]:
    return page.locator(f"#{section} .govuk-summary-card__title").all_inner_texts()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_scenario_of_the_brief_is_answered_with_its_gateways(
    node: PortalNode, page: Page, name: str
) -> None:
    scenario = SCENARIOS[name]
    sign_in(page, node, Role.STEWARD)
    journey(page, node, scenario, shots=name == "gp-hospital")
    assert page.url == node.url + HOME + "/answer"
    assert "This is guidance, not legal advice" in page.locator("#notice").inner_text()
    looked_at(page, f"gateways-answer-{name}")

    answers = GatewayAnswers.model_validate({
        "purposes": [p for p, _ in scenario.purposes],
        "parties": [{"kind": k, **({"name": n} if n else {})} for k, _, n in scenario.parties],
        "special_category": scenario.special_category,
        "criminal_offence": scenario.criminal_offence,
    })  # fmt: skip
    proposal = find_gateways(answers, load_gateway_rules())
    for section, items in (("lawful-basis", proposal.article_6),
                           ("special-category-data", proposal.article_9),
                           ("criminal-offence-data", proposal.article_10),
                           ("statutory-gateways", proposal.gateways)):  # fmt: skip
        assert cards(page, section) == [item.citation for item in items], section
        for item in items:  # each with its conditions and a link to its source
            card = page.locator(f"#{section} .govuk-summary-card", has_text=item.citation)
            assert item.conditions[0] in card.first.inner_text()
            assert card.first.locator(f"a[href='{item.source}']").count() == 1
    for section, starts in scenario.expected.items():
        shown = cards(page, section)
        assert len(shown) >= len(starts)
        for text, start in zip(shown, starts, strict=False):
            assert text.startswith(start), (section, shown)
    main = page.locator("main").inner_text()
    for warning in proposal.warnings:
        assert warning in main
    if name == "gp-hospital":
        assert "It does not apply." in main  # the national data opt-out, for direct care
    if name == "families":
        assert cards(page, "criminal-offence-data")  # Art 10, as criminal data is shared
    if name == "flood":
        assert "Sch 1 para 18" in cards(page, "special-category-data")[2]


def test_every_question_says_what_is_missing_and_pages_keep_their_order(
    node: PortalNode, page: Page
) -> None:
    sign_in(page, node, Role.STEWARD)
    page.goto(node.url + HOME + "/special-category")  # before its turn: the first question
    assert page.url == node.url + HOME + "/parties/add"
    go_on(page)
    refused(page, "gateways-party-missing", "Select what kind of organisation the party is")
    page.get_by_label("Local authority (council)", exact=True).check()
    page.fill("#name", "x" * 201)
    go_on(page)
    refused(page, "gateways-party-name-too-long", "must be 200 characters or fewer")
    page.fill("#name", "Riverside Council")
    go_on(page)
    go_on(page)
    go_on(page)
    refused(page, "gateways-parties-unanswered", "Select yes if you need to add another party")
    yes_no(page, "more", False)
    refused(page, "gateways-parties-too-few", "Add at least two parties")
    yes_no(page, "more", True)
    page.get_by_label("Housing association", exact=True).check()
    go_on(page)
    assert "usually is not a public body" in page.locator("main").inner_text()
    go_on(page)
    yes_no(page, "more", False)
    go_on(page)
    refused(page, "gateways-purposes-missing", "Select what the data is being shared for")
    page.get_by_label("Safeguarding adults", exact=True).check()
    go_on(page)
    for name, message in (
        ("special-category", "Select yes if you will share special category data"),
        ("criminal-offence", "Select yes if you will share criminal offence data"),
        ("public-sector", "Select yes if the data will leave the public sector"),
    ):
        go_on(page)
        refused(page, f"gateways-{name}-missing", message)
        page.locator("input[type=radio]").last.check()  # no
        go_on(page)
    assert page.url == node.url + HOME + "/check"
    # A value no page offered is refused, never used.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    sent = page.request.post(node.url + HOME + "/parties/1",
                             form={"csrf_token": token, "kind": "spaceship"})  # fmt: skip
    assert sent.status == 400
    assert "Select one of the options given" in sent.text()
    assert page.request.get(node.url + HOME + "/parties/9").status == 404
    # Changed from check your answers: back to it, the answer following.
    page.get_by_role("link", name="Change party 2").click()
    page.get_by_label("Utility company", exact=True).check()
    go_on(page)
    page.check("#public_body-2")
    go_on(page)
    assert page.url == node.url + HOME + "/check"
    assert "Utility company" in page.locator("main").inner_text()
    page.get_by_role("button", name="See what may fit").click()
    main = page.locator("main").inner_text()
    assert "Read these first" in main
    assert "not a public body" in main  # it receives data, though the data stays public
    looked_at(page, "gateways-answer-warnings")


def test_an_answer_starts_an_agreement_draft_filled_in_from_it(
    node: PortalNode, page: Page
) -> None:
    sign_in(page, node, Role.STEWARD)
    journey(page, node, SCENARIOS["gp-hospital"], shots=False)
    page.get_by_role("button", name="Start an agreement with these").click()
    page.wait_for_url(node.url + "/staff/agreements/draft")
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "Filled in from the legal gateway finder" in banner
    assert "guidance, not legal advice" in banner
    for part in ("Purposes", "Lawful basis", "Special category data", "Statutory gateway",
                 "National data opt-out"):  # fmt: skip
        item = page.locator(".govuk-task-list__item", has_text=part)
        assert "Check it" in item.inner_text(), part
    looked_at(page, "gateways-draft-prefilled")
    page.get_by_role("link", name="Lawful basis", exact=True).click()
    assert page.get_by_label("Article 6(1)(e)").is_checked()
    assert "gateway finder" in page.locator("#explanation").input_value()
    page.goto(node.url + "/staff/agreements/draft/special-category")
    assert page.get_by_label("Article 9(2)(h)").is_checked()
    assert page.locator("#schedule_1").input_value() == "1.2"
    page.goto(node.url + "/staff/agreements/draft/gateway")
    assert page.locator("#act").input_value() == "Health and Social Care Act 2012"
    assert page.locator("#section").input_value() == "251B"
    page.goto(node.url + "/staff/agreements/draft/purposes")
    assert "direct-care" in page.locator("main").inner_text()


PAGES = [HOME, f"{HOME}/parties", f"{HOME}/parties/add", f"{HOME}/parties/1",
         f"{HOME}/parties/1/public", f"{HOME}/purposes", f"{HOME}/special-category",
         f"{HOME}/criminal-offence", f"{HOME}/public-sector", f"{HOME}/check",
         f"{HOME}/answer"]  # fmt: skip


def test_the_finder_is_for_stewards_and_approvers_and_only_stewards_start_drafts(
    node: PortalNode, page: Page
) -> None:
    for path in PAGES:
        page.goto(node.url + path)
        assert "/staff/sign-in?next=" in page.url, path
    sign_in(page, node, Role.ANALYST, Role.AUDITOR)
    for path in PAGES:
        response = page.goto(node.url + path)
        assert response is not None
        assert response.status == 403, path
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, node, Role.APPROVER)
    journey(page, node, SCENARIOS["gp-hospital"], shots=False)
    main = page.locator("main").inner_text()
    assert "A data steward can start an agreement from these answers." in main
    assert page.get_by_role("button", name="Start an agreement with these").count() == 0
    looked_at(page, "gateways-answer-approver")
