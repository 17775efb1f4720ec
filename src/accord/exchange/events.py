"""The exchange's audit event types, registered through audit's public mechanism.

A node records each trust list it adopts or refuses; a federation authority records
each member it adds or revokes and each list it publishes. A refused request is the
agreements context's ``disclosure.decided`` (denied, with its reasons), as every
refusal to share is. Names are stable once released (docs/audit.md lists them).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from accord import audit


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class TrustListAdopted(audit.Event):
    """The node verified a newer federation trust list and now works by it."""

    name: ClassVar[str] = "trust_list.adopted"
    federation: str
    serial: int
    issued_at: str
    digest: str
    members: int
    active: int
    added: tuple[str, ...] = ()
    revoked: tuple[str, ...] = ()
    source: str = ""


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class TrustListRefusal(audit.Event):
    """The node refused a trust list (bad authority signature, rollback, malformed)."""

    name: ClassVar[str] = "trust_list.refused"
    serial: int
    reason: str
    source: str = ""


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class FederationMemberAdded(audit.Event):
    """The federation authority added a member (or gave a member a new key or roles)."""

    name: ClassVar[str] = "federation.member_added"
    federation: str
    node_id: str
    org: str
    key_id: str
    roles: tuple[str, ...]
    by_role: str = ""
    reason: str = ""


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class FederationMemberRevoked(audit.Event):
    """The federation authority revoked a member: every node refuses it once it has the
    next list."""

    name: ClassVar[str] = "federation.member_revoked"
    federation: str
    node_id: str
    org: str
    by_role: str = ""
    reason: str = ""


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class TrustListPublished(audit.Event):
    """The federation authority signed and published a trust list."""

    name: ClassVar[str] = "trust_list.published"
    federation: str
    serial: int
    digest: str
    members: int
    active: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Exchanged(audit.Event):
    kind: str
    agreement: str
    recipient: str
    provider: str
    dataset: str
    records: int
    bytes: int
    format: str
    request: str


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class Served(_Exchanged):
    """The node answered a peer's share or lookup (records and bytes sent, for metering)."""

    name: ClassVar[str] = "exchange.served"


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AgreementProposed(audit.Event):
    """This node's organisation proposed an agreement it signed to the other parties'
    nodes."""

    name: ClassVar[str] = "agreement.proposed"
    agreement: str
    version: int
    digest: str
    to: tuple[str, ...]
    by_role: str = ""


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class Received(_Exchanged):
    """The node verified and kept a share or lookup a peer answered."""

    name: ClassVar[str] = "exchange.received"


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AgreementReceived(audit.Event):
    """A party's node sent this node an agreement to countersign; it is in the inbox."""

    name: ClassVar[str] = "agreement.received"
    agreement: str
    version: int
    digest: str
    by: str
    node: str
    signed_by: tuple[str, ...] = ()


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AgreementDeclined(audit.Event):
    """A party (``by``: this node's organisation, or another party whose act ``node``
    sent) declined to sign an agreement proposed to it."""

    name: ClassVar[str] = "agreement.declined"
    agreement: str
    version: int
    by: str
    node: str = ""
    by_role: str = ""
    reason: str = ""


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class WitnessCosigned(audit.Event):
    """As a witness, the node checked a peer's checkpoint extends the last it saw, and
    cosigned it."""

    name: ClassVar[str] = "witness.cosigned"
    peer: str
    origin: str
    size: int
    root: str
    previous: int
    first_use: bool


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class WitnessRefused(audit.Event):
    """As a witness, the node refused to cosign a peer's checkpoint (a fork, a rollback,
    a signature that does not verify)."""

    name: ClassVar[str] = "witness.refused"
    peer: str
    origin: str
    size: int
    previous: int
    reason: str
