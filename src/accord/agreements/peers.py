"""The peer key registry: which public key speaks for which partner organisation.

A signature on an agreement counts only when it verifies with the key this node knows
for the party: its own organisation's key (``keys/node.pub``, known without adding it)
or a partner's key added to the registry (:func:`add_peer`). Adding and removing a key
is a governance act, recorded in the audit log in the same transaction. The face is
small and not shaped by the CLI: the exchange's federation trust list fills the same
registry (:func:`sync_peers`), so one registry answers every signature check. The SQL
lives in ``repository``.
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from accord import audit
from accord.agreements import repository as repo
from accord.agreements.errors import PeerRefused, PeerUnknown
from accord.agreements.signing import key_id, load_public_key
from accord.agreements.types import KeyId, OrgId
from accord.store import Workspace, check_name


@dataclass(frozen=True)
class Peer:
    """An organisation whose signatures this node can check, and how it came to know it.

    ``own`` marks this node's own organisation (its key is the node key; it has no
    ``added_by`` or ``added_at``).
    """

    org: OrgId
    key: Ed25519PublicKey
    key_id: KeyId
    added_by: str = ""
    added_at: datetime | None = None
    own: bool = False

    @property
    def public_key(self) -> str:
        """The key as base64 of its 32 raw bytes."""
        return base64.b64encode(_raw(self.key)).decode("ascii")


def own_org(ws: Workspace) -> OrgId:
    """This node's organisation id: its node name (``accord init --node-name``)."""
    return OrgId(ws.settings.node_name)


def _own(ws: Workspace) -> Peer:
    key = load_public_key(ws.root / "keys" / "node.pub")
    return Peer(own_org(ws), key, key_id(key), own=True)


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _peer(row: repo.PeerRow) -> Peer:
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(row.public_key))
    return Peer(OrgId(row.org), key, KeyId(row.key_id), row.added_by, row.added_at)


def peers(ws: Workspace) -> list[Peer]:
    """Every organisation whose key this node knows: its own first, then partners by id."""
    with ws.engine.connect() as conn:
        rows = repo.peer_rows(conn)
    return [_own(ws), *(_peer(r) for r in rows)]


def known_keys(ws: Workspace) -> dict[str, Ed25519PublicKey]:
    """Organisation id to the public key its signatures must verify with, on this node."""
    return {p.org: p.key for p in peers(ws)}


def add_peer(
    ws: Workspace,
    org: str,
    key: Ed25519PublicKey,
    *,
    added_by: str,
    reason: str = "",
    replace: bool = False,
) -> Peer:
    """Trust ``key`` for ``org``'s signatures; ``added_by`` says who (a staff role, or the
    trust list). The same key again changes nothing; another key for an organisation
    already known is refused unless ``replace``."""
    check_name(org, "organisation id")
    if org == own_org(ws):
        raise PeerRefused(
            f"{org!r} is this node's own organisation; its key is keys/node.pub and is "
            "known without adding it"
        )
    kid = key_id(key)
    with audit.transaction(ws) as tx:
        held = repo.find_peer(tx.conn, org)
        if held is not None and held.key_id == kid:
            return _peer(held)
        if held is not None and not replace:
            raise PeerRefused(
                f"{org!r} already has key {held.key_id} here (added by {held.added_by}); "
                f"remove it first, or replace it on purpose (--replace), not {kid}"
            )
        row = repo.PeerRow(org, base64.b64encode(_raw(key)).decode("ascii"), kid,
                           added_by, datetime.now(UTC))  # fmt: skip
        repo.put_peer(tx.conn, row, replace=held is not None)
        tx.record(audit.PeerKeyAdded(org=org, key_id=kid, by_role=added_by, reason=reason,
                                     replaced_key_id=held.key_id if held else ""))  # fmt: skip
    return _peer(row)


def remove_peer(ws: Workspace, org: str, *, by_role: str, reason: str) -> Peer:
    """Stop trusting ``org``'s key: its signatures no longer verify here (agreements it
    signed cannot be activated again until a key is added)."""
    check_name(org, "organisation id")
    if org == own_org(ws):
        raise PeerRefused(f"{org!r} is this node's own organisation; its key cannot be removed")
    with audit.transaction(ws) as tx:
        held = repo.find_peer(tx.conn, org)
        if held is None:
            raise PeerUnknown(f"no key for {org!r} is in this node's peer registry")
        repo.delete_peer(tx.conn, org)
        tx.record(audit.PeerKeyRemoved(org=org, key_id=held.key_id, by_role=by_role,
                                       reason=reason))  # fmt: skip
    return _peer(held)


FEDERATED = "trust list"
"""How a key the federation's trust list gave begins its ``added_by``."""


def sync_peers(
    tx: audit.AuditTransaction,
    keys: Mapping[str, Ed25519PublicKey],
    revoked: Collection[str],
    *,
    source: str,
) -> tuple[list[str], list[str]]:
    """Make the registry hold, in ``tx``, the key ``keys`` gives each organisation (the
    active members of a trust list), and no key for an organisation in ``revoked`` or
    for one an earlier list gave and this one no longer names. ``source`` says which
    list (it begins with :data:`FEDERATED`). Each change is recorded as any other
    (``peer.added``, ``peer.removed``, ``by_role`` the list); the orgs added or
    replaced, and removed."""
    own = own_org(tx.ws)
    held = {r.org: r for r in repo.peer_rows(tx.conn)}
    added: list[str] = []
    for org, key in sorted(keys.items()):
        before = held.get(org)
        if org == own or (before is not None and before.key_id == key_id(key)):
            continue
        row = repo.PeerRow(org, base64.b64encode(_raw(key)).decode("ascii"), key_id(key),
                           source[:200], datetime.now(UTC))  # fmt: skip
        repo.put_peer(tx.conn, row, replace=before is not None)
        tx.record(audit.PeerKeyAdded(org=org, key_id=row.key_id, by_role=source[:200],
                                     reason="a member of the federation",
                                     replaced_key_id=before.key_id if before else ""))  # fmt: skip
        added.append(org)
    gone = [r for org, r in sorted(held.items()) if org not in keys and (
        org in revoked or r.added_by.startswith(FEDERATED))]  # fmt: skip
    for row in gone:
        repo.delete_peer(tx.conn, row.org)
        why = "revoked from the federation" if row.org in revoked else "no longer in the list"
        tx.record(audit.PeerKeyRemoved(org=row.org, key_id=row.key_id, by_role=source[:200],
                                       reason=why))  # fmt: skip
    return added, [r.org for r in gone]
