"""Staff in a real browser against a real ``accord serve``: sign-in (good, wrong,
throttled: each error state axe-checked), the first password changed, sign-out, a
disabled account's session ending at once, roles checked on the server, and sign-in
with the keyboard alone.

The journeys run once, on the embedded default store, to keep the suite fast: what they
store is tested on both stores in tests/accounts, and test_postgres.py runs a journey
against a PostgreSQL node with two workers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from accord import accounts
from accord.accounts import Role
from tests.portal.support import PASSWORD, PortalNode, looked_at, portal_node


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalNode]:
    with portal_node(tmp_path_factory.mktemp("staff")) as made:
        yield made


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def sign_in(page: Page, node: PortalNode, name: str, password: str) -> None:
    page.goto(node.url + "/staff/sign-in")
    page.fill("#name", name)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def errors(page: Page) -> str:
    return page.locator(".govuk-error-summary").inner_text()


def test_a_steward_signs_in_sees_what_they_can_do_and_signs_out(
    node: PortalNode, page: Page
) -> None:
    name = unique("steward")
    password = node.staff(name, Role.STEWARD, Role.APPROVER)
    page.goto(node.url + "/staff/accounts")  # signed out: sign in, then back here
    assert "/staff/sign-in?next=/staff/accounts" in page.url
    looked_at(page, "staff-sign-in")
    page.fill("#name", name)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(node.url + "/staff/accounts")
    assert name in page.locator("table").inner_text()
    looked_at(page, "staff-accounts")
    page.goto(node.url + "/staff")
    assert f"Signed in as {name}" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Staff accounts").count() == 2  # navigation, list
    looked_at(page, "staff-home")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(node.url + "/signed-out")
    looked_at(page, "staff-signed-out")
    page.goto(node.url + "/staff")
    assert "/staff/sign-in" in page.url
    kinds = [e.event.name for e in accounts_events(node)]
    assert kinds[-2:] == ["user.signed_in", "user.signed_out"]


def accounts_events(node: PortalNode) -> list[object]:
    from accord import audit

    return [e for e in audit.entries(node.ws) if e.event.name.startswith("user.sign")]


def test_missing_and_wrong_details_are_shown_as_gov_uk_errors(node: PortalNode, page: Page) -> None:
    name = unique("jo")
    node.staff(name, Role.ANALYST)
    page.goto(node.url + "/staff/sign-in")
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.title().startswith("Error: Sign in")
    assert errors(page).splitlines()[1:] == ["Enter your account name", "Enter your password"]
    page.locator(".govuk-error-summary a").first.click()  # the summary's link reaches the field
    assert page.evaluate("document.activeElement.id") == "name"
    looked_at(page, "staff-sign-in-missing")
    sign_in(page, node, name, "not the right password")
    assert "The account name or password is not right." in errors(page)
    assert page.locator("#name").input_value() == name
    assert page.locator("#password").input_value() == ""  # never sent back
    looked_at(page, "staff-sign-in-wrong")


def test_repeated_failures_lock_the_account_and_say_when_to_try_again(
    node: PortalNode, page: Page
) -> None:
    name = unique("locked")
    password = node.staff(name, Role.STEWARD)
    for _ in range(node.ws.settings.portal_sign_in_attempts):
        sign_in(page, node, name, "a wrong guess each time")
    sign_in(page, node, name, password)  # the right one, too late
    assert "There have been too many failed sign-ins. Try again in 15 minutes." in errors(page)
    assert "/staff/sign-in" in page.url
    looked_at(page, "staff-sign-in-throttled")


def test_the_first_sign_in_asks_for_a_new_password(node: PortalNode, page: Page) -> None:
    name = unique("new")
    node.staff(name, Role.AUDITOR, ready=False)
    sign_in(page, node, name, PASSWORD)
    assert page.url == node.url + "/staff/password"
    page.goto(node.url + "/staff")  # nothing else until it is changed
    assert page.url == node.url + "/staff/password"
    looked_at(page, "staff-password")
    page.fill("#current", PASSWORD)
    page.fill("#new", "my own new password")
    page.fill("#confirm", "not the same one")
    page.get_by_role("button", name="Change password").click()
    assert "The two new passwords are not the same" in errors(page)
    looked_at(page, "staff-password-error")
    page.fill("#current", PASSWORD)
    page.fill("#new", "my own new password")
    page.fill("#confirm", "my own new password")
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url(node.url + "/staff?changed=true")
    assert "Your password has been changed." in page.locator("main").inner_text()


def test_a_disabled_account_s_session_ends_at_once(node: PortalNode, page: Page) -> None:
    name = unique("leaver")
    sign_in(page, node, name, node.staff(name, Role.STEWARD))
    assert page.url == node.url + "/staff"
    accounts.disable_user(node.ws, name, by_role="node administrator", reason="left")
    page.goto(node.url + "/staff/accounts")
    assert "/staff/sign-in" in page.url


def test_roles_are_checked_on_the_server(node: PortalNode, page: Page) -> None:
    name = unique("analyst")
    sign_in(page, node, name, node.staff(name, Role.ANALYST))
    assert page.get_by_role("link", name="Staff accounts").count() == 0
    response = page.goto(node.url + "/staff/accounts")  # typed in: refused all the same
    assert response is not None
    assert response.status == 403
    assert page.locator("h1").inner_text() == "You cannot open this page"
    assert "steward role" in page.locator("main").inner_text()
    looked_at(page, "staff-forbidden")
    accounts.set_roles(node.ws, name, {Role.STEWARD}, by_role="node administrator")
    assert page.goto(node.url + "/staff/accounts").status == 200  # type: ignore[union-attr]


def test_a_member_of_staff_signs_in_with_the_keyboard_alone(node: PortalNode, page: Page) -> None:
    name = unique("keys")
    password = node.staff(name, Role.STEWARD)
    page.goto(node.url + "/staff/sign-in")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "name":
            break
    assert page.evaluate("document.activeElement.id") == "name"
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(password)
    page.keyboard.press("Tab")  # the password's Show button, then the form's button
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Sign in"
    page.keyboard.press("Enter")
    page.wait_for_url(node.url + "/staff")
    assert f"Signed in as {name}" in page.locator("main").inner_text()


def test_signing_in_again_ends_the_browser_s_previous_session(node: PortalNode, page: Page) -> None:
    first, second = unique("first"), unique("second")
    sign_in(page, node, first, node.staff(first, Role.ANALYST))
    sign_in(page, node, second, node.staff(second, Role.STEWARD))
    assert f"Signed in as {second}" in page.locator("main").inner_text()
    ended = [e.event for e in accounts_events(node) if e.event.name == "user.signed_out"]
    assert accounts.UserSignedOut(user=first) in ended
