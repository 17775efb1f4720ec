"""The agreements area (stewards and approvers): the register of every agreement held
here, an agreement's page (the whole agreement in plain English, its history, a PDF),
and the acts on it: change a draft, or start the next version of a signed one (stewards:
``amend_agreement``, then the drafting journey on that version), sign and propose a
draft to the other parties (approvers), suspend or revoke it with a reason after an
"Are you sure" page. ``?version=N`` names a version other than the current one (the
next version being drafted), on the page and the acts on a draft.

Every act goes through the exchange's function the CLI uses on a node with a node id (a
node serving its portal always has one): ``propose``, ``suspend_agreement``,
``revoke_agreement``, each recording the act with the role the page needed (``by_role``,
never the account's name) and telling the other parties' nodes. The inbox of proposals
from other nodes is in ``inbox``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from accord.accounts import Role, StaffSession
from accord.agreements import (
    AgreementError,
    AgreementNotFound,
    Status,
    StoredAgreement,
    amend_agreement,
    get,
    history,
    list_agreements,
    readable,
    render_pdf,
)
from accord.exchange import (
    ExchangeError,
    Sent,
    notify_parties,
    propose,
    revoke_agreement,
    suspend_agreement,
)
from accord.portal import questions, text
from accord.portal.areas import Area, register_area
from accord.portal.deps import (
    Approver,
    FormFields,
    PortalDep,
    Steward,
    portal_router,
    redirect,
    render,
    require,
)
from accord.portal.questions import Notice
from accord.portal.routes import drafting

router = portal_router()
AREA = register_area(Area(
    title="Agreements", href="/staff/agreements",
    description="Draft data sharing agreements, review and countersign proposals from other "
    "nodes, and see, suspend or revoke every agreement this node holds.",
    roles=frozenset({Role.STEWARD, Role.APPROVER}), order=20,
))  # fmt: skip
Governance = Annotated[StaffSession, Depends(require(Role.STEWARD, Role.APPROVER))]
HOME = AREA.href
ONE = f"{HOME}/id"
"""Where each agreement's pages are: ``/staff/agreements/id/ID`` (never a name the
drafting and inbox pages beside them use)."""
STATUS_COLOURS = {
    Status.DRAFT: "grey", Status.SIGNED: "blue", Status.ACTIVE: "green",
    Status.SUSPENDED: "yellow", Status.EXPIRED: "orange", Status.REVOKED: "red",
    Status.SUPERSEDED: "grey",
}  # fmt: skip
MAX_REASON = 1000


def by_role(staff: StaffSession, *roles: Role) -> str:
    """The role, of ``roles``, that let this member of staff act (recorded, never a name)."""
    return next(r for r in roles if staff.holds(r)).label.lower()


def _stored(portal: PortalDep, agreement_id: str, version: int | None = None) -> StoredAgreement:
    try:
        return get(portal.ws, agreement_id, version)
    except AgreementNotFound:
        raise HTTPException(404) from None
    except AgreementError:  # a malformed id in the address
        raise HTTPException(404) from None


def sent_notice(title: str, sent: Sent) -> Notice:
    """What an act did and whom it told, for the next page's banner."""
    lines = [f"Told {d.org} ({d.node_id})." for d in sent.deliveries if d.told]
    lines += [
        f"Not told {d.org} yet ({d.detail or d.state}): use “Tell the other parties "
        "again” on this page once their node can be reached."
        for d in sent.not_told
    ]
    if sent.detail:
        lines.append(sent.detail)
    return Notice(title, lines, success=not sent.not_told)


# The register -----------------------------------------------------------------------


@router.get(HOME, response_model=None)
def register(request: Request, portal: PortalDep, staff: Governance) -> HTMLResponse:
    today = date.today()
    rows = []
    for stored in sorted(list_agreements(portal.ws), key=lambda s: s.agreement.id):
        a, status = stored.agreement, stored.status_on(today)
        rows.append({"id": a.id, "title": a.title, "version": a.version, "status": status.value,
                     "colour": STATUS_COLOURS[status],
                     "parties": ", ".join(p.name for p in a.parties),
                     "start": text.day(a.dates.start),
                     "expiry": text.day(a.dates.expiry)})  # fmt: skip
    in_progress = bool(questions.load(request, drafting.JOURNEY).get("draft"))
    return render(request, "agreements/register.html", session=staff, rows=rows,
                  notice=questions.notice(request), can_draft=staff.holds(Role.STEWARD),
                  drafting=in_progress)  # fmt: skip


# An agreement's page ----------------------------------------------------------------


@router.get(f"{ONE}/{{agreement_id}}", response_model=None)
def agreement_page(request: Request, portal: PortalDep, staff: Governance, agreement_id: str,
                   version: int | None = None) -> HTMLResponse:  # fmt: skip
    stored = _stored(portal, agreement_id, version)
    a, status = stored.agreement, stored.status_on(date.today())
    every = history(portal.ws, a.id)
    events = [e for e in every if e.version == a.version]
    newest = max(e.version for e in every)
    acts = _acts(staff, status)
    acts["amend"] = acts["amend"] and newest == a.version
    return render(request, "agreements/agreement.html", session=staff, agreement=a,
                  status=status.value, colour=STATUS_COLOURS[status], events=events,
                  document=readable(a, status.value), notice=questions.notice(request),
                  acts=acts, newest=newest,
                  query=f"?version={a.version}" if version is not None else "",
                  signed=", ".join(s.org for s in a.signatures) or "nobody yet")  # fmt: skip


AMENDABLE = frozenset({Status.SIGNED, Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED})
"""What a next version may start from: every party signed it, and it is not revoked."""


def _acts(staff: StaffSession, status: Status) -> dict[str, bool]:
    live = status in (Status.ACTIVE, Status.SUSPENDED)
    return {
        "edit": status is Status.DRAFT and staff.holds(Role.STEWARD),
        "amend": status in AMENDABLE and staff.holds(Role.STEWARD),
        "propose": status is Status.DRAFT and staff.holds(Role.APPROVER),
        "suspend": status is Status.ACTIVE,
        "revoke": live or status is Status.SIGNED,
        "notify": status is not Status.DRAFT,
    }


@router.get(f"{ONE}/{{agreement_id}}/pdf", response_model=None)
def pdf(portal: PortalDep, _staff: Governance, agreement_id: str,
        version: int | None = None) -> Response:  # fmt: skip
    stored = _stored(portal, agreement_id, version)
    status = stored.status_on(date.today()).value
    name = f"{stored.agreement.id}-v{stored.agreement.version}.pdf"
    return Response(render_pdf(stored.agreement, status), media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _busy(request: Request, back: str) -> RedirectResponse | None:
    """Back to the agreement's page, saying why, while another draft is in progress in
    this session (starting one would lose it)."""
    if not questions.load(request, drafting.JOURNEY).get("draft"):
        return None
    questions.notify(request, Notice("You have a draft in progress", [
        "Save it or discard it first: continue it from Agreements."], success=False))  # fmt: skip
    return redirect(back)


@router.post(f"{ONE}/{{agreement_id}}/edit", response_model=None)
def edit(request: Request, portal: PortalDep, _staff: Steward, agreement_id: str,
         version: int | None = None) -> RedirectResponse:  # fmt: skip
    stored = _stored(portal, agreement_id, version)
    back = f"{ONE}/{agreement_id}" + (f"?version={version}" if version is not None else "")
    if stored.status is not Status.DRAFT:
        questions.notify(request, Notice("Only a draft can be changed", [
            "Every party has signed this version: to change it, start its next version."],
            success=False))  # fmt: skip
        return redirect(back)
    return _busy(request, back) or redirect(drafting.change(request, stored.agreement))


@router.post(f"{ONE}/{{agreement_id}}/amend", response_model=None)
def amend(request: Request, portal: PortalDep, staff: Steward, agreement_id: str,
          ) -> RedirectResponse:  # fmt: skip
    stored = _stored(portal, agreement_id)
    back = f"{ONE}/{agreement_id}"
    busy = _busy(request, back)
    if busy is not None:
        return busy
    if stored.status_on(date.today()) not in AMENDABLE:
        questions.notify(request, Notice("A new version cannot start from this one", [
            f"It is {stored.status_on(date.today()).value}: only a version every party signed "
            "that is not revoked can be amended."], success=False))  # fmt: skip
        return redirect(back)
    try:
        made = amend_agreement(portal.ws, agreement_id, by_role=by_role(staff, Role.STEWARD))
    except AgreementError as exc:
        questions.notify(request, Notice("A new version could not start", [str(exc)],
                                         success=False))  # fmt: skip
        return redirect(back)
    following = drafting.change(request, made.agreement)
    questions.notify(request, Notice(f"Version {made.agreement.version} started", [
        f"It is saved as a draft with version {stored.agreement.version}'s answers, which "
        "stays in force until every party signs the new one. Change what needs to change, "
        "then save it."]))  # fmt: skip
    return redirect(following)


@router.post(f"{ONE}/{{agreement_id}}/notify", response_model=None)
def notify(request: Request, portal: PortalDep, _staff: Governance, agreement_id: str,
           ) -> RedirectResponse:  # fmt: skip
    stored = _stored(portal, agreement_id)
    try:
        done = notify_parties(portal.ws, stored.agreement.id)
    except (AgreementError, ExchangeError) as exc:
        questions.notify(request, Notice("The other parties could not be told", [str(exc)],
                                         success=False))  # fmt: skip
        return redirect(f"{ONE}/{agreement_id}")
    sent = Sent(stored.agreement.id, stored.agreement.version, stored.status.value, done)
    title = "Nothing was waiting to be sent" if not done else "Sent again"
    questions.notify(request, sent_notice(title, sent))
    return redirect(f"{ONE}/{agreement_id}")


# Propose (approvers) ----------------------------------------------------------------


@router.get(f"{ONE}/{{agreement_id}}/propose", response_model=None)
def propose_page(request: Request, portal: PortalDep, _staff: Approver,
                 agreement_id: str, version: int | None = None) -> HTMLResponse:  # fmt: skip
    return _confirm(request, _stored(portal, agreement_id, version), "propose", {},
                    version=version)  # fmt: skip


def _confirm(request: Request, stored: StoredAgreement, act: str, errors: dict[str, str],
             reason: str = "", status: int = 200, version: int | None = None,
             ) -> HTMLResponse:  # fmt: skip
    base = f"{ONE}/{stored.agreement.id}"
    query = f"?version={version}" if version is not None else ""
    action = f"{base}/{act}{query}" if act == "propose" else f"{base}/{act}/confirm"
    return render(request, "agreements/confirm.html", status_code=status, errors=errors,
                  agreement=stored.agreement, act=act, reason=reason, action=action,
                  cancel=base + query, **CONFIRM[act])  # fmt: skip


CONFIRM: dict[str, dict[str, Any]] = {
    "propose": {"question": "Are you sure you want to sign and propose this agreement?",
                "warning": "Your organisation's key signs it, and it is sent to every other "
                "party's node for them to countersign. Its content cannot change once every "
                "party has signed.", "button": "Yes, sign and propose it"},
    "suspend": {"question": "Are you sure you want to suspend this agreement?",
                "warning": "Sharing under it stops at once, here and on every other party's "
                "node, until it is activated again.", "button": "Yes, suspend it"},
    "revoke": {"question": "Are you sure you want to revoke this agreement?",
               "warning": "Revoking ends it for good, here and on every other party's node. It "
               "cannot be restarted: a new agreement would be needed.",
               "button": "Yes, revoke it"},
}  # fmt: skip


@router.post(f"{ONE}/{{agreement_id}}/propose", response_model=None)
def propose_act(request: Request, portal: PortalDep, staff: Approver, agreement_id: str,
                version: int | None = None) -> HTMLResponse | RedirectResponse:  # fmt: skip
    stored = _stored(portal, agreement_id, version)
    try:
        sent = propose(portal.ws, stored.agreement.id, stored.agreement.version,
                       by_role=by_role(staff, Role.APPROVER))  # fmt: skip
    except (AgreementError, ExchangeError) as exc:
        return _confirm(request, stored, "propose", {"confirm": str(exc)}, status=400,
                        version=version)  # fmt: skip
    questions.notify(request, sent_notice("Signed and proposed", sent))
    query = f"?version={version}" if version is not None else ""
    return redirect(f"{ONE}/{agreement_id}{query}")


# Suspend and revoke -----------------------------------------------------------------


def reason_from(fields: FormFields) -> tuple[str, dict[str, str]]:
    reason = " ".join(fields.get("reason").split())
    if not reason:
        return reason, {"reason": "Enter the reason: it is recorded in the audit log and sent "
                        "to the other parties"}  # fmt: skip
    if len(reason) > MAX_REASON:
        return reason, {"reason": f"The reason must be {MAX_REASON} characters or fewer"}
    return reason, {}


def _stepping(act: str) -> None:
    path = f"{ONE}/{{agreement_id}}/{act}"

    @router.get(path, name=f"agreement-{act}", response_model=None)
    def reason_page(request: Request, portal: PortalDep, _staff: Governance,
                    agreement_id: str) -> HTMLResponse:  # fmt: skip
        stored = _stored(portal, agreement_id)
        return _reason_page(request, stored, act, "", {})

    @router.post(path, name=f"agreement-{act}-reason", response_model=None)
    def reason_given(request: Request, portal: PortalDep, _staff: Governance,
                     agreement_id: str, fields: FormFields) -> HTMLResponse:  # fmt: skip
        stored = _stored(portal, agreement_id)
        reason, errors = reason_from(fields)
        if errors:
            return _reason_page(request, stored, act, reason, errors)
        return _confirm(request, stored, act, {}, reason)

    @router.post(f"{path}/confirm", name=f"agreement-{act}-confirm", response_model=None)
    def confirmed(request: Request, portal: PortalDep, staff: Governance, agreement_id: str,
                  fields: FormFields) -> HTMLResponse | RedirectResponse:  # fmt: skip
        stored = _stored(portal, agreement_id)
        reason, errors = reason_from(fields)
        if errors:  # the confirmation carries the reason: checked again, never trusted
            return _reason_page(request, stored, act, reason, errors)
        role = by_role(staff, Role.STEWARD, Role.APPROVER)
        try:
            notice = _apply(portal, stored, act, reason, role)
        except (AgreementError, ExchangeError) as exc:
            return _confirm(request, stored, act, {"confirm": str(exc)}, reason, 400)
        questions.notify(request, notice)
        return redirect(f"{ONE}/{agreement_id}")


def _reason_page(request: Request, stored: StoredAgreement, act: str, reason: str,
                 errors: dict[str, str]) -> HTMLResponse:  # fmt: skip
    base = f"{ONE}/{stored.agreement.id}"
    return render(request, "agreements/reason.html", status_code=400 if errors else 200,
                  errors=errors, agreement=stored.agreement, act=act, reason=reason,
                  action=f"{base}/{act}", cancel=base)  # fmt: skip


def _apply(portal: PortalDep, stored: StoredAgreement, act: str, reason: str,
           role: str) -> Notice:  # fmt: skip
    a = stored.agreement
    step = suspend_agreement if act == "suspend" else revoke_agreement
    sent = step(portal.ws, a.id, reason, a.version, by_role=role)
    return sent_notice("Suspended" if act == "suspend" else "Revoked", sent)


for _act in ("suspend", "revoke"):
    _stepping(_act)
