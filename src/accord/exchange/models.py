"""The exchange's documents: the federation trust list and what nodes send each other.

A trust list (:class:`TrustList`) is the federation authority's signed statement of who
is in the federation: each :class:`Member` with its node id, the organisation id its
agreements name it by, its organisation's name, its base URL, its Ed25519 public key,
its roles and whether it is active or revoked. The JSON a node fetches is the list's
fields plus ``signature`` (docs/exchange.md). The API's bodies (:class:`Catalogue`,
:class:`Problem`) are pydantic models, so the OpenAPI document describes them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from accord.exchange.types import NodeId
from accord.store import NAME_PATTERN, NODE_ID_PATTERN

TRUST_LIST_FORMAT: Literal["accord-trust-list/1"] = "accord-trust-list/1"
PUBLIC_KEY_PATTERN = r"^[A-Za-z0-9+/]{43}=$"
"""An Ed25519 public key as base64 of its 32 raw bytes."""
MAX_MEMBERS = 10_000


class MemberRole(StrEnum):
    """What a member does in the federation."""

    PROVIDER = "provider"
    RECIPIENT = "recipient"
    LINKING_PARTY = "linking-party"
    WITNESS = "witness"
    CITIZEN_VIEW = "citizen-view"


class MemberStatus(StrEnum):
    """A revoked member is refused by every node that has the list."""

    ACTIVE = "active"
    REVOKED = "revoked"


def public_key_of(text: str) -> Ed25519PublicKey:
    """The key a trust list gives as base64 (already checked against the pattern)."""
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))


def check_base_url(url: str) -> str:
    """``url`` without a trailing slash, if it is an absolute http(s) URL with a host and
    no query, fragment or credentials; else ``ValueError`` saying what is wrong."""
    if len(url) > 2000 or not url.isascii() or not url.isprintable() or " " in url:
        raise ValueError(f"{url[:80]!r} is not a URL (printable ASCII, no spaces)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url[:80]!r}: give an absolute http:// or https:// URL with a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{url[:80]!r}: a base URL has no query, fragment or credentials")
    try:
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError as exc:
        raise ValueError(f"{url[:80]!r}: {exc}") from None
    return url.rstrip("/")


class Member(BaseModel):
    """One organisation's node in the federation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    node_id: str = Field(pattern=NODE_ID_PATTERN)
    org: str = Field(pattern=NAME_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    base_url: str
    public_key: str = Field(pattern=PUBLIC_KEY_PATTERN)
    roles: tuple[MemberRole, ...] = Field(min_length=1, max_length=len(MemberRole))
    status: MemberStatus = MemberStatus.ACTIVE
    since: AwareDatetime
    revoked_at: AwareDatetime | None = None
    revoked_reason: str = Field(default="", max_length=1000)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_base_url(value)

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: tuple[MemberRole, ...]) -> tuple[MemberRole, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a role is listed twice")
        return value

    @property
    def key(self) -> Ed25519PublicKey:
        return public_key_of(self.public_key)

    @property
    def active(self) -> bool:
        return self.status is MemberStatus.ACTIVE


class TrustList(BaseModel):
    """The federation's members as the authority signed them, ``serial`` increasing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["accord-trust-list/1"] = TRUST_LIST_FORMAT
    federation: str = Field(min_length=1, max_length=253, pattern=r"^[a-z0-9][a-z0-9.-]*$")
    serial: int = Field(ge=1, le=2**53 - 1)
    issued_at: AwareDatetime
    authority_key_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    members: tuple[Member, ...] = Field(max_length=MAX_MEMBERS)

    @model_validator(mode="after")
    def _unique(self) -> TrustList:
        for what in ("node_id", "org"):
            seen: set[str] = set()
            for m in self.members:
                value = getattr(m, what)
                if value in seen:
                    raise ValueError(f"two members have {what} {value!r}")
                seen.add(value)
        return self

    def member(self, node_id: str) -> Member | None:
        return next((m for m in self.members if m.node_id == node_id), None)

    def member_for_org(self, org: str) -> Member | None:
        return next((m for m in self.members if m.org == org), None)

    def document(self) -> dict[str, Any]:
        """The list's fields as JSON values: what the authority's signature covers."""
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class Cached:
    """The trust list in force on a node: when it was adopted and last confirmed (its
    last successful fetch), and until when it may be used without another."""

    trust_list: TrustList
    digest: str
    source: str
    adopted_at: datetime
    confirmed_at: datetime
    usable_until: datetime


@dataclass(frozen=True)
class Caller:
    """A peer whose request passed the gate: the member the signature's keyid named."""

    member: Member
    nonce: str
    created: int

    @property
    def node_id(self) -> NodeId:
        return NodeId(self.member.node_id)

    @property
    def org(self) -> str:
        return self.member.org


class Problem(BaseModel):
    """An RFC 9457 problem document: why the node refused, in words and as a stable type."""

    type: str = Field(description="A stable URI per reason (docs/exchange.md).")
    title: str
    status: int
    detail: str
    code: str = Field(description="The reason code the type ends with.")


class OfferedField(BaseModel):
    name: str
    treatment: str


class Offer(BaseModel):
    """A dataset this node would consider sharing with the caller, and under what."""

    dataset: str
    agreement: str
    version: int
    purposes: list[str]
    fields: list[OfferedField]
    kitemark: str = Field(description="The dataset's current kitemark on this node.")
    minimum_kitemark: str = Field(description="The kitemark the agreement requires.")
    dcat: dict[str, Any] | None = Field(
        description="The dataset's DCAT description (JSON-LD), or null if not described."
    )


class Catalogue(BaseModel):
    """The datasets this node's active agreements let the caller ask for."""

    node_id: str
    org: str
    caller: str
    generated_at: AwareDatetime
    datasets: list[Offer]


class SignedCheckpoint(BaseModel):
    """The node's newest signed audit checkpoint: the C2SP signed note (``note``, what a
    checkpoint verifier reads) and its values, with the verifier key it is signed under."""

    origin: str = Field(description="The log's origin, also the key name in the note.")
    size: int = Field(description="How many entries the signed tree holds.")
    root: str = Field(description="The tree's root hash, standard base64.")
    timestamp: AwareDatetime
    note: str = Field(description="The C2SP tlog-checkpoint in a C2SP signed note.")
    verifier_key: str = Field(description="name+key id+base64(0x01 || Ed25519 key).")


class InclusionProof(BaseModel):
    """RFC 9162 inclusion proof: entry ``index`` (leaf hash ``leaf``) is in the tree of
    ``size`` entries."""

    index: int
    size: int
    leaf: str = Field(description="The entry's leaf hash, standard base64.")
    proof: list[str] = Field(description="The audit path, standard base64 hashes.")


class ConsistencyProof(BaseModel):
    """RFC 9162 consistency proof: the tree of ``second`` entries extends that of
    ``first``."""

    first: int
    second: int
    proof: list[str] = Field(description="Standard base64 hashes.")


class PersonUse(BaseModel):
    """One use of a person's data, as the person reads it."""

    entry: int = Field(description="The log entry (an inclusion proof can be asked for).")
    at: AwareDatetime
    what: str
    organisation: str = ""
    role: str = ""
    dataset: str = ""
    purpose: str = ""
    legal_basis: str = ""
    gateway: str = ""
    agreement: str = ""
    source: str = ""
    retention: str = ""
    deferred_until: str = ""


class PersonUses(BaseModel):
    """What this node's log holds about one person (by this node's own person key): who
    used the data, when, why and under which law and agreement; newest first."""

    node_id: str
    person: str
    produced_at: AwareDatetime
    uses: list[PersonUse]
    recipients: list[str]
    purposes: list[str]
    legal_bases: list[str]


ACT_FORMAT: Literal["accord-agreement-act/1"] = "accord-agreement-act/1"


class ActKind(StrEnum):
    """A party's act on an agreement that every other party's node is told of."""

    SUSPEND = "suspend"
    REVOKE = "revoke"
    DECLINE = "decline"


class Act(BaseModel):
    """A party's signed act on one agreement version (``POST .../status``): its node
    signs the RFC 8785 form of every field but ``signature`` with its node key, so the
    receiving node keeps evidence of who acted, not only that a request came."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["accord-agreement-act/1"] = Field(alias="accord")
    agreement: str = Field(pattern=NAME_PATTERN)
    version: int = Field(ge=1, le=1_000_000)
    digest: str = Field(pattern=r"^[0-9a-f]{64}$", description="The version's content digest.")
    action: ActKind
    org: str = Field(pattern=NAME_PATTERN, description="The party that acted.")
    node_id: str = Field(pattern=NODE_ID_PATTERN, description="Its node, which signed.")
    reason: str = Field(min_length=1, max_length=1000)
    by_role: str = Field(default="", max_length=200)
    at: AwareDatetime
    signature: str = Field(pattern=r"^[A-Za-z0-9_-]{86}$")

    def signed(self) -> dict[str, Any]:
        """What the signature covers: every field but the signature, as JSON values."""
        return self.model_dump(mode="json", by_alias=True, exclude={"signature"})


class Receipt(BaseModel):
    """A node's answer to an agreement message: where the agreement stands there now."""

    agreement: str
    version: int
    state: str = Field(
        description="pending (in the inbox), declined, or the version's status here"
        " (draft, signed, active, suspended, revoked, ...)."
    )
    detail: str = ""
