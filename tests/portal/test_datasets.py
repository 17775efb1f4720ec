"""The datasets area in a real browser against a real ``accord serve``: the list with each
kitemark; a dataset's page with its scores, description, versions, quarantine (counts and
reasons, never a row) and provenance both ways (a real linkage run on two datasets
among the runs that used them); the quality report on its own sandboxed page under its
own policy; the DCAT download; a dataset with nothing yet; and every route refusing the
signed-out and the wrong roles."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from accord import linkage
from accord.accounts import Role
from accord.scenarios import generate
from accord.sources import ingest
from tests.portal.records import (
    CANARY,
    FLOOD,
    HOSPITAL,
    PATIENTS,
    RISK,
    datasets,
    section,
    sign_in,
)
from tests.portal.support import PortalNode, looked_at, portal_node

PAGES = [
    "/staff/datasets",
    f"/staff/datasets/{PATIENTS}",
    f"/staff/datasets/{PATIENTS}/quality-report",
    f"/staff/datasets/{PATIENTS}/dcat.jsonld",
]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalNode]:
    with portal_node(tmp_path_factory.mktemp("datasets")) as made:
        datasets(made.ws)
        yield made


def test_a_steward_sees_each_dataset_and_everything_known_of_it(
    node: PortalNode, browser: Browser, page: Page
) -> None:
    sign_in(page, node, Role.STEWARD)
    page.get_by_role("link", name="Datasets").first.click()
    page.wait_for_url(node.url + "/staff/datasets")
    table = page.locator("table").inner_text()
    assert PATIENTS in table
    assert FLOOD in table
    assert "residents" in table
    assert "Not assessed" in table  # the flood register
    looked_at(page, "datasets")

    page.get_by_role("link", name=PATIENTS).click()
    assert page.locator("h1").inner_text() == "Registered patients"
    assert "Version 2:" in page.locator("main").inner_text()
    quality = section(page, "Quality")
    assert "Completeness" in quality
    assert "Timeliness" in quality
    description = section(page, "Description")
    for shown in ("Leeds Road Surgery", "Practice data team, data@leedsroad.example.nhs.uk",
                  "UK GDPR Art 6(1)(e) and Art 9(2)(h)", "1 January 2020 to 31 January 2026",
                  "The patient's NHS number, as recorded at registration."):  # fmt: skip
        assert shown in description
    versions = page.locator("#versions + table tbody tr")
    assert versions.count() == 2
    assert versions.first.inner_text().split("\t")[0] == "2"
    quarantine = section(page, "Rows put in quarantine")
    assert "put 3 rows in quarantine" in quarantine
    assert "too many columns" in quarantine
    assert "required field record_id is blank" in quarantine
    assert CANARY.lower() not in page.content().lower()  # counts and reasons, never a row
    upstream = section(page, "Where the data came from")
    assert upstream.count("Read from a csv file") == 2
    downstream = section(page, "Where the data went")
    assert f"Shared with {HOSPITAL}" in downstream
    assert RISK in downstream
    assert "Linked with other data" in downstream
    assert "gp-hospital-pairs" in downstream
    looked_at(page, "dataset")

    with page.expect_download() as got:
        page.get_by_role("link", name="Download the description as DCAT (JSON-LD)").click()
    document = json.loads(got.value.path().read_text(encoding="utf-8"))
    assert document["dct:title"] == "Registered patients"
    assert got.value.suggested_filename == f"{PATIENTS}.dcat.jsonld"

    page.get_by_role("link", name="Open the quality report for version 2").click()
    page.wait_for_url(node.url + f"/staff/datasets/{PATIENTS}/quality-report")
    assert page.locator("h1").inner_text() == f"Data quality: {PATIENTS} v2"
    # Its own stylesheet applies (allowed by its hash, never 'unsafe-inline').
    assert "arial" in page.evaluate("getComputedStyle(document.body).fontFamily").lower()
    # axe-core needs scripts and timers, which the sandbox stops: it reads the same page,
    # same styles, in a context where the policy is lifted.
    looser = browser.new_context(bypass_csp=True, storage_state=page.context.storage_state())
    try:
        report = looser.new_page()
        report.goto(page.url)
        looked_at(report, "dataset-quality-report")
    finally:
        looser.close()


def test_the_quality_report_has_a_policy_of_its_own(node: PortalNode, page: Page) -> None:
    sign_in(page, node, Role.ANALYST)
    response = page.goto(node.url + f"/staff/datasets/{PATIENTS}/quality-report")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy
    assert "style-src 'sha256-" in policy
    assert "unsafe-inline" not in policy
    assert "script-src" not in policy  # none: default-src 'none'
    assert response.headers["x-frame-options"] == "DENY"
    # Sandboxed, the page has an origin of its own: the portal's cookies are out of reach.
    assert page.evaluate("() => window.origin") == "null"
    read = "() => { try { return document.cookie; } catch (e) { return e.name; } }"
    assert page.evaluate(read) == "SecurityError"


def test_a_dataset_with_nothing_yet_and_one_that_does_not_exist(
    node: PortalNode, page: Page
) -> None:
    sign_in(page, node, Role.ANALYST)
    page.goto(node.url + f"/staff/datasets/{FLOOD}")
    main = page.locator("main").inner_text()
    assert "This dataset has not been assessed yet." in main
    assert "This dataset has no description yet." in main
    assert "Version 1 put no rows in quarantine." in main
    assert "Nothing recorded on this node has used this dataset yet." in main
    looked_at(page, "dataset-not-described")
    for missing in ("no-such-dataset", "Bad%20Name", f"{FLOOD}/quality-report",
                    f"{FLOOD}/dcat.jsonld"):  # fmt: skip
        response = page.goto(node.url + f"/staff/datasets/{missing}")
        assert response is not None
        assert response.status == 404, missing
    assert page.locator("h1").inner_text() == "Page not found"
    looked_at(page, "dataset-not-found")


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_the_pages_ask_for_sign_in(node: PortalNode, path: str) -> None:
    response = httpx.get(node.url + path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/sign-in?next={path}"


def test_other_roles_are_refused_every_page(node: PortalNode, page: Page) -> None:
    sign_in(page, node, Role.APPROVER, Role.AUDITOR)
    for path in PAGES:
        response = page.goto(node.url + path)
        assert response is not None
        assert response.status == 403, path
        assert "steward or analyst role" in page.locator("main").inner_text()
    looked_at(page, "datasets-refused")


def test_a_linkage_run_on_two_datasets_appears_where_each_went(
    node: PortalNode, page: Page, tmp_path: Path
) -> None:
    made = tmp_path / "scenario"
    generate("gp-hospital-council", 200, made, seed=5, organisations=["gp", "hospital"],
             as_of=date(2026, 11, 22))  # fmt: skip
    for name, source, org in (("gp-register", "gp.csv", "gp"),
                              ("admissions", "hospital.xlsx", "hospital")):  # fmt: skip
        ingest(node.ws, str(made / source), made / f"{org}.mapping.yaml", name,
               as_of=date(2026, 11, 22))  # fmt: skip
    out = tmp_path / "gp-admissions-pairs.csv"
    report = linkage.link("dataset:gp-register", "dataset:admissions", None, None, out,
                          workspace=node.ws, mode=linkage.Mode.PLAINTEXT)  # fmt: skip

    sign_in(page, node, Role.ANALYST)
    for name in ("gp-register", "admissions"):
        page.goto(node.url + f"/staff/datasets/{name}")
        downstream = section(page, "Where the data went")
        assert "Linked with other data" in downstream
        assert re.search(rf"Pairs linked\s*{report.pairs:,}(?!\d)", downstream), downstream
        assert f"{out} (a file on {node.ws.settings.node_name})" in downstream
        assert "gp-register (" in downstream
        assert "admissions (" in downstream
    looked_at(page, "dataset-linked")
