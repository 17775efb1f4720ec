"""The stewards' people area in a real browser against ``accord serve``: find a person by
NHS number and date of birth (every error state), see their subject access response and
download it, each lookup recorded with the role and reason given; register and withdraw
an opt-out on their behalf, with a reason and a confirmation page, recorded by privacy;
forged forms and other roles refused. Every page and error state is axe-checked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from accord import agreements, audit, privacy
from accord.accounts import Role
from tests.agreements.support import example
from tests.audit.support import nhs_numbers
from tests.portal.support import BORN, PERSON, PortalNode, add_people, looked_at, portal_node

OTHER = nhs_numbers(3)[2]  # a valid number that is in none of the node's datasets
TEST_RANGE = "9990000018"  # in a dataset, but in the test range: no register may hold it
ROLE, REASON = "Data protection officer", "subject access request SAR-2026-014"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalNode]:
    with portal_node(tmp_path_factory.mktemp("people")) as made:
        ws = made.ws
        agreements.record(ws, example())
        # Among others: a dataset whose numbers mostly fail is refused at ingest.
        add_people(ws, "more-people", [(n, BORN) for n in (TEST_RANGE, *nhs_numbers(8)[3:])])
        audit.record(ws, audit.RecordsDisclosed(
            person=audit.person_key(ws, PERSON), agreement="gp-hospital-admission-risk",
            recipient="gp", recipient_role="controller", dataset="admissions",
            purpose="finding patients at risk of an emergency admission",
            legal_basis="Art 6(1)(e) public task", gateway="National Health Service Act 2006 s251",
            source="RX1 case RISK/2026/7", retention="365 days", shared_fields=("ward",),
        ))  # fmt: skip
        yield made


def sign_in(page: Page, node: PortalNode, name: str, *roles: Role) -> None:
    password = node.staff(name, *roles)
    page.goto(node.url + "/staff/sign-in")
    page.fill("#name", name)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(node.url + "/staff")


def find(page: Page, nhs: str, born: str, role: str | None = ROLE, reason: str = REASON) -> None:
    year, month, day = born.split("-") if born else ("", "", "")
    page.fill("#nhs_number", nhs)
    page.fill("#date_of_birth-day", day)
    page.fill("#date_of_birth-month", month)
    page.fill("#date_of_birth-year", year)
    if role is not None:
        page.fill("#role", role)
    page.fill("#reason", reason)
    page.get_by_role("button", name="Find", exact=True).click()


def errors(page: Page) -> list[str]:
    return page.locator(".govuk-error-summary__list li").all_inner_texts()


def viewed(node: PortalNode) -> list[audit.Event]:
    return [e.event for e in audit.entries(node.ws) if e.event.name == "person.viewed"]


def test_a_steward_answers_a_subject_access_request(node: PortalNode, page: Page) -> None:
    sign_in(page, node, "sam", Role.STEWARD)
    page.get_by_role("link", name="People").first.click()
    assert page.locator("h1").inner_text() == "Find a person"
    assert page.input_value("#role") == "Data steward"  # the portal role, to change
    looked_at(page, "people-find")
    before = len(viewed(node))

    find(page, "", "", role="", reason="")
    assert errors(page) == [
        "Enter the person's NHS number",
        "Enter the person's date of birth",
        "Enter your role, like data protection officer",
        "Enter the reason, like the subject access request's reference",
    ]
    assert page.title().startswith("Error: ")
    looked_at(page, "people-find-missing")
    find(page, "123 456", "1980-02-31")
    assert errors(page) == [
        "Enter the person's NHS number as 10 digits, like 943 476 5919",
        "The person's date of birth must be a real date, like 27 3 2007",
    ]
    looked_at(page, "people-find-invalid")
    find(page, OTHER, BORN)
    assert errors(page) == [
        "No one with this NHS number and date of birth is in riverside-gp's records. Check "
        "them with the person and try again."
    ]
    looked_at(page, "people-find-not-found")
    find(page, PERSON, "1980-03-01")  # the right number, the wrong date
    assert len(errors(page)) == 1
    assert len(viewed(node)) == before  # no lookup was made

    find(page, f"{PERSON[:3]} {PERSON[3:6]} {PERSON[6:]}", BORN)
    assert page.locator("h1").inner_text() == "Subject access response"
    main = page.locator("main").inner_text()
    assert "gp (controller)" in main  # the response's recipients, as the file holds them
    assert "Your records were shared with Riverside Medical Practice" in main
    assert "RX1 case RISK/2026/7" in main
    looked_at(page, "people-response")
    me = audit.person_key(node.ws, PERSON)
    assert viewed(node)[before:] == [audit.PersonViewed(person=me, by_role=ROLE, reason=REASON)]

    with page.expect_download() as info:
        page.get_by_role("button", name="Download the response").click()
    got = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert [u["what"] for u in got["uses"]] == ["Your record was looked up",
                                                "Your records were shared"]  # fmt: skip
    assert len(viewed(node)) == before + 2  # the download is a lookup too


def scheme_button(page: Page, scheme: str, text: str) -> Locator:
    """The button of ``scheme``'s form on a person's page (its name ends with the
    scheme's title, for screen readers)."""
    form = page.locator("form", has=page.locator(f"input[name=scheme][value={scheme}]"))
    button = form.get_by_role("button")
    assert button.inner_text().startswith(text)
    return button


def test_a_steward_registers_and_withdraws_an_opt_out_on_someones_behalf(
    node: PortalNode, page: Page
) -> None:
    sign_in(page, node, "kim", Role.STEWARD)
    page.goto(node.url + "/staff/people")
    find(page, PERSON, BORN)
    scheme_button(page, "objection", "Register an opt-out").click()
    assert page.locator("h1").inner_text() == "Register an opt-out: objecting to a use of your data"
    looked_at(page, "people-opt-out")
    page.fill("#reason", "")
    page.get_by_role("button", name="Continue").click()
    assert errors(page) == ["Enter the reason, like how the person asked"]
    looked_at(page, "people-opt-out-missing-reason")
    page.fill("#reason", "objection upheld, letter of 3 December 2026")
    page.get_by_role("button", name="Continue").click()
    assert page.locator("h1").inner_text() == "Register this opt-out?"
    looked_at(page, "people-opt-out-confirm")
    page.get_by_role("button", name="Yes, register the opt-out").click()
    assert page.locator(".govuk-panel__title").inner_text() == "Opt-out registered"
    looked_at(page, "people-opt-out-done")
    assert privacy.opted_out(node.ws, PERSON) == {"objection"}
    me = audit.person_key(node.ws, PERSON)
    registered = [e.event for e in audit.entries(node.ws) if e.event.name == "optout.registered"]
    assert registered[-1] == audit.OptOutRegistered(
        person=me, scheme="objection", by_role=ROLE,  # carried on from the lookup
        reason="objection upheld, letter of 3 December 2026",
    )  # fmt: skip

    page.goto(node.url + "/staff/people")
    find(page, PERSON, BORN)
    scheme_button(page, "objection", "Withdraw the opt-out").click()
    page.fill("#reason", "the person withdrew their objection by phone")
    page.get_by_role("button", name="Continue").click()
    assert page.locator("h1").inner_text() == "Withdraw this opt-out?"
    looked_at(page, "people-withdraw-confirm")
    page.get_by_role("button", name="Yes, withdraw the opt-out").click()
    assert page.locator(".govuk-panel__title").inner_text() == "Opt-out withdrawn"
    looked_at(page, "people-withdraw-done")
    assert privacy.opted_out(node.ws, PERSON) == frozenset()


def test_a_number_no_register_may_hold_is_looked_up_but_gets_no_opt_out(
    node: PortalNode, page: Page
) -> None:
    sign_in(page, node, "tam", Role.STEWARD)
    page.goto(node.url + "/staff/people")
    find(page, TEST_RANGE, BORN)
    assert page.locator("h1").inner_text() == "Subject access response"
    assert "Opt-outs cannot be recorded for this NHS number" in page.locator("main").inner_text()
    assert page.locator("input[name=scheme]").count() == 0
    looked_at(page, "people-response-test-number")
    refused = page.request.post(node.url + "/staff/people/opt-out/confirm", form={
        "csrf_token": _token(page), "nhs_number": TEST_RANGE, "date_of_birth-day": "29",
        "date_of_birth-month": "2", "date_of_birth-year": "1980", "role": ROLE,
        "reason": REASON, "scheme": "national", "action": "register",
    })  # fmt: skip
    assert refused.status == 400


def _token(page: Page) -> str:
    return page.locator("input[name=csrf_token]").first.get_attribute("value") or ""


def test_forged_forms_are_refused_and_record_nothing(node: PortalNode, page: Page) -> None:
    sign_in(page, node, "lee", Role.STEWARD)
    page.goto(node.url + "/staff/people")
    before = len(list(audit.entries(node.ws)))
    person = {"nhs_number": PERSON, "date_of_birth-day": "29", "date_of_birth-month": "2",
              "date_of_birth-year": "1980", "role": ROLE, "reason": REASON}  # fmt: skip
    for path, changes in (
        ("/staff/people/download", {"nhs_number": OTHER}),  # nobody in the records
        ("/staff/people/download", {"reason": ""}),
        ("/staff/people/opt-out/confirm", {"scheme": "no-such", "action": "register"}),
        ("/staff/people/opt-out/confirm", {"scheme": "national", "action": "erase"}),
        ("/staff/people/opt-out/confirm", {"scheme": "national", "action": "register",
                                           "date_of_birth-year": "1981"}),
        ("/staff/people/opt-out", {"scheme": "national"}),
    ):  # fmt: skip
        form = {**person, "csrf_token": _token(page), **changes}
        refused = page.request.post(node.url + path, form=form)
        assert refused.status == 400, (path, changes)
    missing = page.request.post(node.url + "/staff/people/download", form=person)
    assert missing.status == 400  # no CSRF token
    assert len(list(audit.entries(node.ws))) == before
    assert privacy.opted_out(node.ws, PERSON) == frozenset()


def test_only_stewards_open_the_people_area(node: PortalNode, page: Page) -> None:
    page.goto(node.url + "/staff/people")
    assert page.url == node.url + "/staff/sign-in?next=/staff/people"
    sign_in(page, node, "ana", Role.ANALYST, Role.AUDITOR, Role.APPROVER)
    assert page.get_by_role("link", name="People").count() == 0  # not in the navigation
    response = page.goto(node.url + "/staff/people")
    assert response is not None
    assert response.status == 403
    assert "data steward role" in page.locator("main").inner_text()
    before = len(list(audit.entries(node.ws)))
    refused = page.request.post(node.url + "/staff/people", form={
        "csrf_token": _token(page), "nhs_number": PERSON, "date_of_birth-day": "29",
        "date_of_birth-month": "2", "date_of_birth-year": "1980", "role": "x", "reason": "y",
    })  # fmt: skip
    assert refused.status == 403
    assert len(list(audit.entries(node.ws))) == before
