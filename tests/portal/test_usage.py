"""Usage and cost sharing in a real browser against a real ``accord serve``: a month's
figures per agreement, party and direction as a table and a server-drawn SVG chart of
the same figures (no script, no inline style), the months either side, the CSV file
(the same as ``exchange.usage`` gives), a month with nothing, every form error, and the
roles it refuses."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page

from accord.accounts import Role
from accord.exchange import usage
from tests.portal.records import COUNCIL, FLOODS, HOSPITAL, RISK, sign_in, uses
from tests.portal.records import usage as record_usage
from tests.portal.support import PortalNode, looked_at, portal_node

NOVEMBER = "/staff/usage?month-month=11&month-year=2026"
PAGES = [NOVEMBER, "/staff/usage/download?month-month=11&month-year=2026"]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalNode]:
    with portal_node(tmp_path_factory.mktemp("usage")) as made:
        uses(made.ws)
        record_usage(made.ws)
        yield made


def test_a_steward_reads_a_month_as_a_chart_a_table_and_a_file(
    node: PortalNode, page: Page
) -> None:
    sign_in(page, node, Role.STEWARD)
    page.get_by_role("link", name="Usage").first.click()
    page.fill("#month-month", "11")
    page.fill("#month-year", "2026")
    page.get_by_role("button", name="Show this month").click()
    assert page.locator("h1").inner_text() == "Usage in November 2026"
    table = [r.split("\t") for r in page.locator("table tbody tr").all_inner_texts()]
    by_party = {(r[0], r[1], r[2]): r[3:] for r in table}
    # requests, permitted, refused, shares, lookups, records, data
    assert by_party[(RISK, HOSPITAL, "this node provided")] == [
        "1", "1", "0", "1", "1", "1,201", "48 KB"]  # fmt: skip
    assert by_party[(FLOODS, COUNCIL, "this node provided")][:3] == ["1", "0", "1"]
    assert by_party[(FLOODS, COUNCIL, "this node received")][5:] == ["300", "9.0 KB"]
    assert table[-2][:3] == ["Total", "", "this node provided"]
    assert table[-2][8] == "1,201"

    chart = page.locator("figure.accord-chart svg")
    assert chart.get_attribute("role") == "img"
    title = chart.locator("title").text_content() or ""
    assert "Records by agreement and party, November 2026" in title
    bars = chart.locator("rect")
    assert bars.count() == len(table) - 2  # one bar a row of the table, totals aside
    widths = [float(w or 0) for w in (bars.nth(n).get_attribute("width") for n in range(3))]
    shown = chart.locator(".accord-chart__value").all_text_contents()
    assert shown[1] == "300 received"  # the direction in words, not by colour alone
    values = [int(t.split(" ")[0].replace(",", "")) for t in shown]
    assert widths.index(max(widths)) == values.index(max(values))  # the longest bar is the most
    assert chart.locator("[style]").count() == 0
    fill = page.evaluate(
        "getComputedStyle(document.querySelector('.accord-chart__bar--received')).fill"
    )
    assert fill == "rgb(0, 112, 60)"  # portal.css colours it, under the policy
    looked_at(page, "usage")

    with page.expect_download() as got:
        page.get_by_role("link", name="Download these figures as a CSV file").click()
    assert got.value.suggested_filename == "usage-riverside-gp-2026-11.csv"
    text = got.value.path().read_text(encoding="utf-8")
    assert text == usage(node.ws, "2026-11").csv()
    assert len(list(csv.DictReader(io.StringIO(text)))) == len(table) - 2

    page.get_by_role("link", name="Next month").click()
    assert page.locator("h1").inner_text() == "Usage in December 2026"
    page.get_by_role("link", name="Previous month").click()
    page.get_by_role("link", name="Previous month").click()
    assert page.locator("h1").inner_text() == "Usage in October 2026"
    assert "Nothing was requested, shared or received" in page.locator("main").inner_text()
    looked_at(page, "usage-empty")


def test_each_month_mistake_is_shown_as_a_gov_uk_error(node: PortalNode, page: Page) -> None:
    sign_in(page, node, Role.ANALYST)
    for query, message in (
        ("month-month=13&month-year=2026", "The month must be a real month, like 11 2026"),
        ("month-month=11&month-year=", "The month must include a year"),
        ("month-month=x&month-year=2026", "The month must be a real month, like 11 2026"),
    ):
        response = page.goto(node.url + "/staff/usage?" + query)
        assert response is not None
        assert response.status == 400
        assert message in page.locator(".govuk-error-summary").inner_text()
        assert page.title().startswith("Error: Usage")
    looked_at(page, "usage-error")
    response = page.goto(node.url + "/staff/usage/download?month-month=0&month-year=2026")
    assert response is not None
    assert response.status == 400


def test_other_roles_are_refused(node: PortalNode, page: Page) -> None:
    sign_in(page, node, Role.AUDITOR, Role.APPROVER)
    for path in PAGES:
        response = page.goto(node.url + path)
        assert response is not None
        assert response.status == 403, path
        assert "steward or analyst role" in page.locator("main").inner_text()


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_the_pages_ask_for_sign_in(node: PortalNode, path: str) -> None:
    response = httpx.get(node.url + path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/sign-in?next=/staff/usage")
