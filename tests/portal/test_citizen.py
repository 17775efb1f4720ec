"""Citizens in a real browser: sign-in through the local identity provider (NHS number
and date of birth found in the node's dataset), its error states axe-checked, their home
page, sign-out; a citizen is no member of staff."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from accord.accounts import Role
from tests.audit.support import nhs_numbers
from tests.portal.support import BORN, PERSON, PortalNode, looked_at, portal_node


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalNode]:
    with portal_node(tmp_path_factory.mktemp("citizen")) as made:
        made.staff("steward", Role.STEWARD)  # past the first-run page
        yield made


def fill(page: Page, nhs: str, born: str) -> None:
    year, month, day = born.split("-") if born else ("", "", "")
    page.fill("#nhs_number", nhs)
    page.fill("#date_of_birth-day", day)
    page.fill("#date_of_birth-month", month)
    page.fill("#date_of_birth-year", year)
    page.get_by_role("button", name="Sign in", exact=True).click()


def errors(page: Page) -> list[str]:
    return page.locator(".govuk-error-summary__list li").all_inner_texts()


def test_a_citizen_signs_in_with_the_local_provider(node: PortalNode, page: Page) -> None:
    page.goto(node.url + "/")
    looked_at(page, "start")
    page.get_by_role("button", name="Sign in to see your data").click()
    page.wait_for_url(node.url + "/citizen/sign-in")
    looked_at(page, "citizen-sign-in")
    fill(page, "", "")
    assert errors(page) == ["Enter your NHS number",
                            "Enter your date of birth"]  # fmt: skip
    looked_at(page, "citizen-sign-in-missing")
    fill(page, "123", "1980-02-31")
    assert errors(page) == ["Enter your NHS number as 10 digits, like 943 476 5919",
                            "Your date of birth must be a real date, like 27 3 2007"]  # fmt: skip
    other = nhs_numbers(2)[1]
    fill(page, other, BORN)  # a real number, but nobody here
    assert errors(page) == [
        "We could not find you with those details. Check your NHS number and date of "
        "birth and try again."
    ]
    looked_at(page, "citizen-sign-in-not-found")
    spaced = f"{PERSON[:3]} {PERSON[3:6]} {PERSON[6:]}"
    fill(page, spaced, BORN)
    assert page.url == node.url + "/citizen"
    assert page.locator("h1").inner_text() == "How your data has been used"
    looked_at(page, "citizen-home")
    page.goto(node.url + "/staff")  # a citizen is no member of staff
    assert "/staff/sign-in" in page.url
    page.goto(node.url + "/citizen")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(node.url + "/signed-out")
    page.goto(node.url + "/citizen")
    assert page.url == node.url + "/citizen/sign-in?next=/citizen"


def test_a_citizen_signs_in_with_the_keyboard_alone(node: PortalNode, page: Page) -> None:
    page.goto(node.url + "/citizen/sign-in")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "nhs_number":
            break
    year, month, day = BORN.split("-")
    for field, value in (("nhs_number", PERSON), ("date_of_birth-day", day),
                         ("date_of_birth-month", month), ("date_of_birth-year", year)):  # fmt: skip
        assert page.evaluate("document.activeElement.id") == field
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Sign in"
    page.keyboard.press("Enter")
    page.wait_for_url(node.url + "/citizen")
