"""A citizen's opt-out taking effect on the next share, between two real nodes.

The GP (A81001) asks the hospital (RX1) for ``admissions`` under the worked example
agreement, through the exchange (the recipient's :class:`Client` against the hospital's
``accord serve``, which serves its portal too). A patient of the hospital signs in to the
hospital's portal and sees the share in words; opts out there; the GP's next share
withholds them (one record fewer, no ``records.disclosed`` for them, their page shows no
new share); they withdraw, and the share after includes them again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page

from accord import audit, privacy
from accord.exchange import Client, ShareRequest, fetch
from accord.store import Workspace
from tests.audit.support import nhs_numbers
from tests.exchange.support import Server, Spec, agreed, federation, free_port, node, running
from tests.portal.support import looked_at, sign_in_citizen

GP, HOSPITAL = "A81001", "RX1"
PEOPLE = 8
NUMBERS = nhs_numbers(PEOPLE)
PATIENT, BORN = NUMBERS[3], "1980-02-04"


@dataclass
class World:
    gp: Workspace
    hospital: Workspace
    portal: Server


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("opt-out-share")
    fed = federation(root)
    ports = {org: free_port() for org in ("gp", "hospital")}
    gp = node(fed, Spec("gp", GP, "Riverside Medical Practice"), port=ports["gp"])
    hospital = node(fed, Spec("hospital", HOSPITAL, "Riverside Hospitals"),
                    port=ports["hospital"], settings={"portal_identity": "local"})  # fmt: skip
    fed.publish()
    for ws in (gp, hospital):
        fetch(ws, str(fed.list_path))
    agreed(gp, hospital, NUMBERS, lookups=False)
    with ExitStack() as stack:
        stack.enter_context(running(gp.root, ports["gp"]))
        served = stack.enter_context(running(hospital.root, ports["hospital"]))
        yield World(gp, hospital, served)
    for ws in (gp, hospital):
        ws.close()


def share(world: World) -> int:
    """The GP's share of the hospital's admissions: how many records it received."""
    request = ShareRequest.model_validate({
        "context": {"agreement": "gp-hospital-admission-risk",
                    "purpose": "admission-risk-stratification", "role": "care-coordinator",
                    "case": "RISK/2026/9"},
        "dataset": "admissions",
    })  # fmt: skip
    with Client(world.gp) as client:
        return client.share(HOSPITAL, request, fmt="arrow").records


def disclosed_to(world: World, person: audit.PersonKey) -> int:
    events = [e.event for e in audit.entries(world.hospital)]
    return sum(1 for e in events if isinstance(e, audit.RecordsDisclosed) and e.person == person)


def cards(page: Page) -> list[str]:
    return page.locator(".govuk-summary-card__title").all_inner_texts()


def test_a_citizens_opt_out_in_the_portal_holds_at_the_next_share(world: World, page: Page) -> None:
    url, me = world.portal.url, audit.person_key(world.hospital, PATIENT)
    assert share(world) == PEOPLE
    sign_in_citizen(page, url, PATIENT, BORN)
    assert cards(page) == ["Your records were shared with Riverside Medical Practice"]
    main = page.locator("main").inner_text()
    assert "Join GP and hospital records to score each patient's risk" in main  # why
    assert "UK GDPR Art 6(1)(e) public task" in main  # under which law
    assert "NHS number (replaced by a code that does not reveal it)" in main  # what
    looked_at(page, "citizen-uses-after-a-share")

    page.goto(url + "/citizen/opt-outs/national/confirm")
    page.get_by_role("button", name="Yes, opt out").click()
    page.wait_for_url("**/done?was=opt-out")
    assert share(world) == PEOPLE - 1  # withheld at the next share
    assert disclosed_to(world, me) == 1  # recorded for the first share only
    page.goto(url + "/citizen")
    assert cards(page) == ["Your opt-out (national) was registered",
                           "Your records were shared with Riverside Medical Practice"]  # fmt: skip

    page.goto(url + "/citizen/opt-outs/national/confirm")
    page.get_by_role("button", name="Yes, withdraw my opt-out").click()
    page.wait_for_url("**/done?was=withdraw")
    assert privacy.opted_out(world.hospital, PATIENT) == frozenset()
    assert share(world) == PEOPLE  # and included again once withdrawn
    assert disclosed_to(world, me) == 2
    served = [e.event.fields()["records"] for e in audit.entries(world.hospital)
              if e.event.name == "exchange.served"]  # fmt: skip
    assert served == [PEOPLE, PEOPLE - 1, PEOPLE]
