"""The drafting journey.

Without a browser: every page shows an agreement's own answers and saves them back
unchanged (so "Change this draft" keeps what it does not touch, to the byte that is
signed), for the worked example and the police one with its row conditions and DPA 2018
Part 3 basis; a row condition's values read back as themselves.

In a real browser, between two nodes' portals (tests/portal/test_agreements.py has the
rest of the journey): the council and police agreement drafted whole, with row
conditions, limits and a Part 3 basis, left half way and continued, ending in exactly the
expected agreement; the next version of an active agreement started from its page,
changed, proposed and countersigned, in force on both nodes in place of the first. Every
new page and its error states axe-checked.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from starlette.datastructures import FormData

from accord.accounts import Role
from accord.agreements import (
    Agreement,
    Limits,
    Period,
    Status,
    digest,
    get,
    load,
    parse,
    suppression_presets,
)
from accord.portal import drafting_rows as rows
from accord.portal.deps import Form
from accord.portal.drafting import Collection, Context, field_questions, load_field, make_field
from accord.portal.questions import Field, every_field, read, shown
from accord.portal.routes.drafting import TASKS, draft_of
from accord.store import Workspace
from tests.agreements.support import example, ingest_example
from tests.portal.records import sign_in
from tests.portal.support import PortalNode, looked_at, portal_federation
from tests.portal.test_agreements import (
    GP,
    HOSPITAL,
    SPECS,
    active_between_both,
    add_field,
    events,
    refused,
    save,
    sign_out,
    unique,
)
from tests.portal.test_agreements import task as open_task

DATA = Path(__file__).resolve().parents[1] / "agreements" / "data"
CTX = Context("gp", True, lambda _: False, lambda _: None, suppression_presets())


def as_form(fields: list[Field], values: dict[str, Any]) -> Form:
    """What the browser sends back for a page showing ``values``, untouched."""
    pairs: list[tuple[str, str]] = []
    for name, value in shown(fields, values).items():
        if isinstance(value, dict):
            pairs += [(f"{name}-{part}", v) for part, v in value.items()]
        elif isinstance(value, list):
            pairs += [(name, v) for v in value]
        elif value != "":
            pairs.append((name, value))
    return Form(FormData(pairs))


def resaved(draft: dict[str, Any]) -> dict[str, Any]:
    """Every page of the draft shown and saved again, as a steward clicking through."""
    out = copy.deepcopy(draft)
    for task in TASKS.values():
        if isinstance(task, Collection):
            items = task.items(out)
            for index, item in enumerate(items):
                fields = task.fields(out, CTX, index)
                values, errors = read(fields, as_form(fields, task.load(out, index, item)))
                assert errors == {}, (task.slug, errors)
                made, errors = task.make(out, values, CTX, index)
                assert errors == {}, (task.slug, errors)
                items[index] = made
            task.put(out, items)
            continue
        fields = task.fields(out, CTX)
        values, errors = read(fields, as_form(fields, task.load(out)))
        assert errors == {}, (task.slug, errors)
        assert task.store(out, values, CTX) == {}, task.slug
    for index, dataset in enumerate(out["datasets"]):
        for number, item in enumerate(list(dataset["fields"])):
            fields = field_questions(out, CTX, index)
            values, errors = read(fields, as_form(fields, load_field(dataset, item)))
            made, errors = make_field(dataset, values, number)
            assert errors == {}, errors
            dataset["fields"][number] = made
        for number, condition in enumerate(list(dataset.get("row_conditions") or [])):
            fields = rows.questions(dataset)
            values, errors = read(fields, as_form(fields, rows.load(condition)))
            assert errors == {}, errors
            made, errors = rows.make(values)
            assert errors == {}, errors
            dataset["row_conditions"][number] = made
    return out


@pytest.mark.parametrize("agreement", [example(), load(DATA / "families-police.yaml")],
                         ids=["admission-risk", "families-police"])  # fmt: skip
def test_every_page_saves_an_agreement_s_answers_back_unchanged(agreement: Agreement) -> None:
    again = parse(resaved(draft_of(agreement)))
    assert digest(again) == digest(agreement)


def test_a_new_draft_of_every_part_has_a_page_that_can_start_empty() -> None:
    draft: dict[str, Any] = {"parties": [{"org": "gp", "name": "GP", "role": "controller"}]}
    for task in TASKS.values():
        fields = task.fields(draft, CTX, 0) if isinstance(task, Collection) else task.fields(
            draft, CTX)  # fmt: skip
        assert fields
        assert all(f.missing or not f.required for f in every_field(fields)), task.slug


@pytest.mark.parametrize(
    ("operator", "value"),
    [("equals", True), ("equals", "true"), ("equals", 7), ("equals", "007"),
     ("equals", '"quoted'), ("in", [1, 2]), ("in", ["1", "2"]), ("not_in", ["A", "7"]),
     ("starts_with", ["PE1 ", "PE2 "]), ("at_least", 2.5), ("at_most", -3),
     ("before", "1950-06-30"), ("on_or_after", "2008-01-01")],
)  # fmt: skip
def test_a_row_condition_s_value_reads_back_as_itself(operator: str, value: object) -> None:
    dataset = {"name": "d", "fields": [{"name": "f", "treatment": "identifying"}]}
    condition = {"field": "f", "operator": operator, "value": value}
    fields = rows.questions(dataset)
    values, problems = read(fields, as_form(fields, rows.load(condition)))
    assert problems == {}
    assert rows.make(values) == (condition, {})


# In the browser -----------------------------------------------------------------------

DRAFT = "/staff/agreements/draft"
POLICE = load(DATA / "families-police.yaml")


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, PortalNode]]:
    def ready(spec: Any, ws: Workspace) -> None:
        ingest_example(ws, spec.org)

    with portal_federation(tmp_path_factory.mktemp("drafting"), SPECS, ready=ready) as made:
        yield made


def add(page: Page, button: str, fills: dict[str, str], *checks: str) -> None:
    """Add an item to a list: its page, the text ``fills`` by id, the options ``checks``
    by id (``#org-2``) or label, then save."""
    page.get_by_role("button", name=button).click()
    fill(page, fills, *checks)
    save(page)


def fill(page: Page, fills: dict[str, str], *checks: str) -> None:
    for name, value in fills.items():
        page.fill(f"#{name}", value)
    for check in checks:
        if check.startswith("#"):
            page.check(check)
        else:
            page.get_by_label(check, exact=True).check()


def when(page: Page, name: str, day: date) -> None:
    fill(page, {f"{name}-day": str(day.day), f"{name}-month": str(day.month),
                f"{name}-year": str(day.year)})  # fmt: skip


def about_to_datasets(page: Page, agreement_id: str) -> None:
    """The first parts of the council and police agreement, as a steward answers them."""
    open_task(page, "Name the agreement")
    fill(page, {"title": POLICE.title, "id": agreement_id})
    save(page)
    open_task(page, "Parties")
    add(page, "Add a party", {"org": "council", "name": "Riverside Borough Council"},
        "Controller")  # fmt: skip
    add(page, "Add a party", {"org": "police", "name": "Riverside Constabulary"}, "Controller")
    save(page)
    open_task(page, "Contacts")
    for contact in POLICE.contacts:
        org = "#org-2" if contact.org == "police" else "#org"
        add(page, "Add a contact", {"name": contact.name, "email": contact.email}, org,
            "Data protection officer")  # fmt: skip
    save(page)
    open_task(page, "Purposes")
    for purpose in POLICE.purposes:
        add(page, "Add a purpose", {"code": purpose.code, "description": purpose.description})
    save(page)
    open_task(page, "Benefits")
    fill(page, {"benefits": "\n".join(POLICE.benefits)})
    save(page)


def add_dataset(page: Page, number: int) -> None:
    """A dataset of the police agreement and its fields, up to its rows page."""
    dataset = POLICE.datasets[number]
    other = "-2" if dataset.provider == "council" else ""
    add(page, "Add a dataset", {"name": dataset.name, "data_subjects": dataset.data_subjects[0]},
        "#provider" + ("" if dataset.provider == "council" else "-2"), "#recipients" + other,
        "Bronze", "None", "#lookups-2")  # fmt: skip
    for f in dataset.fields:
        flags = ["Special category data"] if f.special_category else []
        flags += ["Criminal offence data"] if f.criminal_offence else []
        add_field(page, f.name, f.treatment.value.capitalize(), *flags)
    removed_again(page, lambda: add_field(page, "added_by_mistake", "Identifying"))
    assert "added_by_mistake" not in page.locator("main").inner_text()
    save(page)  # the fields: then which rows may be shared


def removed_again(page: Page, add_one: Callable[[], None]) -> None:
    """An item added to the list on the page by ``add_one``, then taken out with its
    Remove button: the list is as it was."""
    remove = page.get_by_role("button", name="Remove")
    before = remove.count()
    add_one()
    expect(remove).to_have_count(before + 1)
    remove.last.click()
    expect(remove).to_have_count(before)


def rows_of_families(page: Page) -> None:
    """The row conditions of the families dataset, and what the page refuses."""
    assert "every record of families may be shared" in page.locator("main").inner_text()
    looked_at(page, "drafting-rows-none")
    page.get_by_role("button", name="Add a row condition").click()
    looked_at(page, "drafting-row")
    save(page)
    refused(page, "drafting-row-missing", "Select the field the condition tests",
            "Select how the condition tests the field")  # fmt: skip
    fill(page, {}, "in_programme", "Is one of")
    save(page)
    refused(page, "drafting-row-no-values", "Enter the values the field is one of")
    fill(page, {"value": "lots"}, "Is at least")
    save(page)
    refused(page, "drafting-row-not-a-number", "The value must be a number, like 18")
    fill(page, {"value": "true"}, "Is")
    save(page)
    add(page, "Add a row condition", {"values": "RV1\nRV2\nRV3"}, "postcode_district",
        "Is one of")  # fmt: skip
    page.get_by_role("button", name="Add a row condition").click()
    fill(page, {}, "date_of_birth", "Is on or after")
    when(page, "date", date(2008, 1, 1))
    save(page)
    removed_again(page, lambda: add(page, "Add a row condition", {"value": "true"}, "in_programme",
                                    "Is"))  # fmt: skip
    listed = page.locator("main").inner_text()
    assert 'postcode_district is one of "RV1", "RV2", "RV3"' in listed
    assert "date_of_birth is on or after 2008-01-01" in listed
    looked_at(page, "drafting-rows")
    save(page)


def law_enforcement(page: Page) -> None:
    """The lawful basis, the Part 3 page and what it refuses."""
    basis = POLICE.lawful_basis
    law = basis.law_enforcement
    assert law is not None
    assert law.sensitive_processing is not None
    open_task(page, "Lawful basis")
    page.get_by_label("Article 6(1)(e)").check()
    fill(page, {"explanation": basis.explanation})
    save(page)
    open_task(page, "Law enforcement processing", "drafting-law-enforcement")
    page.check("#part_3")
    save(page)
    refused(page, "drafting-law-enforcement-missing",
            "Select the parties that are competent authorities",
            "Select the purposes that are law enforcement purposes",
            "Select the law enforcement purposes they serve",
            "Select what makes the processing lawful",
            "Select how sensitive processing is permitted",
            "Explain why the law enforcement processing is lawful")  # fmt: skip
    fill(page, {"le_explanation": law.explanation}, "Riverside Constabulary (police)",
         "crime-prevention", "The prevention of criminal offences",
         "Section 35(2)(b): necessary for a task carried out by a competent authority",
         "#sensitive")  # fmt: skip
    save(page)
    refused(
        page,
        "drafting-law-enforcement-sensitive",
        "families.health_needs are special category data a competent authority holds",
    )
    page.get_by_label("Section 35(5): strictly necessary for the law enforcement purpose").check()
    save(page)
    refused(page, "drafting-law-enforcement-schedule-8", "needs a Schedule 8 condition")
    page.select_option("#schedule_8", "4")
    fill(page, {"policy_document": law.sensitive_processing.appropriate_policy_document})
    save(page)
    open_task(page, "Lawful basis")
    page.get_by_label("None: all of it is law enforcement processing").check()
    save(page)
    refused(
        page,
        "drafting-lawful-basis-part-3-only",
        "Some of the sharing is under the UK GDPR (council is not a competent authority)",
    )
    page.get_by_label("Article 6(1)(e)").check()
    save(page)


def the_rest(page: Page) -> None:
    """From special category data to international transfers."""
    basis, police = POLICE.lawful_basis, POLICE
    assert basis.article_10 is not None
    assert police.gateway is not None
    open_task(page, "Special category data")
    page.get_by_label("Article 9(2)(g)").check()
    page.select_option("#schedule_1", "2.18")
    save(page)
    open_task(page, "Criminal offence data")
    page.get_by_label("A Data Protection Act 2018 Schedule 1 condition").check()
    page.select_option("#schedule_1-criminal", "2.18")
    fill(page, {"appropriate_policy_document": str(basis.article_10.appropriate_policy_document)})
    save(page)
    open_task(page, "Statutory gateway")
    page.check("#has_gateway")
    fill(page, {"act": police.gateway.act, "section": police.gateway.section,
                "description": police.gateway.description})  # fmt: skip
    save(page)
    open_task(page, "National data opt-out")
    fill(page, {"explanation": police.national_data_opt_out.explanation}, "#applies-2")
    save(page)
    open_task(page, "Retention and deletion")
    fill(page, {"period_days": str(police.retention.period_days),
                "deletion": police.retention.deletion})  # fmt: skip
    save(page)
    open_task(page, "Security")
    fill(page, {"measures": "\n".join(police.security.measures)})
    save(page)
    open_task(page, "Limits")
    fill(page, {"max_rows_per_request": "5,000", "max_requests_per_period": "10",
                "frequency": "A weekly extract"}, "Week")  # fmt: skip
    save(page)
    open_task(page, "Dates")
    for name in ("start", "review", "expiry"):
        when(page, name, getattr(police.dates, name))
    save(page)
    open_task(page, "People's rights")
    fill(page, police.individual_rights.model_dump())
    save(page)
    open_task(page, "International transfers")
    page.check("#outside-2")
    save(page)


def test_a_police_draft_with_row_conditions_limits_and_part_3_ends_in_the_expected_agreement(
    nodes: dict[str, PortalNode], page: Page
) -> None:
    gp = nodes[GP]
    agreement_id = unique("families")
    sign_in(page, gp, Role.STEWARD)
    page.goto(gp.url + "/staff/agreements")
    page.get_by_role("button", name="Draft a new agreement").click()
    about_to_datasets(page, agreement_id)
    open_task(page, "Data shared")
    add_dataset(page, 0)
    rows_of_families(page)
    add_dataset(page, 1)
    assert "every record of incidents may be shared" in page.locator("main").inner_text()
    save(page)  # no row conditions: every row
    looked_at(page, "drafting-datasets-with-rows")
    assert "rows meeting 3 conditions" in page.locator("main").inner_text()
    save(page)

    # Left half way, then continued: the task list says what is done.
    page.goto(gp.url + "/staff")
    page.goto(gp.url + "/staff/agreements")
    page.get_by_role("button", name="Continue your draft").click()
    main = page.locator("main").inner_text()
    assert "You have completed 6 of 18 parts." in main
    looked_at(page, "drafting-continued")

    law_enforcement(page)
    the_rest(page)
    assert "You have completed 18 of 18 parts." in page.locator("main").inner_text()
    page.get_by_role("button", name="Check the agreement").click()
    checked = page.locator("main").inner_text()
    assert "Competent authorities: police" in checked
    assert "rows meeting 3 conditions" in checked
    looked_at(page, "drafting-check-police")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(f"{gp.url}/staff/agreements/id/{agreement_id}")

    limits = Limits(period=Period.WEEK, max_rows_per_request=5000, max_requests_per_period=10,
                    frequency="A weekly extract")  # fmt: skip
    expected = POLICE.model_copy(update={"id": agreement_id, "limits": limits})
    stored = get(gp.ws, agreement_id)
    assert stored.status is Status.DRAFT
    assert stored.agreement == expected
    assert digest(stored.agreement) == digest(expected)


def test_a_steward_starts_the_next_version_of_an_active_agreement_and_it_replaces_the_first(
    nodes: dict[str, PortalNode], page: Page
) -> None:
    gp, hospital = nodes[GP], nodes[HOSPITAL]
    agreement_id = unique("amended")
    active_between_both(nodes, agreement_id)
    sign_in(page, gp, Role.STEWARD)
    page.goto(f"{gp.url}/staff/agreements/id/{agreement_id}")
    looked_at(page, "drafting-amend-start")
    page.get_by_role("button", name="Start a new version").click()
    page.wait_for_url(gp.url + DRAFT)
    assert "Version 2 started" in page.locator(".govuk-notification-banner").inner_text()
    assert "You have completed 18 of 18 parts." in page.locator("main").inner_text()
    looked_at(page, "drafting-amend-tasks")
    [amended] = events(gp.ws, "agreement.amended", agreement_id)
    assert (amended["version"], amended["by_role"]) == (2, "data steward")
    open_task(page, "Name the agreement")
    assert page.locator("#id").count() == 0  # the reference is the agreement's
    page.goto(gp.url + DRAFT + "/limits")
    fill(page, {"max_rows_per_request": "500"})
    save(page)
    page.get_by_role("button", name="Check the agreement").click()
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_url(f"{gp.url}/staff/agreements/id/{agreement_id}?version=2")
    looked_at(page, "drafting-amend-saved")
    assert get(gp.ws, agreement_id, 2).agreement.limits.max_rows_per_request == 500
    assert get(gp.ws, agreement_id).agreement.version == 1  # in force until signed

    page.goto(f"{gp.url}/staff/agreements/id/{agreement_id}")
    assert "Version 2 of this agreement is on this node too" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Start a new version").count() == 0
    looked_at(page, "drafting-amend-first-version")
    sign_out(page)

    sign_in(page, gp, Role.APPROVER)
    page.goto(f"{gp.url}/staff/agreements/id/{agreement_id}?version=2")
    page.get_by_role("button", name="Sign and propose it").click()
    page.get_by_role("button", name="Yes, sign and propose it").click()
    assert "Signed and proposed" in page.locator(".govuk-notification-banner").inner_text()
    sign_in(page, hospital, Role.APPROVER)
    page.goto(f"{hospital.url}/staff/agreements/inbox/{agreement_id}")
    page.get_by_role("button", name="Countersign").click()
    page.get_by_role("button", name="Yes, countersign it").click()
    for ws in (gp.ws, hospital.ws):
        current = get(ws, agreement_id)
        assert (current.agreement.version, current.status) == (2, Status.ACTIVE)
        assert current.agreement.limits.max_rows_per_request == 500
        assert get(ws, agreement_id, 1).status is Status.SUPERSEDED


def test_a_draft_in_progress_is_not_lost_to_a_new_version(
    nodes: dict[str, PortalNode], page: Page
) -> None:
    gp = nodes[GP]
    agreement_id = unique("busy")
    active_between_both(nodes, agreement_id)
    sign_in(page, gp, Role.STEWARD)
    page.goto(gp.url + DRAFT + "/about")
    fill(page, {"title": "Half done", "id": unique("half")})
    save(page)
    page.goto(f"{gp.url}/staff/agreements/id/{agreement_id}")
    page.get_by_role("button", name="Start a new version").click()
    page.wait_for_url(f"{gp.url}/staff/agreements/id/{agreement_id}")
    assert "You have a draft in progress" in page.locator(".govuk-notification-banner").inner_text()
    looked_at(page, "drafting-amend-busy")
    assert events(gp.ws, "agreement.amended", agreement_id) == []
