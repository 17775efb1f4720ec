"""Use cases over a node's store: record, sign, activate, suspend, revoke, amend, index.

Each step runs in one transaction and appends to the version's status history. Which
version a step acts on, when none is named: the current one (active or suspended, else
the newest).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import Connection, Engine

from accord.agreements import repository as repo
from accord.agreements.errors import (
    AgreementImmutable,
    AgreementNotFound,
    SignatureInvalid,
    TransitionRefused,
)
from accord.agreements.lifecycle import Action, amend, next_status, status_after_signing
from accord.agreements.models import Agreement, Status
from accord.agreements.policy import PolicyIndex
from accord.agreements.repository import Event, StoredAgreement
from accord.agreements.signing import (
    digest,
    load_private_key,
    load_public_key,
    sign,
    verify,
)
from accord.store import Workspace, check_name


def _now() -> datetime:
    return datetime.now(UTC)


def record(engine: Engine, agreement: Agreement) -> StoredAgreement:
    """Keep ``agreement`` in the store: a new version, or signatures added to a stored one.

    A draft's content may still change (signatures over older content are dropped); a
    signed or later version's may not: amend it instead.
    """
    with engine.begin() as conn:
        stored = repo.find(conn, agreement.id, agreement.version)
        if stored is None:
            _check_next_version(conn, agreement)
            repo.insert(conn, agreement, status_after_signing(agreement), "record", _now())
        elif stored.digest == digest(agreement):
            _merge_signatures(conn, stored, agreement)
        elif stored.status is Status.DRAFT:
            repo.update(conn, stored, agreement, status_after_signing(agreement), "edit", _now())
        else:
            raise AgreementImmutable(
                f"{agreement.id} v{agreement.version} is {stored.status.value} here and this "
                "file's content differs from it; to change a signed agreement make a new "
                f"version: accord agreement new FILE --amend {agreement.id}"
            )
        found = repo.find(conn, agreement.id, agreement.version)
    assert found is not None
    return found


def _check_next_version(conn: Connection, agreement: Agreement) -> None:
    held = repo.versions(conn, agreement.id)
    if held and agreement.version != held[-1].agreement.version + 1:
        raise AgreementImmutable(
            f"{agreement.id} is at v{held[-1].agreement.version} here; a new version must be "
            f"v{held[-1].agreement.version + 1}, not v{agreement.version}"
        )
    if held and held[-1].status is Status.DRAFT:
        raise AgreementImmutable(
            f"{agreement.id} v{held[-1].agreement.version} is still a draft here; "
            "finish or edit it before starting another version"
        )


def _merge_signatures(conn: Connection, stored: StoredAgreement, incoming: Agreement) -> None:
    merged = {s.org: s for s in stored.agreement.signatures}
    merged.update({s.org: s for s in incoming.signatures})
    if merged == {s.org: s for s in stored.agreement.signatures}:
        return
    updated = stored.agreement.model_copy(update={"signatures": list(merged.values())})
    status = stored.status
    if status in (Status.DRAFT, Status.SIGNED):
        status = status_after_signing(updated)
    repo.update(conn, stored, updated, status, "sign", _now())


def node_key(workspace: Workspace) -> Ed25519PrivateKey:
    """The node's Ed25519 key (``keys/node.key``), which signs for its organisation."""
    return load_private_key(workspace.root / "keys" / "node.key")


def node_public_key(workspace: Workspace) -> Ed25519PublicKey:
    return load_public_key(workspace.root / "keys" / "node.pub")


def sign_in_workspace(
    workspace: Workspace, agreement: Agreement, as_org: str | None = None
) -> tuple[Agreement, StoredAgreement]:
    """Sign as the node's organisation (its name, or ``as_org``) and record the result."""
    org = check_name(workspace.settings.node_name if as_org is None else as_org, "organisation id")
    signed = sign(agreement, org, node_key(workspace))
    return signed, record(workspace.engine, signed)


def get(engine: Engine, agreement_id: str, version: int | None = None) -> StoredAgreement:
    """One version: the one named, else the current one."""
    with engine.connect() as conn:
        return _pick(conn, agreement_id, version)


def _pick(conn: Connection, agreement_id: str, version: int | None) -> StoredAgreement:
    check_name(agreement_id, "agreement id")
    held = repo.versions(conn, agreement_id)
    if not held:
        raise AgreementNotFound(
            f"no agreement {agreement_id!r} in this workspace; see 'accord agreement list'"
        )
    if version is None:
        return _current(held)
    for stored in held:
        if stored.agreement.version == version:
            return stored
    have = ", ".join(f"v{s.agreement.version}" for s in held)
    raise AgreementNotFound(f"{agreement_id} has no version {version} here (it has {have})")


def _current(held: list[StoredAgreement]) -> StoredAgreement:
    live = [s for s in held if s.status in (Status.ACTIVE, Status.SUSPENDED)]
    return live[-1] if live else held[-1]


def list_agreements(engine: Engine) -> list[StoredAgreement]:
    """The current version of every agreement, by id."""
    by_id: dict[str, list[StoredAgreement]] = {}
    for stored in repo.every_version(engine):
        by_id.setdefault(stored.agreement.id, []).append(stored)
    return [_current(held) for held in by_id.values()]


def history(engine: Engine, agreement_id: str) -> list[Event]:
    get(engine, agreement_id)
    return repo.events(engine, agreement_id)


def activate(
    engine: Engine,
    agreement_id: str,
    keys: Mapping[str, Ed25519PublicKey],
    version: int | None = None,
) -> StoredAgreement:
    """Make a version active once every party's signature verifies with ``keys``.

    Resumes a suspended version; activating an amendment supersedes the versions before it.
    """
    check_name(agreement_id, "agreement id")
    with engine.begin() as conn:
        held = repo.versions(conn, agreement_id)
        target = _pick(conn, agreement_id, version if version is not None else (
            held[-1].agreement.version if held else None))  # fmt: skip
        label = f"{agreement_id} v{target.agreement.version}"
        status = next_status(target.status, Action.ACTIVATE, label)
        checked = verify(target.agreement, keys)
        if not checked.ok:
            raise SignatureInvalid(f"cannot activate {label}: " + "; ".join(checked.problems()))
        for other in held:
            if other.agreement.version > target.agreement.version and other.status in (
                Status.ACTIVE, Status.SUSPENDED):  # fmt: skip
                raise TransitionRefused(f"cannot activate {label}: v{other.agreement.version} "
                                        f"is {other.status.value}")  # fmt: skip
        now = _now()
        for other in held:
            if other.agreement.version < target.agreement.version and other.status in (
                Status.SIGNED, Status.ACTIVE, Status.SUSPENDED):  # fmt: skip
                repo.update(conn, other, other.agreement, Status.SUPERSEDED, "supersede", now,
                            f"by v{target.agreement.version}")  # fmt: skip
        repo.update(conn, target, target.agreement, status, "activate", now)
        return _pick(conn, agreement_id, target.agreement.version)


def _step(
    engine: Engine, agreement_id: str, action: Action, reason: str | None, version: int | None
) -> StoredAgreement:
    with engine.begin() as conn:
        target = _pick(conn, agreement_id, version)
        label = f"{agreement_id} v{target.agreement.version}"
        status = next_status(target.status, action, label)
        repo.update(conn, target, target.agreement, status, action.value, _now(), reason)
        return _pick(conn, agreement_id, target.agreement.version)


def suspend(
    engine: Engine, agreement_id: str, reason: str, version: int | None = None
) -> StoredAgreement:
    """Stop sharing for now (a breach, a review): decisions deny until activated again."""
    return _step(engine, agreement_id, Action.SUSPEND, reason, version)


def revoke(
    engine: Engine, agreement_id: str, reason: str, version: int | None = None
) -> StoredAgreement:
    """End the agreement for good."""
    return _step(engine, agreement_id, Action.REVOKE, reason, version)


def expire(engine: Engine, agreement_id: str, version: int | None = None) -> StoredAgreement:
    """Record that the agreement has ended on its expiry date."""
    return _step(engine, agreement_id, Action.EXPIRE, None, version)


def expire_due(engine: Engine, on: date) -> list[StoredAgreement]:
    """Record expiry of every active or suspended version past its expiry date."""
    due = [
        s
        for s in list_agreements(engine)
        if s.status in (Status.ACTIVE, Status.SUSPENDED) and on >= s.agreement.dates.expiry
    ]
    return [expire(engine, s.agreement.id, s.agreement.version) for s in due]  # fmt: skip


def amend_agreement(engine: Engine, agreement_id: str) -> StoredAgreement:
    """Start the next version from the current one, unsigned: every party signs again."""
    with engine.connect() as conn:
        current = _pick(conn, agreement_id, None)
        latest = repo.versions(conn, agreement_id)[-1].agreement.version
    draft = amend(current.agreement).model_copy(update={"version": latest + 1})
    return record(engine, draft)


def policy_index(engine: Engine) -> PolicyIndex:
    """The decision index of this node's agreements (current version of each)."""
    return PolicyIndex.build((s.agreement, s.status) for s in list_agreements(engine))
