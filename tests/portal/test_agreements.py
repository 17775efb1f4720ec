"""The agreements area in a real browser, between two nodes' portals: an agreement drafted
in the GP's portal through the whole task list, proposed, countersigned in the
hospital's portal and active in both; proposals declined; agreements suspended and
revoked with a reason and an "Are you sure" page, on both nodes; every page and error
state axe-checked; each route refused signed out and to the wrong role.

Two members of one federation (tests/exchange/support.py), each serving its API and
portal for the whole module, each holding the dataset it provides in the worked example
(its signing checks them). Agreements the browser only acts on are made through the
library, as another member of staff would have made them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from accord import audit
from accord.accounts import Role
from accord.agreements import Status, get, record
from accord.exchange import countersign, inbox, propose
from accord.store import Workspace
from tests.agreements.support import example, ingest_example
from tests.exchange.support import Spec
from tests.portal.support import PortalNode, looked_at, portal_federation

GP, HOSPITAL = "A81001", "RX1"
SPECS = [Spec("gp", GP, "Riverside Medical Practice"),
         Spec("hospital", HOSPITAL, "Riverside Hospitals NHS Foundation Trust")]  # fmt: skip
DRAFT = "/staff/agreements/draft"


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, PortalNode]]:
    def ready(spec: Spec, ws: Workspace) -> None:
        ingest_example(ws, spec.org)

    with portal_federation(tmp_path_factory.mktemp("agreements"), SPECS, ready=ready) as made:
        yield made


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def signed_in(page: Page, node: PortalNode, *roles: Role) -> str:
    name = unique("staff")
    password = node.staff(name, *roles)
    page.goto(node.url + "/staff/sign-in")
    page.fill("#name", name)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(node.url + "/staff")
    return name


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signed-out")


def errors(page: Page) -> str:
    return page.locator(".govuk-error-summary").inner_text()


def save(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def events(ws: Workspace, name: str, agreement_id: str) -> list[dict[str, Any]]:
    return [e.event.fields() for e in audit.entries(ws)
            if e.event.name == name and e.event.fields().get("agreement") == agreement_id]  # fmt: skip


def active_between_both(nodes: dict[str, PortalNode], agreement_id: str) -> None:
    """An agreement the GP drafted and proposed and the hospital countersigned (the
    library's acts, as the CLI makes them)."""
    gp, hospital = nodes[GP].ws, nodes[HOSPITAL].ws
    record(gp, example(id=agreement_id))
    propose(gp, agreement_id, by_role="data steward")
    countersign(hospital, agreement_id, by_role="approver")
    assert get(gp, agreement_id).status is Status.ACTIVE


# Drafting, proposing and countersigning between two portals -------------------------


def task(page: Page, name: str, shot: str | None = None) -> None:
    page.get_by_role("link", name=name, exact=True).click()
    if shot:
        looked_at(page, shot)


def add_party(page: Page, org: str, name: str, first: bool = False) -> None:
    page.get_by_role("button", name="Add a party").click()
    if first:
        assert page.locator("#org").input_value() == "gp"  # this node's organisation
        looked_at(page, "agreements-draft-party")
    page.fill("#org", org)
    page.fill("#name", name)
    page.get_by_label("Controller", exact=True).check()
    save(page)


def add_field(page: Page, name: str, treatment: str, *flags: str) -> None:
    page.get_by_role("button", name="Add a field").click()
    page.fill("#name", name)
    page.get_by_label(treatment, exact=True).check()
    for flag in flags:
        page.get_by_label(flag, exact=True).check()
    save(page)


def draft_in_the_browser(page: Page, agreement_id: str) -> None:
    """The whole task list, as a steward completes it, each page axe-checked once."""
    page.goto(page.url.split("/staff")[0] + "/staff/agreements")
    looked_at(page, "agreements-register")
    page.get_by_role("button", name="Draft a new agreement").click()
    looked_at(page, "agreements-draft-tasks")
    task(page, "Name the agreement", "agreements-draft-about")
    page.fill("#title", "Hospital admissions shared with the practice")
    page.fill("#id", agreement_id)
    save(page)
    task(page, "Parties", "agreements-draft-parties")
    add_party(page, "gp", "Riverside Medical Practice", first=True)
    add_party(page, "hospital", "Riverside Hospitals NHS Foundation Trust")
    looked_at(page, "agreements-draft-parties-added")
    save(page)
    task(page, "Contacts")
    page.get_by_role("button", name="Add a contact").click()
    looked_at(page, "agreements-draft-contact")
    page.get_by_label("Riverside Medical Practice (gp)").check()
    page.get_by_label("Data protection officer").check()
    page.fill("#name", "Tom Bell")
    page.fill("#email", "dpo@riverside-practice.nhs.uk")
    save(page)
    save(page)
    task(page, "Purposes")
    page.get_by_role("button", name="Add a purpose").click()
    looked_at(page, "agreements-draft-purpose")
    page.fill("#code", "admission-risk-stratification")
    page.fill("#description", "Score each patient's risk of an emergency admission.")
    save(page)
    save(page)
    task(page, "Benefits", "agreements-draft-benefits")
    page.fill("#benefits", "Fewer emergency admissions.\nProactive reviews.")
    save(page)
    task(page, "Data shared", "agreements-draft-datasets")
    page.get_by_role("button", name="Add a dataset").click()
    looked_at(page, "agreements-draft-dataset")
    page.fill("#name", "admissions")
    page.check("#provider-2")  # the hospital
    page.check("#recipients")  # the practice
    page.fill("#data_subjects", "Patients admitted to the trust's hospitals")
    page.get_by_label("Bronze", exact=True).check()
    page.get_by_label("None", exact=True).check()
    page.check("#lookups-2")  # no
    save(page)
    looked_at(page, "agreements-draft-fields")
    page.get_by_role("button", name="Add a field").click()
    looked_at(page, "agreements-draft-field")
    page.fill("#name", "record_id")
    page.get_by_label("Pseudonymised", exact=True).check()
    save(page)
    add_field(page, "admission_date", "Identifying",
              "Could identify someone in combination with other fields")  # fmt: skip
    add_field(page, "ward", "Identifying", "Special category data")
    save(page)
    save(page)
    task(page, "Lawful basis", "agreements-draft-lawful-basis")
    page.get_by_label("Article 6(1)(e)").check()
    page.fill("#explanation", "Both provide NHS care as a public task.")
    save(page)
    task(page, "Special category data", "agreements-draft-special-category")
    page.get_by_label("Article 9(2)(h)").check()
    page.select_option("#schedule_1", "1.2")
    save(page)
    task(page, "Criminal offence data", "agreements-draft-criminal-offence")
    page.check("#article_10")  # none
    save(page)
    task(page, "Statutory gateway", "agreements-draft-gateway")
    page.check("#has_gateway")  # yes: its details revealed
    page.fill("#act", "National Health Service Act 2006")
    page.fill("#section", "251")
    page.fill("#description", "Section 251 support for risk stratification.")
    save(page)
    task(page, "National data opt-out", "agreements-draft-opt-out")
    page.check("#applies")
    page.fill("#explanation", "Section 251 support needs it.")
    save(page)
    task(page, "Retention and deletion", "agreements-draft-retention")
    page.fill("#period_days", "365")
    page.fill("#deletion", "Deleted after a year; confirmed to the provider.")
    save(page)
    task(page, "Security", "agreements-draft-security")
    page.fill("#measures", "Transfers only between Accord nodes\nEvery access audited")
    save(page)
    task(page, "Limits", "agreements-draft-limits")
    page.fill("#max_rows_per_request", "100000")
    save(page)
    task(page, "Dates", "agreements-draft-dates")
    for name, (day, month, year) in {"start": (1, 4, 2026), "review": (1, 4, 2027),
                                     "expiry": (31, 3, 2029)}.items():  # fmt: skip
        page.fill(f"#{name}-day", str(day))
        page.fill(f"#{name}-month", str(month))
        page.fill(f"#{name}-year", str(year))
    save(page)
    task(page, "People's rights", "agreements-draft-rights")
    page.fill("#privacy_notice", "https://riverside-practice.nhs.uk/privacy")
    page.fill("#subject_access", "Either party's data protection officer.")
    page.fill("#objection", "Honoured before data leaves the provider.")
    page.fill("#complaints", "To either party, then the ICO.")
    save(page)
    task(page, "International transfers", "agreements-draft-transfers")
    page.check("#outside-2")  # no
    save(page)
    assert "You have completed 17 of 17 parts." in page.locator("main").inner_text()
    page.get_by_role("button", name="Check the agreement").click()
    looked_at(page, "agreements-draft-check")
    page.get_by_role("button", name="Save the draft").click()


def test_an_agreement_drafted_in_one_portal_is_countersigned_in_the_other_and_active_in_both(
    nodes: dict[str, PortalNode], page: Page
) -> None:
    gp, hospital = nodes[GP], nodes[HOSPITAL]
    agreement_id = unique("admissions")
    signed_in(page, gp, Role.STEWARD)
    draft_in_the_browser(page, agreement_id)
    assert page.url == f"{gp.url}/staff/agreements/id/{agreement_id}"
    assert "Draft saved" in page.locator(".govuk-notification-banner").inner_text()
    looked_at(page, "agreements-agreement-draft")
    stored = get(gp.ws, agreement_id)
    assert (stored.status, stored.agreement.datasets[0].quasi_identifiers) == (
        Status.DRAFT, ["admission_date"])  # fmt: skip
    assert events(gp.ws, "agreement.recorded", agreement_id)[0]["by_role"] == "data steward"
    assert page.get_by_role("button", name="Sign and propose it").count() == 0  # an approver's
    sign_out(page)

    signed_in(page, gp, Role.APPROVER)
    page.goto(f"{gp.url}/staff/agreements/id/{agreement_id}")
    page.get_by_role("button", name="Sign and propose it").click()
    looked_at(page, "agreements-propose-confirm")
    page.get_by_role("button", name="Yes, sign and propose it").click()
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "Signed and proposed" in banner
    assert f"Told hospital ({HOSPITAL})" in banner
    assert events(gp.ws, "agreement.proposed", agreement_id)[0]["by_role"] == "approver"

    signed_in(page, hospital, Role.APPROVER)
    page.goto(hospital.url + "/staff/agreements/inbox")
    looked_at(page, "agreements-inbox")
    page.get_by_role("link", name="Hospital admissions shared with the practice").click()
    main = page.locator("main").inner_text()
    assert "Proposed by gp (A81001)" in main
    assert "ward" in main and "Health or social care purposes" in main
    looked_at(page, "agreements-proposal")
    page.get_by_role("button", name="Countersign").click()
    looked_at(page, "agreements-countersign-confirm")
    page.get_by_role("button", name="Yes, countersign it").click()
    assert page.url == f"{hospital.url}/staff/agreements/id/{agreement_id}"
    assert "the agreement is in force here" in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("main .govuk-tag").first.inner_text() == "Active"
    looked_at(page, "agreements-agreement-active")

    page.goto(f"{gp.url}/staff/agreements")  # the GP's portal: the browser still signed in
    row = page.locator("tr", has_text=agreement_id)
    assert "Active" in row.inner_text()
    for ws in (gp.ws, hospital.ws):
        assert get(ws, agreement_id).status is Status.ACTIVE
    assert events(hospital.ws, "agreement.signed", agreement_id)[0]["by_role"] == "approver"
