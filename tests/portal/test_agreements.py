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
from accord.exchange import countersign, propose
from accord.store import Workspace
from tests.agreements.support import example, ingest_example
from tests.exchange.support import Spec
from tests.portal.records import sign_in
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


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signed-out")


def errors(page: Page) -> str:
    return page.locator(".govuk-error-summary").inner_text()


def save(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def events(ws: Workspace, name: str, agreement_id: str) -> list[dict[str, Any]]:
    found = [e.event.fields() for e in audit.entries(ws) if e.event.name == name]
    return [f for f in found if f.get("agreement") == agreement_id]


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
    page.fill("#title", "Admissions shared with the practice")
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
    save(page)  # the fields, then which rows (every row), then the datasets
    save(page)
    save(page)
    task(page, "Lawful basis", "agreements-draft-lawful-basis")
    page.get_by_label("Article 6(1)(e)").check()
    page.fill("#explanation", "Both provide NHS care as a public task.")
    save(page)
    task(page, "Law enforcement processing")
    page.check("#part_3-2")  # no
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
    assert "You have completed 18 of 18 parts." in page.locator("main").inner_text()
    page.get_by_role("button", name="Check the agreement").click()
    looked_at(page, "agreements-draft-check")
    page.get_by_role("button", name="Save the draft").click()


def test_an_agreement_drafted_in_one_portal_is_countersigned_in_the_other_and_active_in_both(
    nodes: dict[str, PortalNode], page: Page
) -> None:
    gp, hospital = nodes[GP], nodes[HOSPITAL]
    agreement_id = unique("admissions")
    sign_in(page, gp, Role.STEWARD)
    draft_in_the_browser(page, agreement_id)
    assert page.url == f"{gp.url}/staff/agreements/id/{agreement_id}"
    assert "Draft saved" in page.locator(".govuk-notification-banner").inner_text()
    looked_at(page, "agreements-agreement-draft")
    stored = get(gp.ws, agreement_id)
    assert (stored.status, stored.agreement.datasets[0].quasi_identifiers) == (
        Status.DRAFT, ["admission_date"])  # fmt: skip
    assert events(gp.ws, "agreement.recorded", agreement_id)[0]["by_role"] == "data steward"
    assert page.get_by_role("button", name="Sign and propose it").count() == 0  # an approver's
    page.get_by_role("button", name="Change this draft").click()  # every part completed
    assert "You have completed 18 of 18 parts." in page.locator("main").inner_text()
    looked_at(page, "agreements-draft-change")
    task(page, "Name the agreement")
    assert page.locator("#id").count() == 0  # the reference cannot change
    page.fill("#title", "Hospital admissions shared with the practice")
    save(page)
    page.get_by_role("button", name="Check the agreement").click()
    page.get_by_role("button", name="Save the draft").click()
    recorded = events(gp.ws, "agreement.recorded", agreement_id)
    assert [e["reason"] for e in recorded] == ["", "the draft's content replaced"]
    sign_out(page)

    sign_in(page, gp, Role.APPROVER)
    page.goto(f"{gp.url}/staff/agreements/id/{agreement_id}")
    page.get_by_role("button", name="Sign and propose it").click()
    looked_at(page, "agreements-propose-confirm")
    page.get_by_role("button", name="Yes, sign and propose it").click()
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "Signed and proposed" in banner
    assert f"Told hospital ({HOSPITAL})" in banner
    assert events(gp.ws, "agreement.proposed", agreement_id)[0]["by_role"] == "approver"

    sign_in(page, hospital, Role.APPROVER)
    page.goto(hospital.url + "/staff/agreements/inbox")
    looked_at(page, "agreements-inbox")
    page.get_by_role("link", name="Hospital admissions shared with the practice").click()
    main = page.locator("main").inner_text()
    assert "Proposed by gp (A81001)" in main
    assert "Health or social care purposes" in main
    looked_at(page, "agreements-proposal")
    page.get_by_role("button", name="Countersign").click()
    looked_at(page, "agreements-countersign-confirm")
    page.get_by_role("button", name="Yes, countersign it").click()
    page.wait_for_url(f"{hospital.url}/staff/agreements/id/{agreement_id}")
    assert (
        "the agreement is in force here" in page.locator(".govuk-notification-banner").inner_text()
    )
    assert page.locator("main .govuk-tag").first.inner_text() == "Active"
    looked_at(page, "agreements-agreement-active")

    page.goto(f"{gp.url}/staff/agreements")  # the GP's portal: the browser still signed in
    row = page.locator("tr", has_text=agreement_id)
    assert "Active" in row.inner_text()
    for ws in (gp.ws, hospital.ws):
        assert get(ws, agreement_id).status is Status.ACTIVE
    assert events(hospital.ws, "agreement.signed", agreement_id)[0]["by_role"] == "approver"


# Every drafting page says what is missing, in the GOV.UK way --------------------------


def refused(page: Page, shot: str, *messages: str) -> None:
    """The page came back with these errors, in the summary and at the fields."""
    assert page.title().startswith("Error: ")
    summary = errors(page)
    for message in messages:
        assert message in summary, summary
    looked_at(page, shot)


def test_every_drafting_page_names_what_is_missing_or_wrong(
    nodes: dict[str, PortalNode], page: Page
) -> None:
    gp = nodes[GP]
    taken = unique("taken")
    record(gp.ws, example(id=taken))
    sign_in(page, gp, Role.STEWARD)
    page.goto(gp.url + DRAFT + "/check")
    refused(page, "agreements-draft-check-incomplete", "Name the agreement: complete this part")
    page.goto(gp.url + DRAFT + "/about")
    save(page)
    refused(page, "agreements-draft-about-missing", "Enter the agreement's title",
            "Enter a reference for the agreement")  # fmt: skip
    page.fill("#title", "A title")
    page.fill("#id", "Not A Reference")
    save(page)
    refused(page, "agreements-draft-about-wrong", "The reference must use only lower case")
    page.fill("#id", taken)
    save(page)
    assert f"This node already holds an agreement called {taken}" in errors(page)

    page.goto(gp.url + DRAFT + "/parties")
    save(page)
    refused(page, "agreements-draft-parties-too-few", "Add at least 2 parties")
    page.get_by_role("button", name="Add a party").click()
    page.fill("#org", "")
    save(page)
    refused(page, "agreements-draft-party-missing", "Enter the organisation's id",
            "Enter the organisation's legal name", "Select the organisation's role")  # fmt: skip
    page.goto(gp.url + DRAFT + "/parties")
    add_party(page, "gp", "Riverside Medical Practice")
    add_party(page, "gp", "Riverside Medical Practice again")
    refused(page, "agreements-draft-party-twice", "gp is already a party")
    page.goto(gp.url + DRAFT + "/parties")
    add_party(page, "hospital", "Riverside Hospitals NHS Foundation Trust")

    page.goto(gp.url + DRAFT + "/contacts/add")
    page.check("#org")
    page.check("#role")
    page.fill("#name", "Tom Bell")
    page.fill("#email", "not an address")
    save(page)
    refused(page, "agreements-draft-contact-wrong", "Enter an email address in the correct format")
    page.goto(gp.url + DRAFT + "/purposes/add")
    save(page)
    refused(page, "agreements-draft-purpose-missing", "Enter a reference for the purpose",
            "Say what the data is used for")  # fmt: skip
    page.goto(gp.url + DRAFT + "/benefits")
    save(page)
    refused(page, "agreements-draft-benefits-missing", "Enter at least one benefit")

    page.goto(gp.url + DRAFT + "/datasets")
    save(page)
    refused(page, "agreements-draft-datasets-none", "Add at least 1 dataset")
    page.get_by_role("button", name="Add a dataset").click()
    save(page)
    refused(page, "agreements-draft-dataset-missing", "Enter the dataset's name",
            "Select the party that provides the dataset",
            "Enter whose data the dataset holds")  # fmt: skip
    page.fill("#name", "admissions")
    page.check("#provider-2")
    page.check("#recipients-2")  # the provider itself
    page.fill("#data_subjects", "Patients")
    page.get_by_label("Bronze", exact=True).check()
    save(page)
    refused(page, "agreements-draft-dataset-wrong", "cannot also receive it")
    page.uncheck("#recipients-2")
    page.check("#recipients")
    save(page)
    page.get_by_role("button", name="Save and continue").click()  # no fields yet
    refused(page, "agreements-draft-fields-none", "Add at least one field of admissions")
    page.get_by_role("button", name="Add a field").click()
    save(page)
    refused(page, "agreements-draft-field-missing", "Enter the field's name",
            "Select how the field is shared")  # fmt: skip
    page.fill("#name", "ward")
    page.get_by_label("Aggregate", exact=True).check()
    page.get_by_label("Special category data", exact=True).check()
    save(page)
    save(page)  # the fields, then the rows, then the datasets
    save(page)
    save(page)
    refused(
        page, "agreements-draft-datasets-suppression", "admissions shares fields only as counts"
    )
    page.get_by_role("link", name="Change dataset admissions").click()
    page.get_by_label("HES", exact=True).check()
    save(page)
    save(page)  # this part is done

    page.goto(gp.url + DRAFT + "/lawful-basis")
    save(page)
    refused(page, "agreements-draft-lawful-basis-missing", "Select the Article 6 lawful basis",
            "Explain why the lawful basis applies")  # fmt: skip
    page.get_by_label("Article 6(1)(e)").check()
    page.fill("#explanation", "A public task.")
    save(page)
    page.goto(gp.url + DRAFT + "/special-category")
    page.get_by_label("None", exact=True).check()
    save(page)
    refused(page, "agreements-draft-special-category-none",
            "admissions.ward are special category data")  # fmt: skip
    page.get_by_label("Article 9(2)(h)").check()
    save(page)
    refused(page, "agreements-draft-special-category-schedule-1",
            "Article 9(2)(h) needs a Schedule 1 condition from Part 1")  # fmt: skip
    page.goto(gp.url + DRAFT + "/criminal-offence")
    page.get_by_label("A Data Protection Act 2018 Schedule 1 condition").check()
    save(page)
    refused(page, "agreements-draft-criminal-offence-missing", "Select the Schedule 1 condition")
    page.goto(gp.url + DRAFT + "/gateway")
    page.check("#has_gateway-2")  # no, though public task rests on a power in law
    save(page)
    refused(page, "agreements-draft-gateway-needed", "Article 6(1)(e) rests on a power in law")
    page.goto(gp.url + DRAFT + "/opt-out")
    save(page)
    refused(page, "agreements-draft-opt-out-missing",
            "Select yes if the national data opt-out applies")  # fmt: skip
    page.goto(gp.url + DRAFT + "/retention")
    page.fill("#period_days", "a year")
    save(page)
    refused(page, "agreements-draft-retention-wrong",
            "How many days may the recipients keep the data must be a whole number")  # fmt: skip
    page.goto(gp.url + DRAFT + "/security")
    save(page)
    refused(page, "agreements-draft-security-missing", "Enter at least one security measure")
    page.goto(gp.url + DRAFT + "/limits")
    page.fill("#max_rows_per_request", "0")
    save(page)
    refused(page, "agreements-draft-limits-wrong", "must be between 1 and")
    page.goto(gp.url + DRAFT + "/dates")
    for name, parts in {"start": ("31", "2", "2027"), "review": ("1", "4", "2027"),
                        "expiry": ("31", "3", "2029")}.items():  # fmt: skip
        for part, value in zip(("day", "month", "year"), parts, strict=True):
            page.fill(f"#{name}-{part}", value)
    save(page)
    refused(page, "agreements-draft-dates-wrong", "When may sharing start must be a real date")
    page.fill("#start-day", "1")
    page.fill("#start-month", "5")
    page.fill("#review-month", "3")
    save(page)
    refused(page, "agreements-draft-dates-order",
            "The review date must be the same as or after the start date")  # fmt: skip
    page.goto(gp.url + DRAFT + "/rights")
    save(page)
    refused(page, "agreements-draft-rights-missing", "Say where the privacy notice is published")
    page.goto(gp.url + DRAFT + "/transfers")
    page.check("#outside")
    save(page)
    refused(page, "agreements-draft-transfers-missing",
            "Say where the data goes and under what safeguards")  # fmt: skip
    page.goto(gp.url + DRAFT + "/check")  # what the whole agreement still lacks
    refused(page, "agreements-draft-check-problems", "Benefits: complete this part")
    assert "Data shared" not in errors(page)


# Suspend and revoke, on both nodes --------------------------------------------------


def step(page: Page, act: str, button: str, reason: str, shot: str) -> None:
    """Suspend or revoke from the agreement's page: the reason (refused empty), then the
    "Are you sure" page."""
    page.get_by_role("button", name=act, exact=True).click()
    looked_at(page, f"{shot}-reason")
    page.get_by_role("button", name="Continue").click()
    refused(page, f"{shot}-reason-missing", "Enter the reason")
    page.fill("#reason", reason)
    page.get_by_role("button", name="Continue").click()
    assert page.locator("h1").inner_text().startswith(f"Are you sure you want to {act.lower()}")
    assert reason in page.locator("main").inner_text()
    looked_at(page, f"{shot}-confirm")
    page.get_by_role("button", name=button).click()


def test_a_steward_suspends_then_revokes_and_both_nodes_stop_sharing(
    nodes: dict[str, PortalNode], page: Page
) -> None:
    gp, hospital = nodes[GP], nodes[HOSPITAL]
    agreement_id = unique("stopped")
    active_between_both(nodes, agreement_id)
    sign_in(page, gp, Role.STEWARD)
    page.goto(f"{gp.url}/staff/agreements/id/{agreement_id}")
    step(page, "Suspend", "Yes, suspend it", "A data breach is being investigated",
         "agreements-suspend")  # fmt: skip
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "Suspended" in banner
    assert f"Told hospital ({HOSPITAL})" in banner
    assert page.locator("main .govuk-tag").first.inner_text() == "Suspended"
    looked_at(page, "agreements-agreement-suspended")
    for ws in (gp.ws, hospital.ws):
        assert get(ws, agreement_id).status is Status.SUSPENDED
    [suspended] = events(gp.ws, "agreement.suspended", agreement_id)
    assert (suspended["by_role"], suspended["reason"]) == (
        "data steward", "A data breach is being investigated")  # fmt: skip

    step(page, "Revoke", "Yes, revoke it", "The partnership has ended", "agreements-revoke")
    assert page.locator("main .govuk-tag").first.inner_text() == "Revoked"
    for ws in (gp.ws, hospital.ws):
        assert get(ws, agreement_id).status is Status.REVOKED
    assert page.get_by_role("button", name="Suspend").count() == 0
    assert page.get_by_role("button", name="Revoke").count() == 0
    pdf = page.request.get(f"{gp.url}/staff/agreements/id/{agreement_id}/pdf")
    assert (pdf.status, pdf.headers["content-type"]) == (200, "application/pdf")
    assert pdf.body().startswith(b"%PDF")


# A proposal this node cannot sign, declined -----------------------------------------


def test_an_approver_reviews_a_proposal_it_cannot_sign_and_declines_it(
    nodes: dict[str, PortalNode], page: Page
) -> None:
    gp, hospital = nodes[GP], nodes[HOSPITAL]
    agreement_id = unique("declined")
    data = example(id=agreement_id).model_dump(mode="json", exclude={"signatures"})
    data["datasets"][0]["fields"].append({"name": "blood_group", "treatment": "identifying"})
    record(hospital.ws, example(**data))
    propose(hospital.ws, agreement_id, by_role="approver")

    sign_in(page, gp, Role.APPROVER)
    page.goto(f"{gp.url}/staff/agreements/inbox/{agreement_id}")
    assert "This node cannot countersign it yet" in page.locator("main").inner_text()
    assert (
        "'blood_group' is not a column of registered-patients" in page.locator("main").inner_text()
    )
    looked_at(page, "agreements-proposal-misfit")
    page.get_by_role("button", name="Countersign").click()
    page.get_by_role("button", name="Yes, countersign it").click()
    refused(page, "agreements-countersign-refused", "'blood_group' is not a column")
    page.goto(f"{gp.url}/staff/agreements/inbox/{agreement_id}")
    page.get_by_role("button", name="Decline").click()
    looked_at(page, "agreements-decline")
    page.get_by_role("button", name="Decline it").click()
    refused(page, "agreements-decline-missing", "Enter the reason")
    page.fill("#reason", "We do not hold blood groups")
    page.get_by_role("button", name="Decline it").click()
    page.wait_for_url(gp.url + "/staff/agreements/inbox")
    assert "Declined" in page.locator(".govuk-notification-banner").inner_text()
    assert "Declined: We do not hold blood groups" in page.locator("table").last.inner_text()
    looked_at(page, "agreements-inbox-decided")
    [declined] = events(hospital.ws, "agreement.declined", agreement_id)
    assert (declined["by"], declined["by_role"]) == ("gp", "approver")


# Roles, checked on the server for every route --------------------------------------

EVERY_ROLE = ["/staff/agreements", "/staff/agreements/inbox", "/staff/agreements/inbox/x",
              "/staff/agreements/id/x", "/staff/agreements/id/x/pdf",
              "/staff/agreements/id/x/suspend", "/staff/agreements/id/x/revoke"]  # fmt: skip
APPROVERS = ["/staff/agreements/id/x/propose", "/staff/agreements/inbox/x/countersign",
             "/staff/agreements/inbox/x/decline"]  # fmt: skip
STEWARDS = [DRAFT, f"{DRAFT}/about", f"{DRAFT}/parties/add", f"{DRAFT}/parties/1",
            f"{DRAFT}/datasets/1/fields", f"{DRAFT}/datasets/1/fields/add",
            f"{DRAFT}/check"]  # fmt: skip


def forbidden(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 403, url
    assert page.locator("h1").inner_text() == "You cannot open this page"


def posted(page: Page, url: str) -> int:
    """A form sent with this session's own token, as the page's own form would send it."""
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    return page.request.post(url, form={"csrf_token": token or "", "reason": "why"}).status


def test_every_agreements_page_checks_the_role_on_the_server(
    nodes: dict[str, PortalNode], page: Page
) -> None:
    gp = nodes[GP]
    for path in EVERY_ROLE + APPROVERS + STEWARDS:
        page.goto(gp.url + path)
        assert "/staff/sign-in?next=" in page.url, path
    sign_in(page, gp, Role.ANALYST)
    for path in EVERY_ROLE + APPROVERS + STEWARDS:
        forbidden(page, gp.url + path)
    looked_at(page, "agreements-forbidden")
    sign_out(page)
    sign_in(page, gp, Role.STEWARD)
    for path in APPROVERS:
        forbidden(page, gp.url + path)
    for path in ("/staff/agreements/id/x/propose", "/staff/agreements/inbox/x/countersign",
                 "/staff/agreements/inbox/x/decline"):  # fmt: skip
        assert posted(page, gp.url + path) == 403, path
    sign_out(page)
    sign_in(page, gp, Role.APPROVER)
    for path in STEWARDS:
        forbidden(page, gp.url + path)
    for path in ("/staff/agreements/id/x/edit", f"{DRAFT}/check", f"{DRAFT}/about",
                 f"{DRAFT}/discard", "/staff/gateways/draft"):  # fmt: skip
        assert posted(page, gp.url + path) == 403, path
