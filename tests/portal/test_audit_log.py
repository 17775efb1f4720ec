"""The audit log explorer in a real browser against a real ``accord serve``: entries
filtered by date, event type, agreement and recipient, paged both ways through a bulk
use; an entry with its inclusion proof, checked here from what the page shows; the
newest checkpoint; every form error in the GOV.UK pattern; and the roles it refuses."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page

from accord import audit
from accord.accounts import Role
from tests.exchange.support import federation
from tests.portal.records import COUNCIL, FLOODS, RISK, section, sign_in, uses, witnessed
from tests.portal.support import PortalNode, looked_at, portal_node

PAGES = ["/staff/audit-log", "/staff/audit-log/entries/0"]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalNode]:
    fed = federation(tmp_path_factory.mktemp("federation"))
    trust = {"trust_list_url": str(fed.list_path), "trust_list_key": fed.key}
    with portal_node(tmp_path_factory.mktemp("audit-log"), settings=trust) as made:
        uses(made.ws)
        witnessed(made, fed)
        yield made


def rows(page: Page) -> list[list[str]]:
    """The entries table's rows, cell by cell."""
    return [r.split("\t") for r in page.locator("#entries + table tbody tr").all_inner_texts()]


def find(page: Page, **fields: str) -> None:
    """Fill the filter form (field name to value; dates as "day month year") and send it."""
    for name, value in fields.items():
        if name in ("from", "to"):
            for part, shown in zip(("day", "month", "year"), value.split(" "), strict=True):
                page.fill(f"#{name}-{part}", shown)
        elif name == "type":
            page.select_option("#type", value)
        else:
            page.fill(f"#{name}", value)
    page.get_by_role("button", name="Show entries").click()


def test_a_steward_finds_entries_pages_through_them_and_checks_one(
    node: PortalNode, page: Page
) -> None:
    sign_in(page, node, Role.STEWARD)
    page.get_by_role("link", name="Audit log").first.click()
    page.wait_for_url(node.url + "/staff/audit-log")
    newest = rows(page)[0]
    assert newest[2] == "user.signed_in"  # this steward's own sign-in, newest first
    checkpoint = section(page, "The newest signed checkpoint")
    assert "This node's signature, checked with its key" in checkpoint
    assert "County audit office (node AU1)" in section(page, "The newest signed checkpoint")
    looked_at(page, "audit-log")

    find(page, type="disclosure.decided")
    found = rows(page)
    assert [r[2] for r in found] == ["disclosure.decided"] * 2
    assert found[0][1] == "20 November 2026 at 3:05pm"
    assert f"agreement {FLOODS}; requester {COUNCIL}" in found[0][3]
    assert "permitted no" in found[0][3]
    page.goto(node.url + "/staff/audit-log")
    find(page, **{"from": "1 11 2026", "to": "15 11 2026", "agreement": RISK})
    (only,) = rows(page)
    assert only[1] == "10 November 2026 at 9am"
    assert page.locator("#agreement").input_value() == RISK  # the form keeps the filter
    looked_at(page, "audit-log-filtered")
    page.goto(node.url + f"/staff/audit-log?recipient={COUNCIL}")
    assert [r[1] for r in rows(page)] == ["20 November 2026 at 3:05pm"]

    # Thirty people in one bulk use: a page of 25, then 5, then back.
    page.goto(node.url + "/staff/audit-log?type=records.disclosed")
    first = rows(page)
    assert len(first) == 25
    page.get_by_role("link", name="Older entries").click()
    second = rows(page)
    assert len(second) == 5
    assert int(second[0][0].split(":")[0]) == int(first[-1][0].split(":")[0]) - 1
    assert "type=records.disclosed" in page.url
    assert page.get_by_role("link", name="Older entries").count() == 0
    page.get_by_role("link", name="Newer entries").click()
    assert rows(page) == first
    assert page.get_by_role("link", name="Newer entries").count() == 0

    page.locator("#entries + table tbody tr a").first.click()
    index = int(page.url.rsplit("/", 1)[1])
    assert page.locator("h1").inner_text() == f"Entry {index}"
    main = page.locator("main").inner_text()
    assert "Proof checked" in main
    assert "One person's records were disclosed to a recipient under an agreement." in main
    looked_at(page, "audit-log-entry")
    # What the page shows is a proof: checked here from the page alone.
    codes = page.locator("dd code.accord-code").all_inner_texts()
    leaf, *proof, root = (bytes.fromhex(c) for c in codes)
    assert leaf == audit.leaf(node.ws, index)
    size = int(page.locator("pre").nth(1).inner_text().split("\n")[1])
    audit.verify_inclusion(index, size, leaf, proof, root)
    note_root = page.locator("pre").nth(1).inner_text().split("\n")[2]
    assert base64.b64decode(note_root) == root


def test_each_filter_mistake_is_shown_as_a_gov_uk_error(node: PortalNode, page: Page) -> None:
    sign_in(page, node, Role.AUDITOR)
    page.goto(node.url + "/staff/audit-log")
    find(page, **{"from": "31 2 2026", "to": "1 1 2026"})
    assert page.title().startswith("Error: Audit log")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "The date from must be a real date, like 27 3 2026" in summary
    assert page.locator("#from-day").input_value() == "31"
    assert page.locator("#entries").count() == 0  # no entries until the filter is right
    looked_at(page, "audit-log-error-dates")
    page.get_by_role("link", name="The date from must be a real date, like 27 3 2026").click()
    assert page.evaluate("document.activeElement.id") == "from-day"

    page.goto(node.url + "/staff/audit-log")
    find(page, **{"from": "2 11 2026", "to": "1 11 2026"})
    assert (
        "The date to must be the same as or after the date from"
        in page.locator(".govuk-error-summary").inner_text()
    )
    page.goto(node.url + "/staff/audit-log?from-month=11&from-year=2026&agreement=" + "a" * 201
              + "&type=no.such-type")  # fmt: skip
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "The date from must include a day" in summary
    assert "The agreement must be 200 characters or fewer" in summary
    assert "Choose an event type from the list" in summary
    looked_at(page, "audit-log-error-fields")
    response = page.goto(node.url + "/staff/audit-log?before=-1")
    assert response is not None
    assert response.status == 400


def test_an_auditor_may_explore_and_other_roles_may_not(node: PortalNode, page: Page) -> None:
    sign_in(page, node, Role.AUDITOR)
    for path in PAGES:
        response = page.goto(node.url + path)
        assert response is not None
        assert response.status == 200, path
    response = page.goto(node.url + "/staff/audit-log/entries/999999")
    assert response is not None
    assert response.status == 404
    page.context.clear_cookies()
    sign_in(page, node, Role.ANALYST, Role.APPROVER)
    for path in PAGES:
        response = page.goto(node.url + path)
        assert response is not None
        assert response.status == 403, path
        assert "steward or auditor role" in page.locator("main").inner_text()
    looked_at(page, "audit-log-refused")


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_the_pages_ask_for_sign_in(node: PortalNode, path: str) -> None:
    response = httpx.get(node.url + path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/sign-in?next={path}"
