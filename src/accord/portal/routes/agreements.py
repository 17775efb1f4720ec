"""The agreements area (stewards and approvers): the register of every agreement held
here, an agreement's page (the whole agreement in plain English, its history, a PDF),
and the acts on it: change a draft (stewards), sign and propose it to the other parties
(approvers), suspend or revoke it with a reason after an "Are you sure" page.

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
    events = [e for e in history(portal.ws, a.id) if e.version == a.version]
    return render(request, "agreements/agreement.html", session=staff, agreement=a,
                  status=status.value, colour=STATUS_COLOURS[status], events=events,
                  document=readable(a, status.value), notice=questions.notice(request),
                  acts=_acts(staff, status),
                  signed=", ".join(s.org for s in a.signatures) or "nobody yet")  # fmt: skip


def _acts(staff: StaffSession, status: Status) -> dict[str, bool]:
    live = status in (Status.ACTIVE, Status.SUSPENDED)
    return {
        "edit": status is Status.DRAFT and staff.holds(Role.STEWARD),
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


@router.post(f"{ONE}/{{agreement_id}}/edit", response_model=None)
def edit(request: Request, portal: PortalDep, _staff: Steward, agreement_id: str,
         ) -> RedirectResponse:  # fmt: skip
    stored = _stored(portal, agreement_id)
    if stored.status is not Status.DRAFT:
        questions.notify(request, Notice("Only a draft can be changed", [
            "Every party has signed this version: to change it, start its next version."],
            success=False))  # fmt: skip
        return redirect(f"{ONE}/{agreement_id}")
    a = stored.agreement
    draft = a.model_dump(mode="json", exclude={"signatures"}, exclude_none=True)
    draft.setdefault("gateway", None)  # "no gateway" is an answer its page shows again
    questions.keep(request, drafting.JOURNEY, {
        "draft": draft, "done": list(drafting.TASKS), "prefilled": [],
        "editing": {"id": a.id, "version": a.version}})  # fmt: skip
    return redirect(drafting.HOME)


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
                 agreement_id: str) -> HTMLResponse:  # fmt: skip
    return _confirm(request, _stored(portal, agreement_id), "propose", {})


def _confirm(request: Request, stored: StoredAgreement, act: str, errors: dict[str, str],
             reason: str = "", status: int = 200) -> HTMLResponse:  # fmt: skip
    base = f"{ONE}/{stored.agreement.id}"
    action = f"{base}/{act}" if act == "propose" else f"{base}/{act}/confirm"
    return render(request, "agreements/confirm.html", status_code=status, errors=errors,
                  agreement=stored.agreement, act=act, reason=reason, action=action,
                  cancel=base, **CONFIRM[act])  # fmt: skip


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
                ) -> HTMLResponse | RedirectResponse:  # fmt: skip
    stored = _stored(portal, agreement_id)
    try:
        sent = propose(portal.ws, stored.agreement.id, by_role=by_role(staff, Role.APPROVER))
    except (AgreementError, ExchangeError) as exc:
        return _confirm(request, stored, "propose", {"confirm": str(exc)}, status=400)
    questions.notify(request, sent_notice("Signed and proposed", sent))
    return redirect(f"{ONE}/{agreement_id}")


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
