"""What a node shows its peers of its own audit log, and which peers may ask.

The log's signed checkpoint and its RFC 9162 proofs hold hashes and sizes, never a
person: a member with the ``witness`` role may ask for them (:func:`checkpoint`,
:func:`inclusion`, :func:`consistency`), to keep the checkpoints it saw and catch a log
that is later rewritten or cut short. One person's uses (:func:`person_uses`, by this
node's own person key) are personal data: only a member with the ``citizen-view`` role
may ask, naming the acting user's role and the reason, and the lookup is recorded
(``person.viewed``, which the person will see) by ``audit.subject_access``. Any other
caller gets ``role-required``, recorded as every refusal is. The client's side (fetch,
then check against the peer's key in the trust list) is ``witness``.
"""

from __future__ import annotations

import base64
import re

from accord import audit
from accord.exchange.models import (
    Caller,
    ConsistencyProof,
    InclusionProof,
    MemberRole,
    PersonUse,
    PersonUses,
    SignedCheckpoint,
)
from accord.exchange.problems import Refusal, printable
from accord.store import Workspace

PERSON_KEY = re.compile(r"[0-9a-f]{64}")
"""This node's person key: 64 lower-case hex digits (docs/audit.md, the citizen's view)."""
MAX_ROLE = 80
"""The acting user's role, leaving room for the calling node's id in ``by_role``."""


def require(caller: Caller, role: MemberRole, what: str) -> None:
    """Refuse (``role-required``) a caller whose trust-list entry lacks ``role``."""
    if role not in caller.member.roles:
        held = ", ".join(r.value for r in caller.member.roles)
        raise Refusal(
            "role-required",
            f"{what} is answered only to members with the {role.value} role in the trust "
            f"list; {caller.node_id} holds {held}",
            requester=caller.org,
        )


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _latest(ws: Workspace) -> tuple[str, str, audit.Checkpoint]:
    """The newest checkpoint note, the verifier key, and the checkpoint's values."""
    try:
        note = audit.latest_checkpoint(ws)
    except audit.AuditError:
        raise Refusal("not-found", "this node's audit log is empty: no checkpoint yet") from None
    verifier = audit.node_verifier_key(ws)
    name, key = audit.parse_verifier_key(verifier)
    return note, verifier, audit.open_note(note, name, key)


def checkpoint(ws: Workspace) -> SignedCheckpoint:
    """The newest signed checkpoint, as its note and its values."""
    note, verifier, point = _latest(ws)
    return SignedCheckpoint(
        origin=point.origin,
        size=point.size,
        root=_b64(point.root),
        timestamp=point.timestamp,
        note=note,
        verifier_key=verifier,
    )


def latest_note(ws: Workspace) -> str:
    """The newest checkpoint as note text alone (for a C2SP checkpoint verifier)."""
    return _latest(ws)[0]


def inclusion(ws: Workspace, index: int, size: int | None) -> InclusionProof:
    """Entry ``index``'s inclusion proof in the tree of ``size`` entries (default: the
    newest checkpoint's); ``size`` may be no larger than that checkpoint's."""
    signed = _latest(ws)[2].size
    size = signed if size is None else size
    if not 0 < size <= signed:
        raise Refusal("not-found", f"size {size}: no such tree; give 1 to {signed} (the "
                      "newest checkpoint's size)")  # fmt: skip
    if not 0 <= index < size:
        raise Refusal("not-found", f"index {index}: no such entry; the tree of {size} "
                      f"entries holds entries 0 to {size - 1}")  # fmt: skip
    proof = audit.inclusion(ws, index, size)
    leaf = audit.leaf(ws, index)
    return InclusionProof(index=index, size=size, leaf=_b64(leaf), proof=[_b64(p) for p in proof])


def consistency(ws: Workspace, first: int, second: int | None) -> ConsistencyProof:
    """The proof that the tree of ``second`` entries (default: the newest checkpoint's)
    extends the tree of ``first``."""
    signed = _latest(ws)[2].size
    second = signed if second is None else second
    if not 0 < first <= second <= signed:
        raise Refusal("not-found", f"first {first}, second {second}: no such proof; "
                      f"give 1 <= first <= second <= {signed} (the newest checkpoint's "
                      "size)")  # fmt: skip
    proof = audit.consistency(ws, first, second)
    return ConsistencyProof(first=first, second=second, proof=[_b64(p) for p in proof])


def person_uses(
    ws: Workspace, caller: Caller, node_id: str, person: str, *, role: str, reason: str
) -> PersonUses:
    """What this node's log shows ``person`` (its own person key), asked by ``caller``
    for its user acting in ``role`` for ``reason``; recorded as ``person.viewed``."""
    if not PERSON_KEY.fullmatch(person):
        raise Refusal("invalid-identifier", "the person in the path is not a person key of "
                      "this node (64 lower-case hex digits)", requester=caller.org)  # fmt: skip
    try:
        acting, why = audit.staff_act(role, reason)
    except audit.MissingReason as exc:
        raise Refusal("invalid-request", printable(f"role and reason: {exc}"),
                      requester=caller.org) from None  # fmt: skip
    if len(acting) > MAX_ROLE:
        raise Refusal("invalid-request", f"role: at most {MAX_ROLE} characters",
                      requester=caller.org)  # fmt: skip
    response = audit.subject_access(
        ws, audit.PersonKey(person), by_role=f"{acting} at {caller.node_id}", reason=why
    )
    return PersonUses(
        node_id=node_id,
        person=person,
        produced_at=response.produced_at,
        uses=[_use(u) for u in response.uses],
        recipients=list(response.recipients),
        purposes=list(response.purposes),
        legal_bases=list(response.legal_bases),
    )


def _use(use: audit.Use) -> PersonUse:
    return PersonUse(
        entry=use.entry, at=use.at, what=use.what, kind=use.kind, organisation=use.organisation,
        role=use.role, dataset=use.dataset, purpose=use.purpose, legal_basis=use.legal_basis,
        gateway=use.gateway, agreement=use.agreement, source=use.source,
        retention=use.retention,
        deferred_until=use.deferred_until.isoformat() if use.deferred_until else "",
        fields=list(use.fields),
    )  # fmt: skip
