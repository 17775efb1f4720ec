"""Stewards and the people in the node's records: subject access requests, and opt-outs
registered or withdrawn on someone's behalf.

A person is found by NHS number and date of birth, both in one of the node's datasets
(the check the local identity provider makes), with the member of staff's role and
reason, which the audit log records and the person reads. The response is shown on the
page and can be downloaded; each is a lookup ``audit.subject_access`` records
(``person.viewed``). Nothing about the person rides in an address: every step is a
form (POST, CSRF-checked) carrying the NHS number and date of birth, checked again at
each step. An opt-out on the person's behalf asks its own reason, then asks to confirm;
``privacy`` changes the register and records it.
"""

from __future__ import annotations

from datetime import date

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from accord import audit, privacy
from accord.accounts import Role
from accord.portal import text
from accord.portal.areas import Area, register_area
from accord.portal.deps import Form, FormFields, PortalDep, Steward, portal_router, render
from accord.portal.errors import BadRequest
from accord.portal.forms import date_values, person_evidence, staff_reason
from accord.portal.identity import local_provider
from accord.portal.routes.your_data import attachment
from accord.portal.uses import Words
from accord.store import Workspace

router = portal_router()
AREA = register_area(Area(
    title="People", href="/staff/people",
    description="Answer a subject access request: find a person, see and download what "
    "happened to their data, and register or withdraw an opt-out on their behalf.",
    roles=frozenset({Role.STEWARD}), order=40,
))  # fmt: skip
ACTIONS = {"register", "withdraw"}
HOW_ASKED = "how the person asked"
NOT_FOUND = ("No one with this NHS number and date of birth is in {node}'s records. Check "
             "them with the person and try again.")  # fmt: skip


def _person(ws: Workspace, fields: Form) -> tuple[dict[str, str], dict[str, str]]:
    """The person named by the form's NHS number and date of birth, if one of the node's
    datasets holds them; the errors by field otherwise."""
    evidence, errors = person_evidence(fields, own=False)
    if not errors:
        try:
            local_provider(ws).verify(evidence)
            audit.person_key(ws, evidence["nhs_number"])  # a placeholder in the data: nobody
        except audit.IdentityNotVerified:
            errors["nhs_number"] = NOT_FOUND.format(node=Words(ws).here)
    return evidence, errors


def _values(fields: Form) -> dict[str, str]:
    return {k: fields.get(k) for k in fields}


@router.get(AREA.href)
def find_page(request: Request, portal: PortalDep, staff: Steward) -> HTMLResponse:
    return render(request, "people/find.html", session=staff, organisation=Words(portal.ws).here,
                  values={"role": Role.STEWARD.label})  # fmt: skip


@router.post(AREA.href)
def find(request: Request, portal: PortalDep, staff: Steward, fields: FormFields) -> HTMLResponse:
    evidence, errors = _person(portal.ws, fields)
    role, reason, asked = staff_reason(fields)
    errors |= asked
    if errors:
        return render(request, "people/find.html", status_code=400, session=staff,
                      errors=errors, values=_values(fields),
                      organisation=Words(portal.ws).here)  # fmt: skip
    person = audit.person_key(portal.ws, evidence["nhs_number"])
    response = audit.subject_access(portal.ws, person, by_role=role, reason=reason)
    words = Words(portal.ws)
    schemes, problem = [], ""
    try:
        chosen = privacy.opted_out(portal.ws, evidence["nhs_number"])
        schemes = [(name, privacy.scheme_text(name), name in chosen) for name in privacy.SCHEMES]
    except privacy.PrivacyError as exc:  # a number no register may hold (the test range)
        problem = f"Opt-outs cannot be recorded for this NHS number: {exc}."
    return render(request, "people/person.html", session=staff, response=response,
                  uses=words.views(response.uses), schemes=schemes,
                  person=_shown(evidence), role=role, reason=reason,
                  organisation=words.here, opt_out_problem=problem)  # fmt: skip


def _shown(evidence: dict[str, str]) -> dict[str, str]:
    """The person as the pages show them, and the hidden fields that carry them on."""
    nhs, born = evidence["nhs_number"], evidence["date_of_birth"]
    return {"nhs_number": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}", "nhs_digits": nhs,
            "born": text.day(date.fromisoformat(born)), **date_values(born)}  # fmt: skip


@router.post(AREA.href + "/download")
def download(portal: PortalDep, _staff: Steward, fields: FormFields) -> Response:
    evidence, errors = _person(portal.ws, fields)
    role, reason, asked = staff_reason(fields)
    if errors or asked:
        raise HTTPException(400)  # the page's own hidden fields: only a forged form fails
    person = audit.person_key(portal.ws, evidence["nhs_number"])
    response = audit.subject_access(portal.ws, person, by_role=role, reason=reason)
    return attachment(response, portal.ws.settings.node_name)


def _act(ws: Workspace, fields: Form) -> tuple[dict[str, str], str, str]:
    """The person, scheme and action an opt-out form carries, checked (400 if forged)."""
    evidence, errors = _person(ws, fields)
    scheme, action = fields.get("scheme"), fields.get("action")
    if errors or scheme not in privacy.SCHEMES or action not in ACTIONS:
        raise HTTPException(400)
    return evidence, scheme, action


@router.post(AREA.href + "/opt-out")
def opt_out_page(
    request: Request, portal: PortalDep, staff: Steward, fields: FormFields
) -> HTMLResponse:
    evidence, scheme, action = _act(portal.ws, fields)
    return render(request, "people/opt_out.html", session=staff, person=_shown(evidence),
                  scheme=scheme, text=privacy.scheme_text(scheme), action=action,
                  values={"role": fields.get("role") or Role.STEWARD.label})  # fmt: skip


@router.post(AREA.href + "/opt-out/check")
def check(request: Request, portal: PortalDep, staff: Steward, fields: FormFields) -> HTMLResponse:
    evidence, scheme, action = _act(portal.ws, fields)
    role, reason, errors = staff_reason(fields, HOW_ASKED)
    page = "people/opt_out.html" if errors else "people/confirm.html"
    return render(request, page, status_code=400 if errors else 200, session=staff,
                  errors=errors, person=_shown(evidence), scheme=scheme,
                  text=privacy.scheme_text(scheme), action=action, values=_values(fields),
                  role=role, reason=reason)  # fmt: skip


@router.post(AREA.href + "/opt-out/confirm")
def confirm(
    request: Request, portal: PortalDep, staff: Steward, fields: FormFields
) -> HTMLResponse:
    evidence, scheme, action = _act(portal.ws, fields)
    role, reason, errors = staff_reason(fields)
    if errors:
        raise HTTPException(400)
    act = privacy.register_opt_out if action == "register" else privacy.withdraw_opt_out
    try:
        changed = act(portal.ws, scheme, evidence["nhs_number"], by_role=role, reason=reason)
    except privacy.PrivacyError as exc:  # a number no register may hold
        raise BadRequest(f"Nothing was recorded: {exc}.") from None
    return render(request, "people/done.html", session=staff, person=_shown(evidence),
                  scheme=scheme, text=privacy.scheme_text(scheme), action=action,
                  changed=changed)  # fmt: skip
