"""A citizen's own data: how it has been used, their opt-outs, a copy to download.

Every page works from the signed-in citizen's session alone (their person key and NHS
number): no address or form field names a person, so a citizen can reach no one else's
data by changing one. ``/citizen`` lists this node's uses of their data, newest first, a
page at a time, deferred entries hidden (``portal.uses``). ``/citizen/opt-outs`` lists
the opt-out schemes, each explained (``privacy.scheme_text``); a scheme the person may
choose has a page saying what it means, a page to confirm, and a page saying it is done,
the register changed and recorded by ``privacy``. ``POST /citizen/download`` gives the
subject access response as a file, recorded by ``audit.own_subject_access``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from accord import audit, privacy
from accord.accounts import CitizenSession
from accord.portal.deps import (
    Citizen,
    FormFields,
    Portal,
    PortalDep,
    portal_router,
    redirect,
    render,
)
from accord.portal.errors import BadRequest
from accord.portal.paging import pagination
from accord.portal.uses import Words, local_uses

router = portal_router()
HOME = "/citizen"
OPT_OUTS = "/citizen/opt-outs"
ACTIONS = {"opt-out", "withdraw"}
MAX_PAGE = 1_000_000


@router.get(HOME)
def home(
    request: Request,
    portal: PortalDep,
    citizen: Citizen,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    found = local_uses(portal.ws, citizen.person, page=page)
    if page > found.pages:
        raise HTTPException(404)
    return render(request, "citizen/home.html", session=citizen, found=found,
                  organisation=Words(portal.ws).here,
                  pagination=pagination(HOME, page, found.pages))  # fmt: skip


def _scheme(name: str) -> privacy.SchemeText:
    try:
        return privacy.scheme_text(name)
    except privacy.UnknownScheme:
        raise HTTPException(404) from None


def _chosen(portal: Portal, citizen: CitizenSession) -> frozenset[str]:
    """The schemes the citizen is opted out of; a 400 page saying why for an NHS number
    no register may hold (one of the test range a development node's data may use)."""
    try:
        return privacy.opted_out(portal.ws, citizen.nhs_number)
    except privacy.PrivacyError as exc:
        raise BadRequest(f"Opt-outs cannot be recorded for your NHS number: {exc}.") from None


@router.get(OPT_OUTS)
def opt_outs(request: Request, portal: PortalDep, citizen: Citizen) -> HTMLResponse:
    chosen = _chosen(portal, citizen)
    schemes = [(name, privacy.scheme_text(name), name in chosen) for name in privacy.SCHEMES]
    return render(request, "citizen/opt_outs.html", session=citizen, schemes=schemes,
                  organisation=Words(portal.ws).here)  # fmt: skip


@router.get(OPT_OUTS + "/{scheme}")
def opt_out(request: Request, portal: PortalDep, citizen: Citizen, scheme: str) -> HTMLResponse:
    text = _scheme(scheme)
    chosen = scheme in _chosen(portal, citizen)
    return render(request, "citizen/opt_out.html", session=citizen, scheme=scheme, text=text,
                  chosen=chosen, organisation=Words(portal.ws).here)  # fmt: skip


@router.get(OPT_OUTS + "/{scheme}/confirm")
def confirm_page(
    request: Request, portal: PortalDep, citizen: Citizen, scheme: str
) -> HTMLResponse:
    text = _scheme(scheme)
    if not text.self_service:
        raise HTTPException(404)
    chosen = scheme in _chosen(portal, citizen)
    return render(request, "citizen/confirm.html", session=citizen, scheme=scheme, text=text,
                  action="withdraw" if chosen else "opt-out",
                  organisation=Words(portal.ws).here)  # fmt: skip


@router.post(OPT_OUTS + "/{scheme}/confirm", response_model=None)
def confirm(
    portal: PortalDep, citizen: Citizen, scheme: str, fields: FormFields
) -> HTMLResponse | RedirectResponse:
    text, action = _scheme(scheme), fields.get("action")
    if not text.self_service or action not in ACTIONS:
        raise HTTPException(400)
    act = privacy.register_own_opt_out if action == "opt-out" else privacy.withdraw_own_opt_out
    _chosen(portal, citizen)  # a number no register may hold: said before anything is done
    act(portal.ws, scheme, citizen.nhs_number, provider=citizen.provider)
    return redirect(f"{OPT_OUTS}/{scheme}/done?was={action}")


@router.get(OPT_OUTS + "/{scheme}/done")
def done(
    request: Request, portal: PortalDep, citizen: Citizen, scheme: str, was: str = ""
) -> HTMLResponse:
    """What the register says now (``was``, the act just done, only words it)."""
    text = _scheme(scheme)
    chosen = scheme in _chosen(portal, citizen)
    return render(request, "citizen/done.html", session=citizen, scheme=scheme, text=text,
                  chosen=chosen, was=was if was in ACTIONS else "",
                  organisation=Words(portal.ws).here)  # fmt: skip


@router.post("/citizen/download")
def download(portal: PortalDep, citizen: Citizen) -> Response:
    response = audit.own_subject_access(portal.ws, citizen.person, provider=citizen.provider)
    return attachment(response, portal.ws.settings.node_name)


def attachment(response: audit.SubjectAccess, node_name: str) -> Response:
    """The subject access response as a JSON file to save (the audit context's form)."""
    body = json.dumps(response.as_dict(), indent=1, ensure_ascii=False).encode()
    day = datetime.now(UTC).date().isoformat()
    name = f"subject-access-{re.sub(r'[^A-Za-z0-9._-]+', '-', node_name)}-{day}.json"
    return Response(body, media_type="application/json",
                    headers={"content-disposition": f'attachment; filename="{name}"'})  # fmt: skip
