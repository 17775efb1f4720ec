"""The inbox (stewards and approvers): agreements other parties' nodes proposed to this
node, each shown whole in plain English to review; an approver countersigns it (after an
"Are you sure" page) or declines it with a reason.

Both go through the exchange's functions the CLI uses (``countersign``, ``decline``),
which sign as this node's organisation after the agreements context's checks of the
datasets it provides, tell every other party's node, activate the agreement once every
party has signed, and record each act with the approver's role.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException

from accord.accounts import Role
from accord.agreements import AgreementError, dataset_problems, own_org, readable
from accord.exchange import ExchangeError, Proposal, countersign, decline, inbox
from accord.portal import questions, text
from accord.portal.deps import Approver, FormFields, PortalDep, portal_router, redirect, render
from accord.portal.routes.agreements import (
    ONE,
    Governance,
    by_role,
    reason_from,
    sent_notice,
)
from accord.store import is_name

router = portal_router()
HOME = "/staff/agreements/inbox"
CONFIRM_COUNTERSIGN: dict[str, Any] = {
    "question": "Are you sure you want to countersign this agreement?",
    "warning": "Your organisation's key signs it, and every other party's node is told. Once "
    "every party has signed, sharing under it can start on every party's node.",
    "button": "Yes, countersign it",
}  # fmt: skip


def _when(proposal: Proposal) -> str:
    return text.when(proposal.received_at)


@router.get(HOME, response_model=None)
def inbox_page(request: Request, portal: PortalDep, staff: Governance) -> HTMLResponse:
    every = inbox(portal.ws, every=True)
    rows = [{"id": p.agreement.id, "title": p.agreement.title, "version": p.agreement.version,
             "from": f"{p.org} ({p.node_id})", "received": _when(p), "state": p.state,
             "detail": p.detail, "signed": ", ".join(s.org for s in p.agreement.signatures)}
            for p in reversed(every)]  # fmt: skip
    waiting = [r for r in rows if r["state"] == "pending"]
    decided = [r for r in rows if r["state"] != "pending"]
    return render(request, "agreements/inbox.html", session=staff, waiting=waiting,
                  decided=decided, notice=questions.notice(request))  # fmt: skip


def _waiting(portal: PortalDep, agreement_id: str) -> Proposal:
    if not is_name(agreement_id):
        raise HTTPException(404)
    found = [p for p in inbox(portal.ws) if p.agreement.id == agreement_id]
    if not found:
        raise HTTPException(404)
    return max(found, key=lambda p: (p.agreement.version, p.received_at))


@router.get(f"{HOME}/{{agreement_id}}", response_model=None)
def proposal_page(request: Request, portal: PortalDep, staff: Governance,
                  agreement_id: str) -> HTMLResponse:  # fmt: skip
    proposal = _waiting(portal, agreement_id)
    a = proposal.agreement
    misfits = dataset_problems(portal.ws, a, own_org(portal.ws))
    return render(request, "agreements/proposal.html", session=staff, proposal=proposal,
                  agreement=a, received=_when(proposal), misfits=misfits,
                  document=readable(a, "proposed"), can_sign=staff.holds(Role.APPROVER),
                  signed=", ".join(s.org for s in a.signatures) or "nobody yet")  # fmt: skip


@router.get(f"{HOME}/{{agreement_id}}/countersign", response_model=None)
def countersign_page(request: Request, portal: PortalDep, _staff: Approver,
                     agreement_id: str) -> HTMLResponse:  # fmt: skip
    return _confirm(request, _waiting(portal, agreement_id), {})


def _confirm(request: Request, proposal: Proposal, errors: dict[str, str],
             status: int = 200) -> HTMLResponse:  # fmt: skip
    return render(request, "agreements/confirm.html", status_code=status, errors=errors,
                  agreement=proposal.agreement, act="countersign", reason="",
                  action=f"{HOME}/{proposal.agreement.id}/countersign",
                  cancel=f"{HOME}/{proposal.agreement.id}", **CONFIRM_COUNTERSIGN)  # fmt: skip


@router.post(f"{HOME}/{{agreement_id}}/countersign", response_model=None)
def countersign_act(request: Request, portal: PortalDep, staff: Approver, agreement_id: str,
                    ) -> HTMLResponse | RedirectResponse:  # fmt: skip
    proposal = _waiting(portal, agreement_id)
    try:
        sent = countersign(portal.ws, agreement_id, by_role=by_role(staff, Role.APPROVER))
    except (AgreementError, ExchangeError) as exc:
        return _confirm(request, proposal, {"confirm": str(exc)}, 400)
    state = "in force" if sent.status == "active" else sent.status
    questions.notify(request, sent_notice(f"Countersigned: the agreement is {state} here", sent))
    return redirect(f"{ONE}/{agreement_id}")


@router.get(f"{HOME}/{{agreement_id}}/decline", response_model=None)
def decline_page(request: Request, portal: PortalDep, _staff: Approver,
                 agreement_id: str) -> HTMLResponse:  # fmt: skip
    proposal = _waiting(portal, agreement_id)
    return render(request, "agreements/reason.html", agreement=proposal.agreement,
                  act="decline", reason="", action=f"{HOME}/{agreement_id}/decline",
                  cancel=f"{HOME}/{agreement_id}")  # fmt: skip


@router.post(f"{HOME}/{{agreement_id}}/decline", response_model=None)
def decline_act(request: Request, portal: PortalDep, staff: Approver, agreement_id: str,
                fields: FormFields) -> HTMLResponse | RedirectResponse:  # fmt: skip
    proposal = _waiting(portal, agreement_id)
    reason, errors = reason_from(fields)
    if not errors:
        try:
            sent = decline(portal.ws, agreement_id, reason,
                           by_role=by_role(staff, Role.APPROVER))  # fmt: skip
        except (AgreementError, ExchangeError) as exc:
            errors = {"reason": str(exc)}
        else:
            questions.notify(request, sent_notice("Declined", sent))
            return redirect(HOME)
    return render(request, "agreements/reason.html", status_code=400, errors=errors,
                  agreement=proposal.agreement, act="decline", reason=reason,
                  action=f"{HOME}/{agreement_id}/decline",
                  cancel=f"{HOME}/{agreement_id}")  # fmt: skip
