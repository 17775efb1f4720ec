"""Suspension, revocation and declines reach every party's node.

A party that suspends or revokes an agreement (:func:`suspend_agreement`,
:func:`revoke_agreement`: the agreements lifecycle step here, recorded there) sends
every other party's node a signed act (:class:`~accord.exchange.models.Act`, signed
with its node key over RFC 8785, as agreements and trust lists are). The receiving
node (:func:`receive_act`, behind ``POST /api/v1/agreements/{id}/status``) checks
that the act is the calling node's own, that its organisation is a party, and that the
act names the content this node holds, then applies it at once with the same lifecycle
step, recorded with the acting party as ``by``: from then no request under that
version is permitted here (the catalogue and every decision read the status from the
store). A decline reaches the proposer and the other parties the same way. Resumption
is not sent: any party may stop sharing for everyone, and each party resumes on its
own node. An act a party's node did not get stays in the outbox (``delivery``) until
:func:`notify_parties` delivers it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError

from accord import audit
from accord.agreements import (
    Agreement,
    AgreementError,
    AgreementNotFound,
    Status,
    StoredAgreement,
    get,
    node_key,
    own_org,
    sign_json,
    verify_json,
)
from accord.agreements import revoke as revoke_here
from accord.agreements import suspend as suspend_here
from accord.exchange import delivery, trust
from accord.exchange import repository as repo
from accord.exchange.delivery import ACT, APPLIED, DECLINED, PROPOSAL, WAITING, Delivery, Sent
from accord.exchange.events import AgreementDeclined
from accord.exchange.models import ACT_FORMAT, Act, ActKind, Caller, Receipt
from accord.exchange.problems import Refusal, printable
from accord.store import Workspace


def make_act(
    ws: Workspace, agreement: Agreement, content: str, action: str, reason: str, by_role: str
) -> Act:
    """This node's organisation's act on one version, signed with the node key."""
    unsigned = {
        "accord": ACT_FORMAT, "agreement": agreement.id, "version": agreement.version,
        "digest": content, "action": action, "org": own_org(ws),
        "node_id": trust.node_id_of(ws), "reason": reason[:1000], "by_role": by_role[:200],
        "at": datetime.now(UTC).isoformat(),
    }  # fmt: skip
    # Signed as the receiver will read it back (the model's JSON form of each field).
    draft = Act.model_validate({**unsigned, "signature": "A" * 86})
    return draft.model_copy(update={"signature": sign_json(draft.signed(), node_key(ws))})


def _tell(ws: Workspace, stored: StoredAgreement, action: str, reason: str, by_role: str) -> Sent:
    a = stored.agreement
    act = make_act(ws, a, stored.digest, action, reason, by_role)
    with audit.transaction(ws) as tx:
        delivery.queue(tx, a, stored.digest, ACT, act.model_dump_json(by_alias=True))
    return Sent(a.id, a.version, stored.status.value, delivery.deliver(ws, a.id))


@audit.audited(audit.AgreementSuspended)
def suspend_agreement(
    ws: Workspace, agreement_id: str, reason: str, version: int | None = None, *,
    by_role: str = "",
) -> Sent:  # fmt: skip
    """Suspend the agreement here and tell every other party's node."""
    trust.node_id_of(ws)  # a node that cannot sign an act does not stop sharing alone
    stored = suspend_here(ws, agreement_id, reason, version, by_role=by_role)
    return _tell(ws, stored, ActKind.SUSPEND, reason, by_role)


@audit.audited(audit.AgreementRevoked)
def revoke_agreement(
    ws: Workspace, agreement_id: str, reason: str, version: int | None = None, *,
    by_role: str = "",
) -> Sent:  # fmt: skip
    """Revoke the agreement here and tell every other party's node."""
    trust.node_id_of(ws)
    stored = revoke_here(ws, agreement_id, reason, version, by_role=by_role)
    return _tell(ws, stored, ActKind.REVOKE, reason, by_role)


def notify_parties(ws: Workspace, agreement_id: str | None = None) -> list[Delivery]:
    """Deliver again what the parties' nodes have not had yet (of one agreement, or all)."""
    if agreement_id is not None:
        get(ws, agreement_id)  # an unknown id says so, rather than "nothing to send"
    return delivery.deliver(ws, agreement_id)


def parse_act(caller: Caller, agreement_id: str, body: bytes) -> Act:
    """The act a request carries, if it is the calling node's own; else a refusal."""
    try:
        act = Act.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "the body"
        raise Refusal("invalid-request", printable(f"the act: {where}: {first['msg']}"),
                      requester=caller.org) from None  # fmt: skip
    if act.agreement != agreement_id:
        raise Refusal("invalid-request", f"the act is on {act.agreement!r}, not "
                      f"{agreement_id!r} as the path says", requester=caller.org)  # fmt: skip
    if (act.org, act.node_id) != (caller.org, caller.node_id) or not verify_json(
        act.signed(), act.signature, caller.member.key
    ):
        raise Refusal("bad-agreement-signature", f"the act is not {caller.node_id}'s own: it "
                      f"names {act.org} ({act.node_id}) or its signature does not verify with "
                      f"{caller.node_id}'s key", requester=caller.org)  # fmt: skip
    return act


def receive_act(ws: Workspace, caller: Caller, agreement_id: str, body: bytes) -> Receipt:
    """Apply a party's act (suspend, revoke, decline) sent by its node, at once."""
    act = parse_act(caller, agreement_id, body)
    try:
        stored = get(ws, act.agreement, act.version)
    except AgreementNotFound:
        return _on_proposal(ws, caller, act)
    label = f"{act.agreement} v{act.version}"
    if stored.agreement.party(caller.org) is None:
        raise Refusal("not-a-party", f"{caller.node_id} ({caller.org}) is not a party to "
                      f"{label}", requester=caller.org)  # fmt: skip
    if stored.digest != act.digest:
        raise Refusal("conflict", f"the act names other content of {label} than this node "
                      "holds", requester=caller.org)  # fmt: skip
    if _seen(ws, act):
        return _receipt(act, stored.status.value)
    if act.action is ActKind.DECLINE:
        _declined(ws, caller, act, None)
        return _receipt(act, stored.status.value)
    return _receipt(act, _apply(ws, caller, act, stored).status.value)


def _receipt(act: Act, state: str, detail: str = "") -> Receipt:
    return Receipt(agreement=act.agreement, version=act.version, state=state, detail=detail)


def _seen(ws: Workspace, act: Act) -> bool:
    """Whether this very act (its signature) was taken already: a retry changes nothing."""
    with ws.engine.connect() as conn:
        held = repo.messages(conn, "in", kinds=(ACT,), agreement_id=act.agreement,
                             version=act.version)  # fmt: skip
    return any(Act.model_validate_json(m.document).signature == act.signature for m in held)


def _keep(tx: audit.AuditTransaction, caller: Caller, act: Act, detail: str) -> None:
    now = datetime.now(UTC)
    repo.add_message(
        tx.conn, direction="in", kind=ACT, agreement_id=act.agreement, version=act.version,
        digest=act.digest, peer_org=caller.org, peer_node=caller.node_id,
        document=act.model_dump_json(by_alias=True), state=APPLIED, detail=detail[:1000],
        attempts=1, created_at=now, updated_at=now,
    )  # fmt: skip


_FINAL = {
    ActKind.SUSPEND: (Status.SUSPENDED, Status.REVOKED, Status.EXPIRED, Status.SUPERSEDED),
    ActKind.REVOKE: (Status.REVOKED, Status.EXPIRED, Status.SUPERSEDED),
}
"""The statuses in which an act needs nothing more done here."""


def _apply(ws: Workspace, caller: Caller, act: Act, stored: StoredAgreement) -> StoredAgreement:
    if stored.status not in _FINAL[act.action]:
        step = suspend_here if act.action is ActKind.SUSPEND else revoke_here
        why = f"{act.reason} (the act of {act.org}, sent by its node {act.node_id})"
        try:
            stored = step(ws, act.agreement, why, act.version, by_role=act.by_role, by=act.org)
        except AgreementError as exc:
            raise Refusal("conflict", printable(str(exc)), requester=caller.org) from None
    with audit.transaction(ws) as tx:
        _keep(tx, caller, act, stored.status.value)
    return stored


@audit.audited(AgreementDeclined)
def _declined(ws: Workspace, caller: Caller, act: Act, entry: repo.Message | None) -> None:
    with audit.transaction(ws) as tx:
        if entry is not None:
            repo.update_message(tx.conn, entry.id, state=DECLINED, updated_at=datetime.now(UTC),
                                detail=f"declined by {act.org}: {act.reason}"[:1000])  # fmt: skip
        _keep(tx, caller, act, "declined")
        tx.record(AgreementDeclined(agreement=act.agreement, version=act.version, by=act.org,
                                    node=act.node_id, by_role=act.by_role,
                                    reason=act.reason))  # fmt: skip


def _on_proposal(ws: Workspace, caller: Caller, act: Act) -> Receipt:
    """An act on a version this node holds only in its inbox (or not at all)."""
    with ws.engine.connect() as conn:
        held = repo.messages(conn, "in", kinds=(PROPOSAL,), agreement_id=act.agreement,
                             version=act.version)  # fmt: skip
    entry = next((m for m in reversed(held) if m.digest == act.digest), None)
    label = f"{act.agreement} v{act.version}"
    if entry is None:
        raise Refusal("not-found", f"this node holds no {label} (with that content) from a "
                      f"party", requester=caller.org)  # fmt: skip
    document = Agreement.model_validate_json(entry.document)
    if document.party(caller.org) is None:
        raise Refusal("not-a-party", f"{caller.node_id} ({caller.org}) is not a party to "
                      f"{label}", requester=caller.org)  # fmt: skip
    if act.action is not ActKind.DECLINE:
        raise Refusal("conflict", f"{label} is not signed by every party here: there is "
                      f"nothing to {act.action.value}", requester=caller.org)  # fmt: skip
    if not _seen(ws, act):
        _declined(ws, caller, act, entry if entry.state == WAITING else None)
    return _receipt(act, DECLINED)
