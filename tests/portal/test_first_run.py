"""A node with no staff account yet: its portal's first page says how to make the first
one, and nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.portal.support import PortalNode, looked_at, portal_node


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalNode]:
    with portal_node(tmp_path_factory.mktemp("first-run"), people=False) as node:
        yield node


def test_the_first_page_says_how_to_create_the_first_staff_account(
    fresh: PortalNode, page: Page
) -> None:
    response = page.goto(fresh.url + "/")
    assert response is not None
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Create the first staff account"
    assert "accord user add NAME --role steward" in page.locator("main").inner_text()
    assert page.locator("main a").count() == 0  # nothing else: no sign-in yet
    looked_at(page, "first-run")


def test_staff_sign_in_before_any_account_refuses_like_any_other(
    fresh: PortalNode, page: Page
) -> None:
    page.goto(fresh.url + "/staff")
    assert page.url.endswith("/staff/sign-in?next=/staff")
    page.fill("#name", "nobody")
    page.fill("#password", "not a password at all")
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert (
        "The account name or password is not right."
        in page.locator(".govuk-error-summary").inner_text()
    )
