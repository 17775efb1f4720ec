"""A citizen's own pages in a real browser against ``accord serve``: how their data has been
used (in words, newest first, page by page, deferred uses hidden, an empty state), their
opt-outs (what each means and where it does not apply, confirm, done; the register
changed and recorded), the download of their subject access response (recorded); two
citizens who can reach nothing of each other's; staff and citizens kept to their own
pages; the whole journey by keyboard alone. Every page and error state is axe-checked.

The uses are recorded in the node's log by the test, through ``audit.record``, as a
share would record them; the node holds the worked example agreement (as a draft), whose
parties name the recipients.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from accord import agreements, audit, privacy
from accord.accounts import Role
from accord.portal.routes import citizen as citizen_routes
from accord.portal.routes import your_data
from tests.agreements.support import example
from tests.audit.support import nhs_numbers
from tests.portal.support import (
    BORN,
    PERSON,
    PortalNode,
    add_people,
    looked_at,
    portal_node,
    sign_in_citizen,
)

# A: many uses (two pages), one deferred to later, one whose deferral is over. B: one use.
# C: none. D: opts out and back. E: the keyboard journey.
A = PERSON
B, C, D, E = nhs_numbers(6)[1:5]
TEST_RANGE = "9990000018"  # valid check digit, but never issued: no register may hold it
BORN_OTHERS = "1975-06-01"
ALPHA, BRAVO, SECRET = "alpha marker", "bravo marker", "deferred secret"
AGREEMENT = "gp-hospital-admission-risk"


def shared(ws: Any, nhs: str, purpose: str, recipient: str = "gp",
           hidden_until: Any = None) -> audit.RecordsDisclosed:  # fmt: skip
    return audit.RecordsDisclosed(
        person=audit.person_key(ws, nhs), agreement=AGREEMENT, recipient=recipient,
        recipient_role="controller", dataset="admissions", purpose=purpose,
        legal_basis="Art 6(1)(e) public task; Art 9(2)(h) health social care",
        gateway="National Health Service Act 2006 s251",
        shared_fields=("nhs_number", "admission_date", "ward"), hidden_until=hidden_until,
    )  # fmt: skip


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalNode]:
    with portal_node(tmp_path_factory.mktemp("your-data")) as made:
        ws = made.ws
        made.staff("steward", Role.STEWARD)
        add_people(ws, "more-residents", [(n, BORN_OTHERS) for n in (B, C, D, E, TEST_RANGE)])
        agreements.record(ws, example())
        today = datetime.now(UTC).date()
        audit.record(ws, shared(ws, A, f"{SECRET}: kept back", hidden_until=today + timedelta(30)))
        audit.record(ws, shared(ws, A, "checked before, shown now", hidden_until=today))
        audit.record(ws, *(shared(ws, A, f"{ALPHA} {n}") for n in range(21)))
        audit.record(ws, shared(ws, B, f"{BRAVO} for a care plan", recipient="hospital"))
        audit.record(ws, *(shared(ws, E, f"echo {n}") for n in range(21)))
        yield made


def cards(page: Page) -> list[str]:
    return page.locator(".govuk-summary-card__title").all_inner_texts()


def row(page: Page, card: int, key: str) -> str:
    found = page.locator(".govuk-summary-card").nth(card).locator(".govuk-summary-list__row")
    return found.filter(has=page.locator("dt", has_text=key)).locator("dd").inner_text()


def test_a_citizen_reads_how_their_data_was_used_page_by_page(node: PortalNode, page: Page) -> None:
    sign_in_citizen(page, node.url, A, BORN)
    assert page.locator("h1").inner_text() == "How your data has been used"
    assert "Showing 1 to 20 of 22 uses." in page.locator("main").inner_text()
    assert cards(page)[0] == "Your records were shared with Riverside Medical Practice"
    assert row(page, 0, "Who") == "Riverside Medical Practice"
    what = row(page, 0, "What")
    assert "NHS number (replaced by a code that does not reveal it)" in what
    assert "From the admissions records of riverside-gp." in what
    assert row(page, 0, "Why") == f"{ALPHA.capitalize()} 20"
    law = row(page, 0, "Under which law")
    assert "UK GDPR Art 6(1)(e) public task" in law
    assert "National Health Service Act 2006 s251: Risk stratification" in law
    assert " at " in row(page, 0, "When")  # like "4 December 2026 at 3:05pm"
    looked_at(page, "citizen-uses")
    page.get_by_role("link", name="Next page").click()
    page.wait_for_url(node.url + "/citizen?page=2")
    assert "Showing 21 to 22 of 22 uses." in page.locator("main").inner_text()
    assert row(page, 1, "Why") == "Checked before, shown now"
    assert "The law allowed this to be kept from you until then" in row(page, 1, "Shown from")
    looked_at(page, "citizen-uses-page-2")
    assert SECRET not in page.content()  # deferred to a later date: not shown yet
    for bad, status in (("3", 404), ("0", 400), ("x", 400), ("99999999999", 400)):
        response = page.goto(node.url + f"/citizen?page={bad}")
        assert response is not None
        assert response.status == status


def test_a_citizen_with_no_uses_is_told_so(node: PortalNode, page: Page) -> None:
    sign_in_citizen(page, node.url, C, BORN_OTHERS)
    assert page.locator("h2").first.inner_text() == "Nothing to show yet"
    assert cards(page) == []
    looked_at(page, "citizen-uses-empty")


def test_a_citizen_opts_out_and_withdraws_where_the_law_allows(
    node: PortalNode, page: Page
) -> None:
    sign_in_citizen(page, node.url, D, BORN_OTHERS)
    page.get_by_role("link", name="Choose whether your data is shared").click()
    assert page.locator("h1").inner_text() == "Choose whether your data is shared"
    looked_at(page, "citizen-opt-outs")
    page.get_by_role("link", name="How to ask").click()  # an objection: staff decide
    assert page.locator("h1").inner_text() == "Objecting to a use of your data"
    assert "data protection officer" in page.locator("main").inner_text()
    assert page.get_by_role("button").filter(has_text="Opt out").count() == 0
    looked_at(page, "citizen-opt-out-objection")
    assert page.goto(node.url + "/citizen/opt-outs/objection/confirm").status == 404  # type: ignore[union-attr]
    assert page.goto(node.url + "/citizen/opt-outs/no-such-scheme").status == 404  # type: ignore[union-attr]

    page.goto(node.url + "/citizen/opt-outs")
    page.get_by_role("link", name="Find out more and opt out").click()
    main = page.locator("main").inner_text()
    assert "You have not opted out." in main
    assert "your own care and treatment" in main  # where it does not apply
    looked_at(page, "citizen-opt-out-national")
    page.get_by_role("button", name="Opt out").click()
    assert page.locator("h1").inner_text() == "Are you sure you want to opt out?"
    looked_at(page, "citizen-opt-out-confirm")
    page.get_by_role("button", name="Yes, opt out").click()
    page.wait_for_url("**/citizen/opt-outs/national/done?was=opt-out")
    assert page.locator(".govuk-panel__title").inner_text() == "You have opted out"
    looked_at(page, "citizen-opt-out-done")
    assert privacy.opted_out(node.ws, D) == {"national"}

    page.goto(node.url + "/citizen/opt-outs")
    page.get_by_role("link", name="Withdraw your opt-out").click()
    page.get_by_role("button", name="Withdraw your opt-out").click()
    assert page.locator("h1").inner_text() == "Are you sure you want to withdraw your opt-out?"
    looked_at(page, "citizen-withdraw-confirm")
    page.get_by_role("button", name="Yes, withdraw my opt-out").click()
    assert page.locator(".govuk-panel__title").inner_text() == "Your opt-out has been withdrawn"
    looked_at(page, "citizen-withdraw-done")
    assert privacy.opted_out(node.ws, D) == frozenset()

    page.goto(node.url + "/citizen")  # both recorded, and shown as the person's own acts
    assert cards(page) == ["Your opt-out (national) was withdrawn",
                           "Your opt-out (national) was registered"]  # fmt: skip
    assert row(page, 0, "Who") == "You"


def test_a_number_no_register_may_hold_is_told_so(node: PortalNode, page: Page) -> None:
    sign_in_citizen(page, node.url, TEST_RANGE, BORN_OTHERS)
    for url in ("/citizen/opt-outs", "/citizen/opt-outs/national/confirm"):
        response = page.goto(node.url + url)
        assert response is not None
        assert response.status == 400
        shown = page.locator("main").inner_text()
        assert "Opt-outs cannot be recorded for your NHS number" in shown
    looked_at(page, "citizen-opt-outs-test-number")
    page.goto(node.url + "/citizen")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    refused = page.request.post(node.url + "/citizen/opt-outs/national/confirm",
                                form={"csrf_token": token, "action": "opt-out"})  # fmt: skip
    assert refused.status == 400


def download(page: Page) -> Any:
    with page.expect_download() as info:
        page.get_by_role("button", name="Download your data").click()
    path = info.value.path()
    assert info.value.suggested_filename.startswith("subject-access-riverside-gp-")
    return json.loads(Path(path).read_text(encoding="utf-8"))


def test_a_citizen_downloads_their_data_and_the_download_is_recorded(
    node: PortalNode, page: Page
) -> None:
    sign_in_citizen(page, node.url, B, BORN_OTHERS)
    got = download(page)
    assert [u["purpose"] for u in got["uses"]] == [f"{BRAVO} for a care plan"]
    assert got["recipients"] == ["hospital (controller)"]
    page.reload()
    assert cards(page)[0] == "You downloaded a copy of this record"
    assert row(page, 0, "Who") == "You"
    me = audit.person_key(node.ws, B)
    assert audit.PersonDownloaded(person=me, provider="local") in [
        e.event for e in audit.entries(node.ws)
    ]


def _token(page: Page) -> str:
    return page.locator("input[name=csrf_token]").first.get_attribute("value") or ""


def _citizen_gets() -> list[str]:
    """Every citizen page a browser can GET, with each value a path or query can take."""
    paths = []
    for router in (citizen_routes.router, your_data.router):
        for route in router.routes:
            methods = getattr(route, "methods", set())
            path = getattr(route, "path", "")
            if "GET" in methods and path.startswith("/citizen"):
                paths.append(path)
    assert set(paths) == {
        "/citizen/sign-in", "/citizen/oidc", "/citizen/callback", "/citizen",
        "/citizen/opt-outs", "/citizen/opt-outs/{scheme}", "/citizen/opt-outs/{scheme}/confirm",
        "/citizen/opt-outs/{scheme}/done",
    }, "a new citizen page: add it to this walk"  # fmt: skip
    urls = []
    for path in paths:
        for scheme in privacy.SCHEMES if "{scheme}" in path else [""]:
            base = path.replace("{scheme}", scheme)
            urls += [base, f"{base}?page=1", f"{base}?page=2", f"{base}?was=opt-out",
                     f"{base}?next=/citizen"]  # fmt: skip
    return urls


def test_a_citizen_reaches_nothing_of_another_citizens(node: PortalNode, browser: Browser) -> None:
    first, second = browser.new_context(), browser.new_context()
    try:
        alice, bob = first.new_page(), second.new_page()
        sign_in_citizen(alice, node.url, A, BORN)
        alice.goto(node.url + "/citizen/opt-outs/national/confirm")
        alice.get_by_role("button", name="Yes, opt out").click()  # A opts out
        sign_in_citizen(bob, node.url, B, BORN_OTHERS)
        a_key = audit.person_key(node.ws, A)
        for url in _citizen_gets():
            bob.goto(node.url + url)
            shown = bob.content()
            for theirs in (ALPHA, SECRET, A, a_key):
                assert theirs not in shown, url
            assert "You have opted out" not in shown, url  # A's choice, not B's
            assert "govuk-tag--green" not in shown, url  # "Opted out", on the list
        # Forms name nobody: a person added to one is ignored, the session decides.
        forged = {"csrf_token": _token(bob), "nhs_number": A, "person": a_key}
        bob.goto(node.url + "/citizen")
        forged["csrf_token"] = _token(bob)
        got = bob.request.post(node.url + "/citizen/download", form=forged)
        assert got.ok
        assert ALPHA not in got.text()
        assert BRAVO in got.text()
        posted = bob.request.post(node.url + "/citizen/opt-outs/national/confirm",
                                  form={**forged, "action": "withdraw"})  # fmt: skip
        assert posted.ok
        assert privacy.opted_out(node.ws, A) == {"national"}  # A's opt-out stands
        assert privacy.opted_out(node.ws, B) == frozenset()
        assert "bravo" not in alice.goto(node.url + "/citizen").text()  # type: ignore[union-attr]
    finally:
        first.close()
        second.close()
        privacy.withdraw_opt_out(node.ws, "national", A, by_role="test", reason="tidy up")


def test_staff_cannot_use_citizen_pages_nor_citizens_staff_pages(
    node: PortalNode, page: Page
) -> None:
    password = node.staff("sally", Role.STEWARD)
    page.goto(node.url + "/staff/sign-in")
    page.fill("#name", "sally")
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(node.url + "/staff")
    for url in ("/citizen", "/citizen/opt-outs", "/citizen/opt-outs/national",
                "/citizen/opt-outs/national/confirm"):  # fmt: skip
        page.goto(node.url + url)
        assert "/citizen/sign-in?next=" in page.url, url
    token = _token(page)
    refused = page.request.post(node.url + "/citizen/download", form={"csrf_token": token},
                                max_redirects=0)  # fmt: skip
    assert refused.status == 303
    assert "/citizen/sign-in" in refused.headers["location"]

    sign_in_citizen(page, node.url, C, BORN_OTHERS)  # the staff session ends
    for url in ("/staff", "/staff/people", "/staff/accounts"):
        page.goto(node.url + url)
        assert "/staff/sign-in?next=" in page.url, url
    before = len(list(audit.entries(node.ws)))
    posted = page.request.post(
        node.url + "/staff/people/download", max_redirects=0,
        form={"csrf_token": _token(page), "nhs_number": A, "date_of_birth-day": "29",
              "date_of_birth-month": "2", "date_of_birth-year": "1980", "role": "x",
              "reason": "y"},
    )  # fmt: skip
    assert posted.status == 303
    assert len(list(audit.entries(node.ws))) == before  # nobody was looked up


def test_signed_out_the_citizen_pages_ask_to_sign_in(node: PortalNode, page: Page) -> None:
    for url in ("/citizen?page=2", "/citizen/opt-outs/national/done"):
        page.goto(node.url + url)
        assert page.url.startswith(node.url + "/citizen/sign-in?next=/citizen")
    page.goto(node.url + "/citizen/sign-in")
    refused = page.request.post(node.url + "/citizen/download", form={"csrf_token": _token(page)},
                                max_redirects=0)  # fmt: skip
    assert refused.status == 303
    assert "/citizen/sign-in" in refused.headers["location"]


def _focus(page: Page) -> str:
    return str(page.evaluate("document.activeElement.textContent.trim().replace(/\\s+/g, ' ')"))


def tab_to(page: Page, text: str, limit: int = 60) -> None:
    """Press Tab until the focused element's text starts with ``text``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focus(page).startswith(text):
            return
    raise AssertionError(f"{text!r} was not reached by Tab on {page.url}")


def follow(page: Page, key: str, url: str) -> None:
    """Press ``key`` on the focused link or button and wait for the page it opens."""
    with page.expect_navigation(url=url):
        page.keyboard.press(key)


def test_the_keyboard_alone_completes_the_citizens_journey(node: PortalNode, page: Page) -> None:
    page.goto(node.url + "/citizen/sign-in")
    tab_to(page, "")  # the first focusable element, then on to the form
    while page.evaluate("document.activeElement.id") != "nhs_number":
        page.keyboard.press("Tab")
    year, month, day = BORN_OTHERS.split("-")
    for value in (E, day, month, year):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    follow(page, "Enter", node.url + "/citizen")
    assert "Showing 1 to 20 of 21 uses." in page.locator("main").inner_text()

    tab_to(page, "Next")  # read on: the next page
    follow(page, "Enter", node.url + "/citizen?page=2")
    tab_to(page, "Choose whether your data is shared")
    follow(page, "Enter", "**/citizen/opt-outs")
    tab_to(page, "Find out more and opt out")
    follow(page, "Enter", "**/citizen/opt-outs/national")
    tab_to(page, "Opt out")
    follow(page, "Space", "**/national/confirm")  # a link drawn as a button: the space bar
    tab_to(page, "Yes, opt out")
    follow(page, "Space", "**/national/done?was=opt-out")
    assert privacy.opted_out(node.ws, E) == {"national"}
    tab_to(page, "Your opt-outs")
    follow(page, "Enter", "**/citizen/opt-outs")
    tab_to(page, "Withdraw your opt-out")
    follow(page, "Enter", "**/citizen/opt-outs/national")
    tab_to(page, "Withdraw your opt-out")
    follow(page, "Enter", "**/national/confirm")
    tab_to(page, "Yes, withdraw my opt-out")
    follow(page, "Enter", "**/national/done?was=withdraw")
    assert privacy.opted_out(node.ws, E) == frozenset()
    tab_to(page, "how your data has been used")
    follow(page, "Enter", node.url + "/citizen")
    tab_to(page, "Download your data")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert len(json.loads(Path(info.value.path()).read_text(encoding="utf-8"))["uses"]) == 23
    tab_to(page, "Sign out")
    follow(page, "Enter", node.url + "/signed-out")
