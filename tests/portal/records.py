"""What the steward's and auditor's pages show, made in a portal node's workspace by the
contexts' own functions (nothing written to the store by hand): datasets with versions,
quality, a description, quarantine and provenance both ways; a month of usage; uses of
people's data to find in the audit log. And signing a member of staff in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from playwright.sync_api import Page

from accord import audit, catalog
from accord.accounts import Role
from accord.agreements import node_key
from accord.audit import DisclosureDecided
from accord.exchange import MemberRole, Received, Served, add_member, fetch
from accord.store import Workspace
from tests.audit.support import disclosed, nhs_numbers, record_at
from tests.catalog.support import T0, T1, T2, description
from tests.exchange.support import Federation, Spec, free_port
from tests.exchange.support import node as exchange_node
from tests.portal.support import PortalNode
from tests.quality.support import CLEAN, DIRTY, ingest_rows

PATIENTS = "registered-patients"
FLOOD = "flood-register"
CANARY = "Zedcanary"
"""In a quarantined row: no page may show it (counts and reasons only)."""
QUARANTINED = [
    f"7,{CANARY} Quarantined,1980-01-01,M,9434765919,AB123456C,LS1 4AP,1 High St,north,x,y",
    f",Mr {CANARY} Blank,1980-01-01,M,9434765919,AB123456C,LS1 4AP,1 High St,north",
    f"9,{CANARY} Again,1980-01-01,M,9434765919,AB123456C,LS1 4AP,1 High St,north,x,y",
]
HOSPITAL = "riverside-hospital"
COUNCIL = "county-council"
RISK = "gp-hospital-risk"
FLOODS = "flood-2026"
NOVEMBER = datetime(2026, 11, 1, tzinfo=UTC)


def sign_in(page: Page, node: PortalNode, *roles: Role) -> str:
    """A new member of staff with ``roles``, signed in; their account name."""
    name = f"{roles[0].value if roles else 'none'}-{uuid.uuid4().hex[:6]}"
    password = node.staff(name, *roles)
    page.goto(node.url + "/staff/sign-in")
    page.fill("#name", name)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(node.url + "/staff")
    return name


def datasets(ws: Workspace) -> None:
    """Two versions of the patients (assessed, described, the second with rows put in
    quarantine), a linkage run that read the first, a share of the second; and a dataset
    neither assessed nor described."""
    ingest_rows(ws, CLEAN, PATIENTS)
    catalog.assess_quality(ws, PATIENTS)
    catalog.describe(ws, PATIENTS, catalog.DatasetMetadata.model_validate(description()))
    ingest_rows(ws, CLEAN + DIRTY[3:5] + QUARANTINED, PATIENTS)
    catalog.assess_quality(ws, PATIENTS)
    first, second = (catalog.snapshot_ref(ws, PATIENTS, v) for v in (1, 2))
    here = catalog.node_namespace(ws)
    pairs = catalog.DatasetRef(here, "gp-hospital-pairs", "sha256:" + "c" * 64)
    catalog.record_derivation(ws.engine, catalog.Job(here, "linkage.link"), [first], [pairs],
                              started_at=T0, ended_at=T1)  # fmt: skip
    sent = catalog.DatasetRef(f"accord://{HOSPITAL}", f"{ws.settings.node_name}.{PATIENTS}")
    catalog.record_derivation(
        ws.engine, catalog.Job(here, "exchange.share"), [second], [sent], ended_at=T2,
        facets={"accordShare": {"agreement": RISK, "recipient": "RX1", "recipientOrg": HOSPITAL,
                                "purpose": "finding patients at risk of admission",
                                "role": "admissions analyst", "rows": 4}},
    )  # fmt: skip
    ingest_rows(ws, CLEAN[:2], FLOOD)


def uses(ws: Workspace) -> list[str]:
    """Decisions on two agreements in November 2026, and one bulk disclosure (thirty
    people, one body: more than a page) recorded now; the people's keys."""
    people = [audit.person_key(ws, n) for n in nhs_numbers(30)]
    decided = DisclosureDecided(agreement=RISK, requester=HOSPITAL, purpose="risk", permitted=True)
    record_at(ws, decided, NOVEMBER.replace(day=10, hour=9))
    refused = DisclosureDecided(agreement=FLOODS, requester=COUNCIL, purpose="rescue",
                                permitted=False, reasons=("no such agreement",))  # fmt: skip
    record_at(ws, refused, NOVEMBER.replace(day=20, hour=15, minute=5))
    with audit.transaction(ws) as tx:
        tx.record_each(disclosed(people[0]), people)
    return people


def usage(ws: Workspace) -> None:
    """November 2026: shares and a lookup served to the hospital, a share received from
    the council (on top of the decisions :func:`uses` records)."""
    common = {"dataset": PATIENTS, "format": "arrow", "provider": ws.settings.node_id or ""}
    for kind, records, size, day in (("share", 1200, 48_000, 11), ("lookup", 1, 310, 12)):
        served = Served(kind=kind, agreement=RISK, recipient=HOSPITAL, records=records,
                        bytes=size, request=f"req-{day}", **common)  # fmt: skip
        record_at(ws, served, NOVEMBER.replace(day=day))
    received = Received(kind="share", agreement=FLOODS, recipient=ws.settings.node_id or "",
                        provider=COUNCIL, dataset="vulnerable-people", records=300,
                        bytes=9_000, format="arrow", request="req-21")  # fmt: skip
    record_at(ws, received, NOVEMBER.replace(day=21))


def section(page: Page, heading: str) -> str:
    """The text from the heading ``heading`` to the next heading of its level (once the
    page has it: a page just navigated to may still be arriving)."""
    page.locator("h2", has_text=heading).first.wait_for()
    text: str = page.evaluate(
        """(wanted) => {
            const h2s = [...document.querySelectorAll('h2')];
            let at = h2s.find(e => e.textContent.trim() === wanted).nextElementSibling;
            let out = '';
            for (; at && at.tagName !== 'H2'; at = at.nextElementSibling) {
                out += at.innerText + '\\n';
            }
            return out;
        }""",
        heading,
    )
    return text


def witnessed(node: PortalNode, fed: Federation) -> None:
    """Put the node in a federation whose trust list names a witness of its log (another
    node with the ``witness`` role), and adopt the list."""
    with fed.open() as auth:
        add_member(auth, node_id=node.ws.settings.node_id or "", org=node.ws.settings.node_name,
                   name="Riverside GP", base_url=node.url, key=node_key(node.ws).public_key(),
                   roles=(MemberRole.PROVIDER,), by_role="test")  # fmt: skip
    exchange_node(fed, Spec("county-audit", "AU1", "County audit office", (MemberRole.WITNESS,)),
                  port=free_port()).close()  # fmt: skip
    fed.publish()
    fetch(node.ws, str(fed.list_path))
