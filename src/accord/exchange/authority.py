"""The federation authority: who is in the federation, signed as a trust list.

An authority is an Accord workspace of its own (so each of its acts is in a verifiable
audit log) with one more key, ``keys/authority.key`` (Ed25519, owner-only), and its
working state in ``federation/members.json``. :func:`add_member` and
:func:`revoke_member` change the state; :func:`publish` signs the next serial and keeps
every published list in ``federation/published/``. Each act is recorded in the
authority's log in the transaction whose last step moves the changed file into place,
so a failed act changes nothing. See docs/exchange.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from accord import audit
from accord.agreements import (
    KeyUnusable,
    canonical_json,
    key_id,
    load_private_key,
    load_public_key,
    public_key_text,
    sign_json,
)
from accord.exchange.errors import AuthorityError
from accord.exchange.events import (
    FederationMemberAdded,
    FederationMemberRevoked,
    TrustListPublished,
)
from accord.exchange.models import Member, MemberRole, MemberStatus, TrustList
from accord.store import (
    PRIVATE_DIR,
    Workspace,
    check_name,
    check_node_id,
    init_workspace,
    new_log_origin,
    open_workspace,
    write_output,
    write_private,
)

KEY_FILE = "authority.key"
STATE = "members.json"
AUTHORITY_NAME = "federation-authority"


@dataclass(frozen=True)
class Authority:
    """An opened authority folder: its workspace and signing key. Its state (the serial
    and the members) is read from the folder whenever it is asked for, so an authority
    held open across several acts never works from a stale copy."""

    ws: Workspace
    key: Ed25519PrivateKey
    federation: str

    @property
    def folder(self) -> Path:
        return self.ws.root / "federation"

    @property
    def serial(self) -> int:
        return _read_state(self.ws.root)[0]

    @property
    def members(self) -> tuple[Member, ...]:
        return _read_state(self.ws.root)[1]

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.key.public_key()

    def close(self) -> None:
        self.ws.close()

    def __enter__(self) -> Authority:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def raw_public_key(key: Ed25519PublicKey) -> str:
    """A public key as base64 of its 32 raw bytes (a trust list's and a setting's form)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def init_authority(root: Path, federation: str, store_url: str | None = None) -> Authority:
    """A new authority folder for ``federation`` (a domain, e.g. accord.example.nhs.uk):
    a workspace, the authority key, an empty member list."""
    origin = new_log_origin(AUTHORITY_NAME, federation)  # checks the domain
    ws = init_workspace(root, AUTHORITY_NAME, store_url, log_origin=origin)
    try:
        folder = ws.root / "federation"
        folder.mkdir(mode=PRIVATE_DIR)
        (folder / "published").mkdir(mode=PRIVATE_DIR)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_private(ws.root / "keys" / KEY_FILE, pem)
        write_private(
            ws.root / "keys" / "authority.pub", public_key_text(key.public_key()).encode("ascii")
        )
        domain = origin.split("/", 1)[0]
        write_private(folder / STATE, _state(domain, 0, ()).encode("utf-8"))
    finally:
        ws.close()
    return open_authority(root)


def _state(federation: str, serial: int, members: tuple[Member, ...]) -> str:
    return json.dumps(
        {
            "federation": federation,
            "serial": serial,
            "members": [m.model_dump(mode="json") for m in members],
        },
        indent=2,
    )


def _read_state(root: Path) -> tuple[int, tuple[Member, ...]]:
    """The serial and members in the authority folder's state file."""
    state = json.loads((root / "federation" / STATE).read_text(encoding="utf-8"))
    return int(state["serial"]), tuple(Member.model_validate(m) for m in state["members"])


def open_authority(root: Path) -> Authority:
    """The authority at ``root``; :class:`AuthorityError` if it is not one."""
    ws = open_workspace(root)
    try:
        key = load_private_key(ws.root / "keys" / KEY_FILE)
        state = json.loads((ws.root / "federation" / STATE).read_text(encoding="utf-8"))
        _read_state(ws.root)  # the whole state checked now, so a damaged one is named here
        return Authority(ws, key, str(state["federation"]))
    except (KeyUnusable, OSError) as exc:
        ws.close()
        raise AuthorityError(
            f"{ws.root} is not a federation authority (no usable "
            f"keys/{KEY_FILE} or federation/{STATE}): run 'accord "
            "federation init' to make one"
        ) from exc
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        ws.close()
        raise AuthorityError(
            f"{ws.root}/federation/{STATE}: damaged ({exc}); restore it "
            "from the last published list"
        ) from None


def _save(
    auth: Authority, tx: audit.AuditTransaction, serial: int, members: tuple[Member, ...]
) -> None:
    """Stage the new state; it replaces the old as the transaction's last act."""
    partial = auth.folder / f".{STATE}.partial"
    partial.unlink(missing_ok=True)
    write_output(partial, _state(auth.federation, serial, members))
    tx.publish(partial, auth.folder / STATE)


def load_member_key(path: Path) -> Ed25519PublicKey:
    """A member's public key from its ``keys/node.pub`` (PEM or base64)."""
    try:
        return load_public_key(path)
    except KeyUnusable as exc:
        raise AuthorityError(str(exc)) from None


@audit.audited(FederationMemberAdded)
def add_member(
    auth: Authority,
    *,
    node_id: str,
    org: str,
    name: str,
    base_url: str,
    key: Ed25519PublicKey,
    roles: tuple[MemberRole, ...],
    by_role: str,
    reason: str = "",
    replace: bool = False,
) -> Member:
    """Add a member to the next list (or, with ``replace``, give one a new key, URL or
    roles, or take a revoked one back); recorded in the authority's log."""
    check_node_id(node_id, "node id")
    check_name(org, "organisation id")
    held = next((m for m in auth.members if m.node_id == node_id), None)
    if held is not None and not replace:
        raise AuthorityError(
            f"{node_id} is already a member ({held.status.value}); pass "
            "--replace to change its entry on purpose"
        )
    clash = next((m for m in auth.members if m.org == org and m.node_id != node_id), None)
    if clash is not None:
        raise AuthorityError(f"organisation id {org!r} is already {clash.node_id}'s")
    try:
        member = Member(
            node_id=node_id,
            org=org,
            name=name,
            base_url=base_url,
            public_key=raw_public_key(key),
            roles=roles,
            since=datetime.now(UTC).replace(microsecond=0),
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in first["loc"])
        raise AuthorityError(
            f"member {node_id}: {field}: {first['msg'].removeprefix('Value error, ')}"
        ) from None
    members = (*(m for m in auth.members if m.node_id != node_id), member)
    with audit.transaction(auth.ws) as tx:
        _save(auth, tx, auth.serial, members)
        tx.record(
            FederationMemberAdded(
                federation=auth.federation,
                node_id=node_id,
                org=org,
                key_id=key_id(key),
                roles=tuple(r.value for r in roles),
                by_role=by_role,
                reason=reason,
            )
        )
    return member


@audit.audited(FederationMemberRevoked)
def revoke_member(auth: Authority, node_id: str, *, reason: str, by_role: str) -> Member:
    """Revoke a member in the next list: every node refuses it once it fetches that list."""
    check_node_id(node_id, "node id")
    held = next((m for m in auth.members if m.node_id == node_id), None)
    if held is None:
        known = ", ".join(m.node_id for m in auth.members) or "none yet"
        raise AuthorityError(f"{node_id} is not a member (members: {known})")
    if not held.active:
        raise AuthorityError(f"{node_id} is already revoked")
    if not reason.strip():
        raise AuthorityError("a revocation needs a reason (--reason): every node records it")
    revoked = held.model_copy(
        update={
            "status": MemberStatus.REVOKED,
            "revoked_reason": reason,
            "revoked_at": datetime.now(UTC).replace(microsecond=0),
        }
    )
    members = tuple(revoked if m.node_id == node_id else m for m in auth.members)
    with audit.transaction(auth.ws) as tx:
        _save(auth, tx, auth.serial, members)
        tx.record(
            FederationMemberRevoked(
                federation=auth.federation,
                node_id=node_id,
                org=held.org,
                by_role=by_role,
                reason=reason,
            )
        )
    return revoked


@dataclass(frozen=True)
class Published:
    trust_list: TrustList
    path: Path
    document: str


@audit.audited(TrustListPublished)
def publish(auth: Authority, out: Path | None = None, *, now: datetime | None = None) -> Published:
    """Sign the members as the next serial, kept in ``federation/published/`` and, if
    given, written to ``out`` (checked beforehand with ``check_output``): all of it, with
    its log entry, or none of it."""
    serial = auth.serial + 1
    trust_list = TrustList(
        federation=auth.federation,
        serial=serial,
        issued_at=(now or datetime.now(UTC)).replace(microsecond=0),
        authority_key_id=key_id(auth.public_key),
        members=auth.members,
    )
    signed = trust_list.document()
    text = json.dumps({**signed, "signature": sign_json(signed, auth.key)}, indent=2) + "\n"
    kept = auth.folder / "published" / f"{serial:08d}.json"
    targets = [kept] if out is None else [kept, out]
    partials = [t.with_name(f".{t.name}.{uuid4().hex}.partial") for t in targets]
    try:
        with audit.transaction(auth.ws) as tx:
            _save(auth, tx, serial, auth.members)
            for partial, target in zip(partials, targets, strict=True):
                write_output(partial, text)
                tx.publish(partial, target)
            tx.record(
                TrustListPublished(
                    federation=auth.federation,
                    serial=serial,
                    digest=hashlib.sha256(canonical_json(signed)).hexdigest(),
                    members=len(auth.members),
                    active=sum(m.active for m in auth.members),
                )
            )
    finally:
        for partial in partials:
            partial.unlink(missing_ok=True)
    return Published(trust_list, kept, text)
