"""Agreements between nodes: propose, receive into the inbox, countersign or decline.

A party proposes a draft it signed (:func:`propose`): the signed document is queued for
every other party's node and delivered (``delivery``). A receiving node (:func:`receive`,
behind ``POST /api/v1/agreements`` and ``.../signatures``) takes a document only from a
party's node whose organisation signed it, with that signature verifying with the key
the federation's trust list gives that node (the same key the peer registry holds: the
trust list fills it), and every other signature on it verifying too. A version it does
not hold yet goes into the inbox (:func:`inbox`) for its steward; a version it holds
gains the new signatures (the agreements context verifies and records each). The steward
countersigns (:func:`countersign`: the agreements context's own signing, after its checks
of the datasets this node provides) or declines (:func:`decline`, a signed act); either
way every other party is told. A node that holds every party's signature activates its
copy at once (the agreements lifecycle's own checks), so every party's store ends with
the same signed document, active. Each act is recorded by the function that does it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from accord import audit
from accord.agreements import (
    Agreement,
    AgreementError,
    AgreementInvalid,
    AgreementNotFound,
    Status,
    StoredAgreement,
    activate,
    digest,
    get,
    key_id,
    known_keys,
    node_key,
    own_org,
    parse,
    record,
    sign_in_workspace,
    verify,
)
from accord.exchange import delivery, trust
from accord.exchange import repository as repo
from accord.exchange.delivery import (
    ACT,
    COUNTERSIGNED,
    DECLINED,
    PROPOSAL,
    SIGNATURES,
    WAITING,
    Sent,
)
from accord.exchange.errors import NegotiationRefused
from accord.exchange.events import AgreementDeclined, AgreementProposed, AgreementReceived
from accord.exchange.models import Caller, Receipt
from accord.exchange.problems import Refusal, printable
from accord.exchange.propagation import make_act
from accord.store import Workspace, check_name

log = logging.getLogger("accord.exchange")

AUTOMATIC = "node (every party had signed)"
"""The ``by_role`` of an activation a node makes when the last signature reaches it."""


@dataclass(frozen=True)
class Proposal:
    """An agreement a party's node sent this node, as the inbox holds it."""

    agreement: Agreement
    digest: str
    org: str
    node_id: str
    state: str
    detail: str
    received_at: datetime
    updated_at: datetime


def _document(agreement: Agreement) -> str:
    return agreement.model_dump_json(exclude_defaults=True)


@audit.audited(AgreementProposed)
def propose(
    ws: Workspace, agreement_id: str, version: int | None = None, *, by_role: str = ""
) -> Sent:
    """Send a draft agreement, signed by this node's organisation (signed now if it has
    not signed yet), to every other party's node; whom it reached."""
    stored = get(ws, agreement_id, version)
    trust.node_id_of(ws)  # a node without an identity cannot be told apart by its partners
    label = f"{stored.agreement.id} v{stored.agreement.version}"
    if stored.status is not Status.DRAFT:
        raise NegotiationRefused(
            f"{label} is {stored.status.value} here, not a draft: only a draft is proposed "
            f"(to tell the parties again, 'accord agreement notify {agreement_id}')"
        )
    own = own_org(ws)
    if stored.agreement.party(own) is None:
        raise NegotiationRefused(f"{own!r} (this node) is not a party to {label}")
    _refuse_unfederated(ws, stored.agreement, own)
    agreement = stored.agreement
    if own not in {s.org for s in agreement.signatures}:
        agreement, stored = sign_in_workspace(ws, agreement, by_role=by_role)
    with audit.transaction(ws) as tx:
        to = delivery.queue(tx, stored.agreement, stored.digest, PROPOSAL,
                            _document(stored.agreement))  # fmt: skip
        tx.record(AgreementProposed(agreement=agreement.id, version=agreement.version,
                                    digest=stored.digest, to=tuple(to),
                                    by_role=by_role))  # fmt: skip
    return Sent(agreement.id, agreement.version, stored.status.value,
                delivery.deliver(ws, agreement.id))  # fmt: skip


def _refuse_unfederated(ws: Workspace, agreement: Agreement, own: str) -> None:
    """This node and every other party must have an active node in the trust list in
    force (this one with its own key)."""
    listed = trust.usable(ws).trust_list
    trust.own_member(ws, listed, node_key(ws).public_key())
    missing = []
    for party in agreement.parties:
        member = listed.member_for_org(party.org)
        if party.org != own and (member is None or not member.active):
            missing.append(party.org + ("" if member is None else f" ({member.node_id}, revoked)"))
    if missing:
        raise NegotiationRefused(
            f"{agreement.id} v{agreement.version} cannot be sent: no active node in the "
            f"federation's trust list (serial {listed.serial}) for {', '.join(missing)}"
        )


def _proposal(message: repo.Message) -> Proposal:
    return Proposal(
        Agreement.model_validate_json(message.document), message.digest, message.peer_org,
        message.peer_node, message.state, message.detail, message.created_at,
        message.updated_at,
    )  # fmt: skip


def inbox(ws: Workspace, *, every: bool = False) -> list[Proposal]:
    """The agreements parties' nodes sent this node to countersign (``every``: the ones
    countersigned or declined too), oldest first."""
    states = () if every else (WAITING,)
    with ws.engine.connect() as conn:
        found = repo.messages(conn, "in", kinds=(PROPOSAL,), states=states)
    return [_proposal(m) for m in found]


def waiting(ws: Workspace, agreement_id: str) -> repo.Message:
    """The newest proposal of ``agreement_id`` waiting in the inbox."""
    check_name(agreement_id, "agreement id")
    with ws.engine.connect() as conn:
        found = repo.messages(conn, "in", kinds=(PROPOSAL,), states=(WAITING,),
                              agreement_id=agreement_id)  # fmt: skip
    if not found:
        raise NegotiationRefused(
            f"no proposal of {agreement_id[:100]!r} is waiting in this node's inbox; see "
            "'accord agreement inbox'"
        )
    return max(found, key=lambda m: (m.version, m.id))


@audit.audited(audit.AgreementRecorded, audit.AgreementSigned)
def countersign(ws: Workspace, agreement_id: str, *, by_role: str = "") -> Sent:
    """Sign the proposal of ``agreement_id`` waiting in the inbox as this node's
    organisation (the agreements context's signing, with its checks of the datasets this
    node provides), keep it, tell every other party, and activate it if every party has
    now signed."""
    entry = waiting(ws, agreement_id)
    signed, stored = sign_in_workspace(ws, _proposal(entry).agreement, by_role=by_role)
    with audit.transaction(ws) as tx:
        repo.update_message(tx.conn, entry.id, state=COUNTERSIGNED, detail="",
                            updated_at=datetime.now(UTC))  # fmt: skip
        delivery.queue(tx, stored.agreement, stored.digest, SIGNATURES, _document(stored.agreement))
    stored, detail = activate_if_complete(ws, stored, by_role or AUTOMATIC)
    return Sent(signed.id, signed.version, stored.status.value,
                delivery.deliver(ws, signed.id), detail)  # fmt: skip


def activate_if_complete(
    ws: Workspace, stored: StoredAgreement, by_role: str
) -> tuple[StoredAgreement, str]:
    """Activate a version every party has signed; a refused activation leaves it signed,
    with the reason (a steward activates it once what is wrong is put right)."""
    if stored.status is not Status.SIGNED:
        return stored, ""
    try:
        return activate(ws, stored.agreement.id, stored.agreement.version, by_role=by_role), ""
    except AgreementError as exc:
        log.warning("%s", exc)
        return stored, f"signed by every party; not activated here: {printable(str(exc), 500)}"


@audit.audited(AgreementDeclined)
def decline(ws: Workspace, agreement_id: str, reason: str, *, by_role: str) -> Sent:
    """Refuse the proposal of ``agreement_id`` waiting in the inbox, and tell every other
    party (a signed act, as ``propagation`` sends); a member of staff's act, so the role
    and the reason are required."""
    by_role, reason = audit.staff_act(by_role, reason)
    entry = waiting(ws, agreement_id)
    proposal = _proposal(entry)
    act = make_act(ws, proposal.agreement, entry.digest, "decline", reason, by_role)
    with audit.transaction(ws) as tx:
        repo.update_message(tx.conn, entry.id, state=DECLINED, detail=reason[:1000],
                            updated_at=datetime.now(UTC))  # fmt: skip
        delivery.queue(
            tx, proposal.agreement, entry.digest, ACT, act.model_dump_json(by_alias=True)
        )
        tx.record(AgreementDeclined(agreement=agreement_id, version=proposal.agreement.version,
                                    by=own_org(ws), by_role=by_role, reason=reason))  # fmt: skip
    return Sent(agreement_id, proposal.agreement.version, DECLINED,
                delivery.deliver(ws, agreement_id))  # fmt: skip


def parse_document(caller: Caller, body: bytes) -> Agreement:
    """The agreement a request carries; a refusal naming what is wrong with it."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return parse(data, "the agreement")
    except AgreementInvalid as exc:
        where, what = exc.problems[0]
        raise Refusal("invalid-request", printable(f"the agreement: {where}: {what}"),
                      requester=caller.org) from None  # fmt: skip
    except (ValueError, RecursionError) as exc:
        raise Refusal("invalid-request", printable(f"the body is not an agreement: {exc}"),
                      requester=caller.org) from None  # fmt: skip


def check_sender(ws: Workspace, caller: Caller, agreement: Agreement) -> None:
    """The calling node's organisation and this node's are parties; the caller signed
    it, with the key the trust list gives its node; every signature on it verifies."""
    label = f"{agreement.id} v{agreement.version}"
    if agreement.party(caller.org) is None:
        raise Refusal("not-a-party", f"{caller.node_id} ({caller.org}) is not a party to "
                      f"{label}", requester=caller.org)  # fmt: skip
    if agreement.party(own_org(ws)) is None:
        raise Refusal("not-a-party", f"this node's organisation is not a party to {label}",
                      requester=caller.org)  # fmt: skip
    if caller.org not in {s.org for s in agreement.signatures}:
        raise Refusal("bad-agreement-signature", f"{label} carries no signature of "
                      f"{caller.org}, whose node sent it", requester=caller.org)  # fmt: skip
    keys = known_keys(ws)
    held = keys.get(caller.org)
    if held is None or key_id(held) != key_id(caller.member.key):
        raise Refusal("conflict", f"this node's peer registry does not hold the key the trust "
                      f"list gives {caller.node_id} for {caller.org}; it will after its next "
                      "trust list fetch: send again then", requester=caller.org)  # fmt: skip
    bad = [c for c in verify(agreement, keys).checks if c.status not in ("valid", "missing")]
    if bad:
        raise Refusal("bad-agreement-signature", printable(f"{label}: " + "; ".join(
            f"{c.org}: {c.message}" for c in bad)), requester=caller.org)  # fmt: skip


def receive(ws: Workspace, caller: Caller, body: bytes, path_id: str | None = None) -> Receipt:
    """Take an agreement a party's node sent (a proposal, or signatures): into the
    inbox if this node does not hold the version, else its new signatures recorded (and
    the version activated once every party has signed)."""
    agreement = parse_document(caller, body)
    if path_id is not None and agreement.id != path_id:
        raise Refusal("invalid-request", f"the document is agreement {agreement.id!r}, not "
                      f"{path_id!r} as the path says", requester=caller.org)  # fmt: skip
    check_sender(ws, caller, agreement)
    try:
        stored = get(ws, agreement.id, agreement.version)
    except AgreementNotFound:
        return _into_inbox(ws, caller, agreement)
    return _merge(ws, caller, stored, agreement)


def _merge(ws: Workspace, caller: Caller, stored: StoredAgreement, incoming: Agreement) -> Receipt:
    label = f"{incoming.id} v{incoming.version}"
    if stored.digest != digest(incoming):
        raise Refusal("conflict", f"{label} here has other content (digest "
                      f"{stored.digest[:16]}...): it was changed after it was sent",
                      requester=caller.org)  # fmt: skip
    try:
        stored = record(ws, incoming, by_role=f"received from {caller.node_id}")
    except AgreementError as exc:
        raise Refusal("conflict", printable(str(exc)), requester=caller.org) from None
    stored, detail = activate_if_complete(ws, stored, AUTOMATIC)
    return Receipt(agreement=incoming.id, version=incoming.version, state=stored.status.value,
                   detail=detail)  # fmt: skip


@audit.audited(AgreementReceived)
def _into_inbox(ws: Workspace, caller: Caller, agreement: Agreement) -> Receipt:
    label, content = f"{agreement.id} v{agreement.version}", digest(agreement)
    now = datetime.now(UTC)
    with audit.transaction(ws) as tx:
        held = repo.messages(tx.conn, "in", kinds=(PROPOSAL,), agreement_id=agreement.id,
                             version=agreement.version)  # fmt: skip
        entry = held[-1] if held else None
        if entry is not None and entry.state != WAITING and entry.digest != content:
            raise Refusal("conflict", f"{label} was {entry.state} here with other content",
                          requester=caller.org)  # fmt: skip
        if entry is not None and entry.state != WAITING:
            return Receipt(agreement=agreement.id, version=agreement.version, state=entry.state)
        merged = _with_signatures(entry, agreement, content)
        if entry is None:
            repo.add_message(
                tx.conn, direction="in", kind=PROPOSAL, agreement_id=agreement.id,
                version=agreement.version, digest=content, peer_org=caller.org,
                peer_node=caller.node_id, document=_document(merged), state=WAITING,
                detail="", attempts=1, created_at=now, updated_at=now,
            )  # fmt: skip
        else:
            repo.update_message(tx.conn, entry.id, document=_document(merged), digest=content,
                                updated_at=now, attempts=entry.attempts + 1)  # fmt: skip
        tx.record(AgreementReceived(
            agreement=agreement.id, version=agreement.version, digest=content, by=caller.org,
            node=caller.node_id, signed_by=tuple(s.org for s in merged.signatures)))  # fmt: skip
    return Receipt(agreement=agreement.id, version=agreement.version, state=WAITING)


def _with_signatures(entry: repo.Message | None, incoming: Agreement, content: str) -> Agreement:
    """``incoming``, with the signatures a waiting copy of the same content held and it
    lacks (a draft sent again with other content replaces the copy)."""
    if entry is None or entry.digest != content:
        return incoming
    held = Agreement.model_validate_json(entry.document)
    have = {s.org for s in incoming.signatures}
    extra = [s for s in held.signatures if s.org not in have]
    return incoming.model_copy(update={"signatures": [*incoming.signatures, *extra]})
