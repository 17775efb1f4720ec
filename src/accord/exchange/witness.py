"""A witness's side of a peer's audit log: fetch its signed checkpoint and proofs over
the signed API, and check them with nothing but the peer's key in the trust list.

:func:`fetch_checkpoint` accepts a checkpoint only when its note is signed by the key
the trust list holds for the peer and its values are the note's. :func:`prove_inclusion`
and :func:`prove_consistency` ask for a proof under that checkpoint and run RFC 9162's
verification on it; the ``check_*`` functions are those checks alone (pure), so a
proof altered anywhere between the peer's log and here is caught the same way. Any
failure is :class:`LogProofFailed`, naming the peer.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from accord import audit
from accord.exchange import trust
from accord.exchange.client import Client
from accord.exchange.errors import BadPeerResponse, LogProofFailed
from accord.exchange.models import (
    ConsistencyProof,
    InclusionProof,
    Member,
    SignedCheckpoint,
)

API = "/api/v1/audit"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class PeerCheckpoint:
    """A peer's checkpoint whose signature verified with its trust-list key."""

    peer: str
    note: str
    checkpoint: audit.Checkpoint
    verifier_key: str


def _answer(client: Client, peer: str, path: str, model: type[M]) -> M:
    response = client.request(peer, "GET", path)
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise BadPeerResponse(f"{peer}'s answer to {path} is not a {model.__name__}: "
                              f"{exc.errors()[0]['msg']}") from None  # fmt: skip


def _hashes(member: Member, values: list[str], what: str) -> list[bytes]:
    try:
        return [base64.b64decode(v, validate=True) for v in values]
    except (binascii.Error, ValueError):
        raise LogProofFailed(f"{member.node_id}'s {what} holds a hash that is not base64") from None


def open_checkpoint(member: Member, note: str) -> PeerCheckpoint:
    """``note`` as ``member``'s checkpoint, if the key the trust list holds signed it."""
    origin = note.split("\n", 1)[0]
    try:
        point = audit.open_note(note, origin, member.key)
    except audit.BadCheckpoint as exc:
        raise LogProofFailed(f"{member.node_id} ({member.name})'s checkpoint is not signed by "
                             f"its key in the trust list: {exc}") from None  # fmt: skip
    return PeerCheckpoint(member.node_id, note, point, audit.verifier_key(origin, member.key))


def check_checkpoint(member: Member, answer: SignedCheckpoint) -> PeerCheckpoint:
    """The checkpoint in ``answer``: its note signed by ``member``'s key, and its values
    (size, root, origin, verifier key) the note's own."""
    found = open_checkpoint(member, answer.note)
    point = found.checkpoint
    said = (answer.origin, answer.size, answer.root, answer.verifier_key)
    signed = (point.origin, point.size, base64.b64encode(point.root).decode(), found.verifier_key)
    if said != signed:
        raise LogProofFailed(f"{member.node_id}'s checkpoint says {said[:3]} beside a note "
                             f"signed for {signed[:3]}")  # fmt: skip
    return found


def fetch_checkpoint(client: Client, peer: str) -> PeerCheckpoint:
    """``peer``'s newest signed checkpoint, verified with its key in the trust list."""
    member = trust.member(client.trust_list, peer)
    return check_checkpoint(member, _answer(client, peer, f"{API}/checkpoint", SignedCheckpoint))


def check_inclusion(
    member: Member, point: audit.Checkpoint, answer: InclusionProof, leaf: bytes | None = None
) -> bytes:
    """The leaf hash the proof in ``answer`` shows is in ``point``'s tree (``leaf``, when
    given, must be it: the entry the caller holds)."""
    got = _hashes(member, [answer.leaf, *answer.proof], "inclusion proof")
    if answer.size != point.size:
        raise LogProofFailed(f"{member.node_id} proved entry {answer.index} under size "
                             f"{answer.size}, not its checkpoint's {point.size}")  # fmt: skip
    if leaf is not None and got[0] != leaf:
        raise LogProofFailed(f"{member.node_id}'s entry {answer.index} is not the entry you "
                             "hold: its leaf hash differs")  # fmt: skip
    try:
        audit.verify_inclusion(answer.index, point.size, got[0], got[1:], point.root)
    except audit.ProofError as exc:
        raise LogProofFailed(f"{member.node_id} ({member.name}): {exc} (its signed "
                             "checkpoint's root)") from None  # fmt: skip
    return got[0]


def prove_inclusion(
    client: Client, peer: str, index: int, *, leaf: bytes | None = None
) -> tuple[PeerCheckpoint, bytes]:
    """Fetch ``peer``'s checkpoint and entry ``index``'s proof under it, and check both."""
    member = trust.member(client.trust_list, peer)
    found = fetch_checkpoint(client, peer)
    path = f"{API}/proofs/inclusion?index={index}&size={found.checkpoint.size}"
    answer = _answer(client, peer, path, InclusionProof)
    if answer.index != index:
        raise LogProofFailed(f"{peer} proved entry {answer.index}, not {index}")
    return found, check_inclusion(member, found.checkpoint, answer, leaf)


def check_consistency(
    member: Member, old: audit.Checkpoint, new: audit.Checkpoint, answer: ConsistencyProof
) -> None:
    """The proof in ``answer`` shows ``new``'s tree extends ``old``'s (both signed)."""
    if new.size < old.size:
        raise LogProofFailed(f"{member.node_id}'s log now signs {new.size} entries, fewer than "
                             f"the {old.size} of the checkpoint you saved: it was cut short "
                             "or rewritten")  # fmt: skip
    if (answer.first, answer.second) != (old.size, new.size):
        raise LogProofFailed(f"{member.node_id} proved sizes {answer.first} to {answer.second}, "
                             f"not {old.size} to {new.size}")  # fmt: skip
    proof = _hashes(member, answer.proof, "consistency proof")
    try:
        audit.verify_consistency(old.size, new.size, old.root, new.root, proof)
    except audit.ProofError as exc:
        raise LogProofFailed(f"{member.node_id} ({member.name}): {exc}: its log does not extend "
                             "the checkpoint you saved") from None  # fmt: skip


def prove_consistency(
    client: Client, peer: str, saved: str
) -> tuple[PeerCheckpoint, PeerCheckpoint]:
    """Check that ``peer``'s newest checkpoint extends ``saved`` (a note it signed before):
    the saved one and the newest, both verified."""
    member = trust.member(client.trust_list, peer)
    old = open_checkpoint(member, saved)
    new = fetch_checkpoint(client, peer)
    check_extends(client, member, old, new)
    return old, new


def check_extends(client: Client, member: Member, old: PeerCheckpoint, new: PeerCheckpoint) -> None:
    """Ask ``member`` for the proof that ``new`` (its checkpoint now) extends ``old`` (one
    it signed before) and check it; :class:`LogProofFailed` naming both sizes if not."""
    if new.checkpoint.origin != old.checkpoint.origin:
        raise LogProofFailed(f"{member.node_id}'s log is now {new.checkpoint.origin!r}, not the "
                             f"{old.checkpoint.origin!r} of the checkpoint you saved")  # fmt: skip
    if new.checkpoint.size < old.checkpoint.size:
        check_consistency(member, old.checkpoint, new.checkpoint,
                          ConsistencyProof(first=1, second=1, proof=[]))  # fmt: skip
    path = f"{API}/proofs/consistency?first={old.checkpoint.size}&second={new.checkpoint.size}"
    answer = _answer(client, member.node_id, path, ConsistencyProof)
    check_consistency(member, old.checkpoint, new.checkpoint, answer)
