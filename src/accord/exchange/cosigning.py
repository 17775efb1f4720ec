"""Witnessing between nodes: a witness cosigns a peer's checkpoint, and the peer keeps it.

The witness's side, :func:`witness`: fetch the peer's newest signed checkpoint (checked
with the peer's key in the trust list, ``witness.fetch_checkpoint``), check that it
extends the checkpoint of that peer this node last cosigned (a consistency proof, kept
in ``witnessed_checkpoints``; the first time there is none to check against: trust on
first use, said so in the result and the log), refuse a fork or a rollback
(:class:`CheckpointNotCosigned`, recorded as ``witness.refused``), else cosign it (a C2SP
tlog-cosignature line by the node key, under :func:`cosigner_name`), keep it as the
peer's newest and record ``witness.cosigned`` in one transaction, then send the line to
the peer (``POST /api/v1/audit/checkpoints/{size}/cosignatures``).

The peer's side, :func:`accept`: only from an active member with the ``witness`` role
(the gate refuses a revoked one), whose trust-list key verifies the line over exactly the
note this node signed for that size and root (``audit.add_cosignature``, which keeps it
and records ``checkpoint.cosigned``); anything else is a :class:`Refusal`
(``role-required``, ``unknown-checkpoint``, ``bad-cosignature``), recorded as every
refusal is. :func:`cosigners` checks the cosignatures kept on a checkpoint again against
the trust list in force, for the pages that show them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from accord import audit
from accord.exchange import repository as repo
from accord.exchange import trust
from accord.exchange.client import Client
from accord.exchange.errors import (
    BadPeerResponse,
    CheckpointNotCosigned,
    LogProofFailed,
    TrustListError,
)
from accord.exchange.events import WitnessCosigned, WitnessRefused
from accord.exchange.models import (
    Caller,
    Cosignature,
    CosignatureReceipt,
    Member,
    MemberRole,
    TrustList,
)
from accord.exchange.problems import Refusal, printable
from accord.exchange.transparency import require
from accord.exchange.witness import (
    API,
    PeerCheckpoint,
    check_extends,
    fetch_checkpoint,
    open_checkpoint,
)
from accord.store import Workspace


def cosigner_name(trust_list: TrustList, node_id: str) -> str:
    """The key name a member cosigns under: ``<federation>/<node id>/witness``, which
    anyone holding the trust list can work out (C2SP: a schema-less URL-like name)."""
    return f"{trust_list.federation}/{node_id}/witness"


def cosigner_key(trust_list: TrustList, member: Member) -> str:
    """A member's cosigner verifier key (``name+id+base64(0x04 || key)``), for tooling."""
    name = cosigner_name(trust_list, member.node_id)
    return audit.verifier_key(name, member.key, audit.COSIGNATURE_V1)


@dataclass(frozen=True)
class Witnessed:
    """A peer's checkpoint this node checked, cosigned and sent back."""

    peer: str
    checkpoint: audit.Checkpoint
    previous: int
    """The size of the checkpoint it was proved to extend (0: the first seen)."""
    first_use: bool
    """No earlier checkpoint of the peer to check against: trusted on first use."""
    cosignature: str
    """The signature line sent."""
    receipt: CosignatureReceipt


@audit.audited(WitnessCosigned, WitnessRefused)
def witness(ws: Workspace, peer: str, *, now: datetime | None = None) -> Witnessed:
    """As a witness, cosign ``peer``'s newest checkpoint if it extends the last one this
    node cosigned, and send the cosignature; :class:`CheckpointNotCosigned` if not."""
    with Client(ws) as client:
        member = trust.member(client.trust_list, peer)
        with ws.engine.connect() as conn:
            saved = repo.witnessed(conn, peer)
        found = _checked(ws, client, member, saved)
        name = cosigner_name(client.trust_list, client.node_id)
        line = audit.cosign(found.note, name, client.key, now or datetime.now(UTC))
        _keep(ws, found, saved)
        receipt = _send(client, found, line)
    previous = saved.size if saved is not None else 0
    return Witnessed(peer, found.checkpoint, previous, saved is None, line, receipt)


def _checked(
    ws: Workspace, client: Client, member: Member, saved: repo.Witnessed | None
) -> PeerCheckpoint:
    """The peer's newest checkpoint, proved to extend ``saved``; a refusal recorded."""
    new: PeerCheckpoint | None = None
    try:
        new = fetch_checkpoint(client, member.node_id)
        if saved is not None:
            check_extends(client, member, open_checkpoint(member, saved.note), new)
    except LogProofFailed as exc:
        size = new.checkpoint.size if new is not None else 0
        before = saved.size if saved is not None else 0
        origin = new.checkpoint.origin if new is not None else saved.origin if saved else ""
        reason = printable(str(exc), 500)
        audit.record(ws, WitnessRefused(peer=member.node_id, origin=origin, size=size,
                                        previous=before, reason=reason))  # fmt: skip
        shown = f"{size:,} entries" if new is not None else "its checkpoint"
        raise CheckpointNotCosigned(
            f"not cosigned: {member.node_id} ({member.name})'s log of {shown} does not "
            f"extend the checkpoint of {before:,} entries this node cosigned before: {exc}"
            if saved is not None else f"not cosigned: {exc}"
        ) from None  # fmt: skip
    return new


def _keep(ws: Workspace, found: PeerCheckpoint, saved: repo.Witnessed | None) -> None:
    point, now = found.checkpoint, datetime.now(UTC)
    seen = repo.Witnessed(found.peer, point.origin, point.size, point.root, found.note,
                          saved.first_seen_at if saved else now, now)  # fmt: skip
    with audit.transaction(ws) as tx:
        repo.keep_witnessed(tx.conn, seen)
        tx.record(WitnessCosigned(
            peer=found.peer, origin=point.origin, size=point.size,
            root=base64.b64encode(point.root).decode(),
            previous=saved.size if saved else 0, first_use=saved is None,
        ))  # fmt: skip


def _send(client: Client, found: PeerCheckpoint, line: str) -> CosignatureReceipt:
    body = Cosignature(root=base64.b64encode(found.checkpoint.root).decode(), cosignature=line)
    path = f"{API}/checkpoints/{found.checkpoint.size}/cosignatures"
    response = client.request(found.peer, "POST", path, body.model_dump_json().encode(),
                              {"content-type": "application/json"})  # fmt: skip
    try:
        return CosignatureReceipt.model_validate_json(response.content)
    except ValidationError as exc:
        raise BadPeerResponse(f"{found.peer}'s answer to {path} is not a receipt: "
                              f"{exc.errors()[0]['msg']}") from None  # fmt: skip


def accept(ws: Workspace, caller: Caller, size: int, body: bytes) -> CosignatureReceipt:
    """Keep the cosignature in ``body`` by ``caller`` (a witness) on this node's
    checkpoint of ``size`` entries; a :class:`Refusal` for anything else."""
    require(caller, MemberRole.WITNESS, "a cosignature of this node's checkpoint")
    try:
        sent = Cosignature.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise Refusal("invalid-request", printable(f"{where}: {first['msg']}"),
                      requester=caller.org) from None  # fmt: skip
    found = trust.cached(ws)
    assert found is not None  # the gate admitted the caller by it
    name = cosigner_name(found.trust_list, caller.node_id)
    try:
        kept = audit.add_cosignature(
            ws, size, base64.b64decode(sent.root), sent.cosignature,
            witness=caller.node_id, name=name, key=caller.member.key,
        )  # fmt: skip
    except audit.UnknownCheckpoint as exc:
        raise Refusal("unknown-checkpoint", printable(str(exc)), requester=caller.org) from None
    except audit.BadCosignature as exc:
        raise Refusal("bad-cosignature", printable(f"{exc} (expected key name {name})"),
                      requester=caller.org) from None  # fmt: skip
    return CosignatureReceipt(size=kept.size, witness=kept.witness, key_name=kept.name,
                              key_id=kept.key_id, cosigned_at=kept.cosigned_at,
                              added=kept.added)  # fmt: skip


@dataclass(frozen=True)
class Cosigner:
    """A cosignature on one of this node's checkpoints, checked against the trust list in
    force: which witness, when, and whether its key there verifies it now."""

    signature: audit.NoteSignature
    witness: str
    """The witness's node id, as the cosignature was kept."""
    name: str
    """The witness's organisation's name in the trust list ("" when it is not there)."""
    cosigned_at: datetime | None
    verified: bool
    status: str
    """In words: verified with its trust-list key; the member revoked; not in the list..."""


def cosigners(ws: Workspace, checkpoint: audit.Checkpointed) -> tuple[Cosigner, ...]:
    """Each cosignature on ``checkpoint``, checked with its witness's key in the trust list
    in force (none, or a list that cannot be read: each said so)."""
    try:
        found = trust.cached(ws)
    except TrustListError:
        found = None
    return tuple(_cosigner(found.trust_list if found else None, checkpoint, s)
                 for s in checkpoint.cosignatures)  # fmt: skip


def _cosigner(
    trust_list: TrustList | None, checkpoint: audit.Checkpointed, s: audit.NoteSignature
) -> Cosigner:
    member = trust_list.member(s.witness) if trust_list and s.witness else None
    if trust_list is None or member is None:
        why = ("no trust list to check it with" if trust_list is None else
               "not made by a member of the federation's trust list")  # fmt: skip
        return Cosigner(s, s.witness, "", s.cosigned_at, False, why)
    name = cosigner_name(trust_list, member.node_id)
    try:
        at = audit.open_cosignature(checkpoint.note, s.line, name, member.key)
    except audit.BadCheckpoint:
        return Cosigner(s, s.witness, member.name, s.cosigned_at, False,
                        "does not verify with the witness's key in the trust list now")  # fmt: skip
    if not member.active:
        return Cosigner(s, s.witness, member.name, at, True,
                        "verified with its trust-list key, but the witness has since been "
                        "revoked from the federation")  # fmt: skip
    return Cosigner(s, s.witness, member.name, at, True, "verified with its trust-list key")
