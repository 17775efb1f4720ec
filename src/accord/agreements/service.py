"""Agreement versions on a node: record, sign, amend, read, and the decision index.

Every function takes the node's :class:`~accord.store.Workspace`. A step that changes
anything runs in one transaction that also stages its audit events (``audit`` appends
them once it commits), and appends to the version's status history. Every signature
is verified with the key this node knows for its party (``peers``) before anything is
stored, so a stored signature is a verified one and ``signed`` means verified.

The current version of an agreement, wherever one is not named (show, activate,
suspend, revoke, decide): the latest version every party has signed held here (an
amendment still being drafted is work in progress, not the agreement; the version in
force goes on deciding until the amendment is signed), else, for an agreement nobody has
signed yet, its draft. The lifecycle steps over the store (activate, suspend, revoke,
expire) are in ``steps``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import Connection

from accord import audit
from accord.agreements import repository as repo
from accord.agreements.checks import refuse_misfits
from accord.agreements.errors import (
    AgreementImmutable,
    AgreementNotFound,
    SignatureError,
    SignatureInvalid,
)
from accord.agreements.lifecycle import amend, status_after_signing
from accord.agreements.models import Agreement, Signature, Status
from accord.agreements.peers import known_keys, own_org
from accord.agreements.policy import PolicyIndex
from accord.agreements.repository import Event, StoredAgreement
from accord.agreements.signing import (
    SignatureCheck,
    digest,
    key_id,
    load_private_key,
    load_public_key,
    sign,
    verify,
)
from accord.store import Governed, Workspace, check_name, connection

Keys = Mapping[str, Ed25519PublicKey]


def utc_now() -> datetime:
    return datetime.now(UTC)


def label_of(agreement: Agreement) -> str:
    return f"{agreement.id} v{agreement.version}"


def record(ws: Workspace, agreement: Agreement, *, by_role: str = "") -> StoredAgreement:
    """Keep ``agreement`` here: a new version, or signatures added to a stored one.

    Every signature it carries must verify with its party's known key first, or nothing
    is stored. A draft's content may still change (signatures over older content are
    dropped); a signed or later version's may not: amend it instead.
    """
    keys = known_keys(ws)
    refuse_unverified(agreement, keys, "keep")
    with audit.transaction(ws) as tx:
        record_in(tx, agreement, by_role)
        found = repo.find(tx.conn, agreement.id, agreement.version)
    assert found is not None
    return found


def refuse_unverified(agreement: Agreement, keys: Keys, act: str) -> None:
    """:class:`SignatureInvalid` unless every signature present verifies with ``keys``."""
    bad = [c for c in verify(agreement, keys).checks if c.status not in ("valid", "missing")]
    if bad:
        raise SignatureInvalid(f"cannot {act} {label_of(agreement)}, nothing was stored: "
                               + "; ".join(_problem(c) for c in bad))  # fmt: skip


def _problem(check: SignatureCheck) -> str:
    if check.status == "no_key":
        return (f"{check.org}: this node knows no key for {check.org!r}; add it first "
                f"('accord peer add {check.org} --key FILE')")  # fmt: skip
    return f"{check.org}: {check.message}"


def record_in(tx: audit.AuditTransaction, agreement: Agreement, by_role: str) -> None:
    """:func:`record`'s change, in ``tx``; its signatures are verified already."""
    conn, by = tx.conn, own_org(tx.ws)
    stored = repo.find(conn, agreement.id, agreement.version)
    if stored is None:
        _check_next_version(conn, agreement)
        status = status_after_signing(agreement)
        repo.insert(conn, agreement, status, "record", utc_now())
        tx.record(_recorded(agreement, status, by, by_role, ""),
                  *_signed(agreement, agreement.signatures, by_role))  # fmt: skip
    elif stored.digest == digest(agreement):
        added = _merge_signatures(conn, stored, agreement)
        if added:
            tx.record(*_signed(agreement, added, by_role))
    elif stored.status is Status.DRAFT:
        status = status_after_signing(agreement)
        repo.update(conn, stored, agreement, status, "edit", utc_now())
        tx.record(_recorded(agreement, status, by, by_role, "the draft's content replaced"),
                  *_signed(agreement, agreement.signatures, by_role))  # fmt: skip
    else:
        raise AgreementImmutable(
            f"{label_of(agreement)} is {stored.status.value} here and this file's content "
            "differs from it; to change a signed agreement make a new version: "
            f"accord agreement new FILE --amend {agreement.id}"
        )


def _recorded(
    agreement: Agreement, status: Status, by: str, by_role: str, reason: str
) -> audit.AgreementRecorded:
    return audit.AgreementRecorded(
        agreement=agreement.id, version=agreement.version, by=by, by_role=by_role,
        reason=reason, digest=digest(agreement), status=status.value,
    )  # fmt: skip


def _signed(
    agreement: Agreement, signatures: Sequence[Signature], by_role: str
) -> list[audit.AgreementSigned]:
    # ``by`` is the party whose (verified) signature this node now holds.
    return [
        audit.AgreementSigned(agreement=agreement.id, version=agreement.version, by=s.org,
                              by_role=by_role, reason=f"key {s.key_id}")
        for s in signatures
    ]  # fmt: skip


def _check_next_version(conn: Connection, agreement: Agreement) -> None:
    held = repo.versions(conn, agreement.id)
    if held and held[-1].status is Status.DRAFT:
        raise AgreementImmutable(
            f"{agreement.id} v{held[-1].agreement.version} is still a draft here; "
            "finish or edit it before starting another version"
        )
    if held and agreement.version != held[-1].agreement.version + 1:
        raise AgreementImmutable(
            f"{agreement.id} is at v{held[-1].agreement.version} here; a new version must be "
            f"v{held[-1].agreement.version + 1}, not v{agreement.version}"
        )


def _merge_signatures(
    conn: Connection, stored: StoredAgreement, incoming: Agreement
) -> list[Signature]:
    """Add ``incoming``'s new signatures to the stored version; the ones added."""
    held = {s.org: s for s in stored.agreement.signatures}
    added = [s for s in incoming.signatures if held.get(s.org) != s]
    if not added:
        return []
    merged = {**held, **{s.org: s for s in added}}
    updated = stored.agreement.model_copy(update={"signatures": list(merged.values())})
    status = stored.status
    if status in (Status.DRAFT, Status.SIGNED):
        status = status_after_signing(updated)
    repo.update(conn, stored, updated, status, "sign", utc_now())
    return added


def node_key(workspace: Workspace) -> Ed25519PrivateKey:
    """The node's Ed25519 key (``keys/node.key``), which signs for its organisation."""
    return load_private_key(workspace.root / "keys" / "node.key")


def node_public_key(workspace: Workspace) -> Ed25519PublicKey:
    return load_public_key(workspace.root / "keys" / "node.pub")


def sign_in_workspace(
    ws: Workspace, agreement: Agreement, as_org: str | None = None, *, by_role: str = ""
) -> tuple[Agreement, StoredAgreement]:
    """Sign as this node's organisation (or ``as_org``, when this node's key is the key
    known for it), after checking the datasets it provides, and record the result."""
    org = check_name(as_org, "organisation id") if as_org is not None else own_org(ws)
    key = node_key(ws)
    known = known_keys(ws).get(org)
    if known is None or key_id(known) != key_id(key.public_key()):
        whose = "no key is known here" if known is None else f"its known key is {key_id(known)}"
        raise SignatureError(
            f"this node cannot sign for {org!r}: it holds {own_org(ws)}'s key "
            f"({key_id(key.public_key())}) and for {org!r} {whose}; sign from {org}'s own "
            "workspace"
        )
    refuse_misfits(ws, agreement, org, "sign")
    signed = sign(agreement, org, key)
    return signed, record(ws, signed, by_role=by_role)


def get(ws: Workspace, agreement_id: str, version: int | None = None) -> StoredAgreement:
    """One version: the one named, else the current one (see the module's docstring)."""
    if version is None:
        check_name(agreement_id, "agreement id")
        found = current_versions(ws).by_id.get(agreement_id)
        if found is not None:
            return found
    with ws.engine.connect() as conn:
        return pick(conn, agreement_id, version)


@dataclass(frozen=True)
class Current:
    """The current version of every agreement here and the decision index built from
    them, read at one revision of the store (:func:`current_versions`): a request's
    terms and its decision read from one of these agree, and cost one read."""

    by_id: dict[str, StoredAgreement]
    index: PolicyIndex

    def get(self, agreement_id: str) -> StoredAgreement | None:
        return self.by_id.get(agreement_id)


_current: Governed[str, Current] = Governed()


def current_versions(ws: Workspace) -> Current:
    """The current versions, read again only when the store's governance revision moved
    (``store.governance_revision``: its triggers move it with every version stored and
    every lifecycle step). Every worker reads the revision from the store at each call
    (once per request), so a suspension or revocation any of them records stops the
    next decision everywhere; what is kept per process is only the parsed documents and
    the index built from them."""
    found = _current.get(ws.engine, "", lambda: _read_current(ws))
    assert found is not None  # a read always finds a Current (empty, at worst)
    return found


def _read_current(ws: Workspace) -> Current:
    with connection(ws.engine) as conn:
        by_id: dict[str, list[StoredAgreement]] = {}
        for stored in repo.every_version(conn):
            by_id.setdefault(stored.agreement.id, []).append(stored)
    chosen = {k: current(v) for k, v in by_id.items()}
    index = PolicyIndex.build((s.agreement, s.status) for s in chosen.values())
    return Current(chosen, index)


def pick(conn: Connection, agreement_id: str, version: int | None) -> StoredAgreement:
    """The version named, else the current one; :class:`AgreementNotFound` saying what is
    held."""
    check_name(agreement_id, "agreement id")
    held = repo.versions(conn, agreement_id)
    if not held:
        raise AgreementNotFound(
            f"no agreement {agreement_id!r} in this workspace; see 'accord agreement list'"
        )
    if version is None:
        return current(held)
    for stored in held:
        if stored.agreement.version == version:
            return stored
    have = ", ".join(f"v{s.agreement.version}" for s in held)
    raise AgreementNotFound(f"{agreement_id} has no version {version} here (it has {have})")


def current(held: Sequence[StoredAgreement]) -> StoredAgreement:
    """Of one agreement's versions (oldest first), the current one: the latest that every
    party signed, else (nobody has signed any yet) the latest draft."""
    agreed = [s for s in held if s.status is not Status.DRAFT]
    return (agreed or list(held))[-1]


def list_agreements(ws: Workspace, *, signed: bool = False) -> list[StoredAgreement]:
    """The current version of every agreement, by id.

    ``signed``: agreements nobody has finished signing are left out, for the public
    register and the record of processing, which list what was agreed.
    """
    chosen = current_versions(ws).by_id.values()
    return [s for s in chosen if not (signed and s.status is Status.DRAFT)]


def history(ws: Workspace, agreement_id: str) -> list[Event]:
    """Every lifecycle step of every version of one agreement, in order."""
    with ws.engine.connect() as conn:
        pick(conn, agreement_id, None)
        return repo.events(conn, agreement_id)


def amend_agreement(ws: Workspace, agreement_id: str, *, by_role: str = "") -> StoredAgreement:
    """Start the next version from the current one, unsigned: every party signs again."""
    with audit.transaction(ws) as tx:
        base = pick(tx.conn, agreement_id, None)
        draft = amend(base.agreement)
        _check_next_version(tx.conn, draft)
        repo.insert(tx.conn, draft, Status.DRAFT, "amend", utc_now())
        tx.record(audit.AgreementAmended(
            agreement=draft.id, version=draft.version, by=own_org(ws), by_role=by_role,
            reason=f"from v{base.agreement.version}"))  # fmt: skip
        found = repo.find(tx.conn, draft.id, draft.version)
    assert found is not None
    return found


def policy_index(ws: Workspace) -> PolicyIndex:
    """The decision index of this node's agreements (the current version of each)."""
    return current_versions(ws).index
