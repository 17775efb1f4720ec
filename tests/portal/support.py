"""What the portal's browser tests share: a node serving its portal, staff accounts,
and the two checks every page gets, axe-core and a screenshot.

:func:`check_accessible` runs axe-core (from ``node_modules``, the version package.json
pins) in the page as it is, CSS and all: ``page.evaluate`` goes through the browser's
DevTools protocol, which the page's Content Security Policy does not govern, so the
pages are tested with their real CSP (tests/portal/test_security.py proves the browser
enforces it). :func:`screenshot` keeps a picture of each page in ``test-artifacts/portal``
(ignored by git).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Error, Page

from accord import accounts
from accord.accounts import Role
from accord.store import Workspace, init_workspace
from tests.audit.support import nhs_numbers
from tests.exchange.support import Server, Spec, federation, free_port, node, running

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "portal"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "a long enough password"
PERSON = nhs_numbers(1)[0]
BORN = "1980-02-29"


@cache
def _axe_source() -> str:
    if not AXE.is_file():
        raise RuntimeError(f"{AXE} is missing: run 'make assets' (npm ci)")
    return AXE.read_text(encoding="utf-8")


def check_accessible(page: Page) -> None:
    """axe-core on the page as shown, WCAG 2.2 A and AA: no violation (each printed).

    A click does not wait for the page it navigates to: a check that the navigation
    interrupts (its document gone mid-run) runs again on the page that arrived."""
    for attempt in range(3):
        page.wait_for_load_state()
        try:
            if not page.evaluate("() => typeof window.axe === 'object'"):
                page.evaluate(_axe_source())
            found: dict[str, Any] = page.evaluate(
                "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                TAGS,
            )
            break
        except Error as error:
            interrupted = ("context was destroyed", "documentElement", "axe is not defined")
            if attempt == 2 or not any(s in error.message for s in interrupted):
                raise
    violations = found["violations"]
    assert not violations, f"{page.url}: accessibility violations:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]\n"
        + "\n".join(f"    {n['target']}: {n['failureSummary']}" for n in v["nodes"])
        for v in violations
    )


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot kept as a test artefact: test-artifacts/portal/NAME.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def looked_at(page: Page, name: str) -> None:
    """Both checks: axe-core, then the screenshot."""
    check_accessible(page)
    screenshot(page, name)


@dataclass
class PortalNode:
    """A node serving its API and portal, and its workspace (the test's own handle)."""

    ws: Workspace
    server: Server | None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def staff(self, name: str, *roles: Role, ready: bool = True) -> str:
        """A staff account with ``roles``; ``ready``: its first password already changed."""
        accounts.add_user(self.ws, name, set(roles), password=PASSWORD, by_role="test")
        if ready:
            accounts.change_password(self.ws, name, PASSWORD, PASSWORD + "!")
        return PASSWORD + "!" if ready else PASSWORD


def _people(ws: Workspace) -> None:
    """A dataset holding one person, for the local identity provider."""
    from accord import sources

    folder = ws.root.parent / "source"
    folder.mkdir()
    (folder / "people.csv").write_text(
        f"id,given,family,nhs,dob\nP1,Ann,Lee,{PERSON},{BORN}\n", encoding="utf-8"
    )
    (folder / "people.yaml").write_text(
        "fields: {record_id: id, given_name: given, family_name: family, nhs_number: nhs, "
        "date_of_birth: dob}\n",
        encoding="utf-8",
    )
    sources.ingest(ws, str(folder / "people.csv"), folder / "people.yaml", "residents")


@contextmanager
def portal_node(root: Path, *, store_url: str | None = None, people: bool = True,
                settings: dict[str, object] | None = None, serve: bool = True,
                port: int | None = None) -> Iterator[PortalNode]:  # fmt: skip
    """A node at ``root`` (its portal's citizens checked by the local provider) served
    by ``accord serve`` on a free port (``serve``), until the block ends."""
    ws = init_workspace(root / "node", "riverside-gp", store_url=store_url, node_id="A81001")
    given: dict[str, object] = {
        "portal_identity": "local", "portal_sign_in_address_attempts": 10_000, **(settings or {})
    }  # fmt: skip
    lines = [f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {str(v).lower()}"
             for k, v in given.items()]  # fmt: skip
    with (ws.root / "accord.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    ws.close()
    from accord.store import open_workspace

    ws = open_workspace(ws.root)
    if people:
        _people(ws)
    try:
        if not serve:
            yield PortalNode(ws, None)
            return
        with running(ws.root, port or free_port()) as server:
            yield PortalNode(ws, server)
    finally:
        ws.close()


def sign_in_citizen(page: Page, url: str, nhs: str = PERSON, born: str = BORN) -> None:
    """Sign in at the node at ``url`` as the citizen with ``nhs`` and ``born`` (the local
    identity provider's form), and wait for their home page."""
    page.goto(url + "/citizen/sign-in")
    year, month, day = born.split("-")
    page.fill("#nhs_number", nhs)
    page.fill("#date_of_birth-day", day)
    page.fill("#date_of_birth-month", month)
    page.fill("#date_of_birth-year", year)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(url + "/citizen")


def add_people(ws: Workspace, dataset: str, people: list[tuple[str, str]]) -> None:
    """A dataset ``dataset`` holding ``people`` (NHS number, ISO date of birth), for the
    local identity provider and a steward's lookups."""
    from accord import sources

    folder = ws.root.parent / f"source-{dataset}"
    folder.mkdir()
    rows = "".join(f"Q{i},Sam,Lee{i},{nhs},{born}\n" for i, (nhs, born) in enumerate(people))
    (folder / "people.csv").write_text("id,given,family,nhs,dob\n" + rows, encoding="utf-8")
    (folder / "people.yaml").write_text(
        "fields: {record_id: id, given_name: given, family_name: family, nhs_number: nhs, "
        "date_of_birth: dob}\n",
        encoding="utf-8",
    )
    sources.ingest(ws, str(folder / "people.csv"), folder / "people.yaml", dataset)


@contextmanager
def portal_federation(
    root: Path, specs: Sequence[Spec], *, ready: Callable[[Spec, Workspace], None] | None = None
) -> Iterator[dict[str, PortalNode]]:
    """Nodes of one federation (tests/exchange/support.py: an authority, a trust list
    every node adopted, so each knows the others' keys), each serving its API and portal
    with ``accord serve``, by node id, until the block ends. ``ready(spec, ws)`` runs on
    each node before it serves (to ingest the datasets it provides)."""
    from accord.exchange import fetch

    fed = federation(root)
    ports = {spec.node_id: free_port() for spec in specs}
    settings: dict[str, object] = {"portal_sign_in_address_attempts": 10_000}
    made = {spec.node_id: node(fed, spec, port=ports[spec.node_id], settings=settings)
            for spec in specs}  # fmt: skip
    fed.publish()
    for spec in specs:
        fetch(made[spec.node_id])
        if ready is not None:
            ready(spec, made[spec.node_id])
    try:
        with ExitStack() as stack:
            yield {
                spec.node_id: PortalNode(
                    made[spec.node_id],
                    stack.enter_context(running(made[spec.node_id].root, ports[spec.node_id])),
                )
                for spec in specs
            }
    finally:
        for ws in made.values():
            ws.close()
