"""The datasets area, for stewards and analysts (no page here shows a person's data):
every dataset of the node with its kitemark, and a page per dataset with its quality
scores, its description, its versions, its quarantine as counts by reason, and its
provenance both ways (what it was made from; which shares and linkage runs used it).

The quality report is the quality context's own HTML page, with its inline stylesheet:
it is served alone, on its own route, under a policy of its own (that stylesheet by
its hash, nothing else loaded, no script, sandboxed: ``security.sandboxed_policy``),
never inside a portal page, whose policy allows no inline style.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from accord import catalog, quality, sources
from accord.accounts import Role, StaffSession
from accord.portal.areas import Area, register_area
from accord.portal.deps import PortalDep, portal_router, render, require
from accord.portal.present import run_line
from accord.portal.security import sandboxed_policy
from accord.store import is_name

router = portal_router()
AREA = register_area(Area(
    title="Datasets", href="/staff/datasets",
    description="Each dataset's quality, description, versions, quarantine and provenance.",
    roles=frozenset({Role.STEWARD, Role.ANALYST}), order=10,
))  # fmt: skip
Reader = Annotated[StaffSession, Depends(require(Role.STEWARD, Role.ANALYST))]
READER = [Depends(require(Role.STEWARD, Role.ANALYST))]
"""The same check, for a route that does not use the session."""
KITEMARK_TAGS = {
    quality.Kitemark.GOLD: "govuk-tag--yellow", quality.Kitemark.SILVER: "govuk-tag--grey",
    quality.Kitemark.BRONZE: "govuk-tag--orange", quality.Kitemark.NOT_YET_RATED: "govuk-tag--red",
}  # fmt: skip


@router.get(AREA.href)
def dataset_list(request: Request, portal: PortalDep, staff: Reader) -> HTMLResponse:
    listed = [d for d in catalog.catalogue(portal.ws) if d.kind == "snapshot"]
    return render(request, "datasets/list.html", session=staff, datasets=listed,
                  tags=KITEMARK_TAGS)  # fmt: skip


def _entry(portal: PortalDep, name: str) -> catalog.Entry:
    """The node's dataset ``name``, else a 404 page (a bad name is no dataset)."""
    if not is_name(name):
        raise HTTPException(404)
    try:
        found = catalog.entry(portal.ws, name)
    except sources.UnknownDataset:
        raise HTTPException(404) from None
    if not found.versions:  # made by a run here, held elsewhere: not one of the node's
        raise HTTPException(404)
    return found


@router.get(AREA.href + "/{name}")
def dataset(request: Request, name: str, portal: PortalDep, staff: Reader) -> HTMLResponse:
    entry = _entry(portal, name)
    newest = entry.versions[-1]
    snapshot = sources.get_snapshot(portal.ws.engine, name, newest.version)
    history = quality.assessments(portal.ws.engine, name)
    return render(
        request, "datasets/show.html", session=staff, entry=entry, newest=newest,
        assessed=history[-1] if history else None, tags=KITEMARK_TAGS,
        reasons=sources.quarantine_reasons(portal.ws.engine, snapshot.id),
        upstream=[run_line(r) for r in reversed(entry.lineage.runs)],
        downstream=[run_line(r) for r in reversed(catalog.downstream(portal.ws, name).runs)],
    )  # fmt: skip


@router.get(AREA.href + "/{name}/quality-report", dependencies=READER)
def quality_report(name: str, portal: PortalDep) -> HTMLResponse:
    """The newest assessment's HTML report (stored assessments keep no sample rows: it
    holds counts and scores only), under its own policy (the module's docstring)."""
    _entry(portal, name)
    history = quality.assessments(portal.ws.engine, name)
    if not history:
        raise HTTPException(404)
    html = quality.report_html(history[-1], history)
    return HTMLResponse(html, headers={"content-security-policy": sandboxed_policy(html)})


@router.get(AREA.href + "/{name}/dcat.jsonld", dependencies=READER)
def dcat(name: str, portal: PortalDep) -> Response:
    """The description as DCAT (JSON-LD), a file to keep (the name is a checked slug)."""
    if _entry(portal, name).metadata is None:  # DCAT needs the description
        raise HTTPException(404)
    document = catalog.export(portal.ws, name, "dcat")
    return Response(document, media_type="application/ld+json", headers={
        "content-disposition": f'attachment; filename="{name}.dcat.jsonld"',
    })  # fmt: skip
