"""The auditor's pages in a real browser against a real ``accord serve``: the signed
checkpoints, paged, with their signatures and a witness's cosignature (sent over the
signed API by another node of the federation, checked with its trust-list key); a
verification that passes (and is recorded), one against a checkpoint the auditor kept,
one that fails, each in plain words; entries with their proofs downloaded as one file
that checks offline, as the page says; every form error; the roles refused; that an
auditor's POST changes nothing but a verification; and, on a node whose log was
altered, an entry without a proof and a failed verification.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page
from typer.testing import CliRunner

from accord import audit, exchange
from accord.accounts import Role
from accord.cli import app
from accord.portal.app import ROUTERS
from accord.store import Workspace, metadata, open_workspace
from tests.audit.support import drop_triggers
from tests.exchange.support import federation
from tests.portal.records import RISK, section, sign_in, uses, witnessed
from tests.portal.support import PortalNode, looked_at, portal_node

PAGES = ["/staff/checkpoints", "/staff/checkpoints/verify", "/staff/checkpoints/download"]
SELF_SERVICE = {"/staff/sign-in", "/staff/sign-out", "/staff/password", "/citizen/sign-in",
                "/citizen/sign-out"}  # fmt: skip
"""A member of staff's own session: signing in and out, their own password."""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalNode]:
    fed = federation(tmp_path_factory.mktemp("federation"))
    trust = {"trust_list_url": str(fed.list_path), "trust_list_key": fed.key}
    with portal_node(tmp_path_factory.mktemp("checkpoints"), settings=trust) as made:
        uses(made.ws)
        witnessed(made, fed)
        # The county audit office (a witness) cosigns the node's checkpoint over HTTP.
        with open_workspace(fed.root / "county-audit") as county:
            exchange.fetch(county, str(fed.list_path))
            exchange.witness(county, made.ws.settings.node_id or "")
        for n in range(30):  # a checkpoint each: more than a page of them
            decided = audit.DisclosureDecided(agreement=RISK, requester=f"r{n}", purpose="care",
                                              permitted=True)  # fmt: skip
            audit.record(made.ws, decided)
        yield made


def log_size(ws: Workspace) -> int:
    return audit.checkpoints(ws, limit=1).checkpoints[0].checkpoint.size


def test_an_auditor_reads_the_checkpoints_and_pages_through_them(
    node: PortalNode, page: Page
) -> None:
    sign_in(page, node, Role.AUDITOR)
    page.get_by_role("link", name="Checkpoints").first.click()
    page.wait_for_url(node.url + "/staff/checkpoints")
    newest = section(page, "The newest checkpoint")
    assert "This node's signature, checked with its key" in newest
    page.get_by_text("The newest checkpoint as signed text, to keep").click()
    assert page.locator("details pre").inner_text() == audit.latest_checkpoint(node.ws)
    assert audit.node_verifier_key(node.ws) in page.locator("main").inner_text()
    first = page.locator("table tbody tr").all_inner_texts()
    assert len(first) == 25
    assert all("Verified" in r for r in first)
    looked_at(page, "checkpoints")
    page.get_by_role("link", name="Older checkpoints").click()
    older = page.locator("table tbody tr").all_inner_texts()
    assert older
    assert page.locator("h2", has_text="The newest checkpoint").count() == 0
    page.get_by_role("link", name="Newer checkpoints").click()
    assert page.locator("table tbody tr").all_inner_texts()[1:] == first[1:]


def test_a_witness_s_cosignature_is_shown_checked_with_its_trust_list_key(
    node: PortalNode, page: Page
) -> None:
    cosigned = audit.newest_cosigned(node.ws)
    assert cosigned is not None
    sign_in(page, node, Role.AUDITOR)
    page.goto(node.url + "/staff/checkpoints")
    newest = section(page, "The newest checkpoint")
    assert "Not yet cosigned by a witness" in newest
    size = f"{cosigned.checkpoint.size:,}"
    assert f"The newest cosigned checkpoint covers {size} entries" in newest
    assert "County audit office (node AU1), cosigned " in newest
    assert ": verified with its trust-list key" in newest
    looked_at(page, "checkpoints-cosigned")
    page.get_by_role("link", name="Older checkpoints").click()
    rows = page.locator("table tbody tr").all_inner_texts()
    [row] = [r for r in rows if r.split("\t")[0].strip() == size]
    assert "cosigned by County audit office (AU1)" in row
    assert "not verified" not in row
    assert any("not yet cosigned" in r for r in rows)
    looked_at(page, "checkpoints-cosigned-older")


def test_a_verification_passes_and_is_recorded(node: PortalNode, page: Page) -> None:
    sign_in(page, node, Role.AUDITOR)
    kept = audit.latest_checkpoint(node.ws)  # a checkpoint the auditor saved earlier
    page.goto(node.url + "/staff/checkpoints/verify")
    looked_at(page, "checkpoints-verify")
    page.get_by_role("button", name="Verify the log").click()
    assert page.locator("h1").inner_text() == "The log passed verification"
    size = log_size(node.ws)
    assert f"{size - 1:,} entries checked" in page.locator("main").inner_text()
    assert [e.event.name for e in audit.entries(node.ws, size - 1)] == ["log.verified"]
    looked_at(page, "checkpoints-verified")

    page.goto(node.url + "/staff/checkpoints/verify")
    page.fill("#saved", kept.replace("\n", "\r\n"))  # as a browser sends a textarea
    page.get_by_role("button", name="Verify the log").click()
    assert "and with the checkpoint you pasted" in page.locator("main").inner_text()


def test_a_checkpoint_the_log_does_not_match_fails_it_in_plain_words(
    node: PortalNode, page: Page
) -> None:
    sign_in(page, node, Role.AUDITOR)
    origin, size, _, *rest = audit.latest_checkpoint(node.ws).split("\n")
    forged = "\n".join([origin, size, "A" * 43 + "=", *rest])  # another root, same signature
    page.goto(node.url + "/staff/checkpoints/verify")
    page.fill("#saved", forged)
    page.get_by_role("button", name="Verify the log").click()
    assert page.locator("h1").inner_text() == "The log failed verification"
    main = page.locator("main").inner_text()
    assert "the checkpoint you pasted: the signature by" in main
    assert "does not verify" in main
    assert "Tell the node's operator" in main
    looked_at(page, "checkpoints-verify-failed")

    page.goto(node.url + "/staff/checkpoints/verify")
    page.fill("#saved", "not a checkpoint at all")
    page.get_by_role("button", name="Verify the log").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "The checkpoint you pasted cannot be used: not a signed checkpoint" in summary
    assert page.locator("#saved").input_value() == "not a checkpoint at all\n"
    looked_at(page, "checkpoints-verify-error")


def test_entries_download_with_proofs_that_check_offline(
    node: PortalNode, page: Page, tmp_path: object
) -> None:
    sign_in(page, node, Role.AUDITOR)
    page.goto(node.url + "/staff/checkpoints/download")
    key = audit.node_verifier_key(node.ws)
    assert f"accord audit check FILE --key {key}" in page.locator("pre").inner_text()
    looked_at(page, "checkpoints-download")
    page.fill("#first", "2")
    page.fill("#last", "6")
    with page.expect_download() as got:
        page.get_by_role("button", name="Download").click()
    path = got.value.path()
    document = json.loads(path.read_text(encoding="utf-8"))
    assert [e["index"] for e in document["entries"]] == [2, 3, 4, 5, 6]
    assert audit.verify_export(audit.read_export(path), key).size >= 7
    # The page's own instructions, followed to the letter.
    checked = CliRunner().invoke(app, ["audit", "check", str(path), "--key", key])
    assert checked.exit_code == 0, checked.output

    size = log_size(node.ws)
    for first, last, field, message in (
        ("", "", "first", "Enter the number of the first entry"),
        ("two", "3", "first", "The first entry must be a whole number, like 0 or 1500"),
        ("5", "2", "last", "The last entry must be the same as or after the first entry"),
        ("0", str(size + 5), "last", f"The last entry must be {size - 1:,} or less"),
    ):
        page.goto(node.url + "/staff/checkpoints/download")
        page.fill("#first", first)
        page.fill("#last", last)
        page.get_by_role("button", name="Download").click()
        assert message in page.locator(".govuk-error-summary").inner_text()
        assert page.locator(f"#{field}-error").count() == 1
    looked_at(page, "checkpoints-download-error")


def test_other_roles_are_refused_every_page(node: PortalNode, page: Page) -> None:
    sign_in(page, node, Role.STEWARD, Role.ANALYST, Role.APPROVER)
    for path in PAGES:
        response = page.goto(node.url + path)
        assert response is not None
        assert response.status == 403, path
        assert "auditor role" in page.locator("main").inner_text()
    token = page.locator("form[action='/staff/sign-out'] input[name=csrf_token]").input_value()
    before = log_size(node.ws)
    refused = page.request.post(node.url + "/staff/checkpoints/verify",
                                form={"csrf_token": token})  # fmt: skip
    assert refused.status == 403
    assert log_size(node.ws) == before  # not even a verification


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_the_pages_ask_for_sign_in(node: PortalNode, path: str) -> None:
    response = httpx.get(node.url + path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/sign-in?next={path}"


def counts(ws: Workspace) -> dict[str, int]:
    """Rows in every table of the store."""
    with ws.engine.connect() as conn:
        return {t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for t in metadata.sorted_tables}  # fmt: skip


def test_an_auditors_post_changes_nothing_but_a_verification(node: PortalNode, page: Page) -> None:
    """Every POST route of every area, sent by an auditor with a good token: nothing in
    the store changes, except one ``log.verified`` entry from running a verification."""
    sign_in(page, node, Role.AUDITOR)
    token = page.locator("form[action='/staff/sign-out'] input[name=csrf_token]").input_value()
    posts = sorted({route.path for router in ROUTERS for route in router.routes  # type: ignore[attr-defined]
                    if "POST" in getattr(route, "methods", ())} - SELF_SERVICE)  # fmt: skip
    assert "/staff/checkpoints/verify" in posts
    for path in posts:
        before = counts(node.ws)
        target = path.replace("{", "").replace("}", "")  # any value for a path parameter
        answer = page.request.post(node.url + target, form={"csrf_token": token, "reason": "x"},
                                   max_redirects=0)  # fmt: skip
        after = counts(node.ws)
        changed = {t for t in after if after[t] != before[t]}
        if path == "/staff/checkpoints/verify":
            assert answer.status == 200
            assert changed <= {"audit_entries", "audit_bodies", "audit_checkpoints", "audit_nodes"}
            assert next(iter(audit.entries(node.ws, log_size(node.ws) - 1))).event.name == (
                "log.verified"
            )
        else:
            assert answer.status in (303, 400, 403, 404, 405), path  # 303: a citizen's page
            assert changed == set(), path


@pytest.fixture(scope="module")
def altered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalNode]:
    """A node whose log an operator changed behind its back (entry 1's agreement)."""
    with portal_node(tmp_path_factory.mktemp("altered")) as made:
        uses(made.ws)
        drop_triggers(made.ws)
        with made.ws.engine.begin() as conn:
            change = "UPDATE audit_bodies SET head = replace(head, :a, :b) WHERE id = 1"
            conn.execute(sa.text(change), {"a": RISK, "b": "another-agreement"})
        yield made


def test_an_altered_log_has_no_proof_and_fails_verification(
    altered: PortalNode, page: Page
) -> None:
    sign_in(page, altered, Role.STEWARD, Role.AUDITOR)
    response = page.goto(altered.url + "/staff/audit-log/entries/1")
    assert response is not None
    assert response.status == 500
    assert page.locator("h1").inner_text() == "The proof of entry 1 does not check out"
    assert "entry 1 was changed" in page.locator("main").inner_text()
    looked_at(page, "audit-log-entry-unproven")
    page.goto(altered.url + "/staff/checkpoints/verify")
    page.get_by_role("button", name="Verify the log").click()
    assert page.locator("h1").inner_text() == "The log failed verification"
    main = page.locator("main").inner_text()
    assert "What was found: entry 1 was changed" in main
    assert "at or after entry 1" in main
    looked_at(page, "checkpoints-verify-altered")
