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
from typing import Annotated, Any, Literal
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


class Cosignature(BaseModel):
    """A witness's cosignature of one of this node's checkpoints: the root hash the
    witness saw for that size, and one C2SP tlog-cosignature signature line (Ed25519,
    ``cosignature/v1``) by the calling node's key under its witness key name."""

    model_config = ConfigDict(extra="forbid")

    root: str = Field(
        pattern=r"^[A-Za-z0-9+/]{43}=$", description="The checkpoint's root hash, standard base64."
    )
    cosignature: str = Field(
        min_length=1,
        max_length=1000,
        description="The signature line: '\u2014 <witness key name> "
        "base64(key id || time || signature)'.",
    )


class CosignatureReceipt(BaseModel):
    """What the node kept of a witness's cosignature."""

    size: int
    witness: str = Field(description="The witness's node id.")
    key_name: str
    key_id: str = Field(description="8 hex digits.")
    cosigned_at: AwareDatetime = Field(description="The time the cosignature carries.")
    added: bool = Field(description="False when this witness's key had already cosigned "
                        "this checkpoint: the first cosignature stays.")  # fmt: skip


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
    kind: str = Field(default="", description="The audit event type the use was recorded as.")
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
    fields: list[str] = Field(default_factory=list, description="The fields that left.")


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


# Shares and lookups: what a caller asks (strict, nothing unknown accepted, every
# identifier checked against its pattern before any context sees it).

SUBJECT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
"""A subject a share names: a linkage id or a pseudonym this node issued (``P1-…``)."""
CASE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
"""A case or incident reference (``SG/2026/0042``): letters, digits, ``. _ / -``."""
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_-]{16,128}$"
"""An ``Idempotency-Key``: 16-128 base64url characters (a UUID's hex, or 22 random)."""
MAX_SUBJECTS = 1000
MAX_FILTERS = 20
_STRICT = ConfigDict(strict=True, extra="forbid", frozen=True)
_Name = Annotated[str, Field(pattern=NAME_PATTERN)]
_Text = Annotated[str, Field(max_length=200)]
_Texts = Annotated[list[_Text], Field(min_length=1, max_length=1000)]
_Numbers = Annotated[list[int], Field(min_length=1, max_length=1000)]


class RequestContext(BaseModel):
    """Who asks and why, X-Road style: the acting user's role (never a name), the case
    or incident, the purpose code and the agreement the request is made under."""

    model_config = _STRICT
    agreement: _Name
    purpose: _Name
    role: _Name = Field(description="The acting user's role, e.g. care-coordinator.")
    case: str = Field(pattern=CASE_PATTERN, description="The case or incident reference.")


class ShareFilter(BaseModel):
    """One condition on the rows asked for, on a field the caller receives in the clear."""

    model_config = _STRICT
    field: _Name
    operator: Literal["equals", "in", "not_in", "starts_with", "at_least", "at_most"]
    value: (
        Annotated[str, Field(max_length=200)]
        | int
        | float
        | bool
        | Annotated[
            list[Annotated[str, Field(max_length=200)]], Field(min_length=1, max_length=1000)
        ]
        | Annotated[list[int], Field(min_length=1, max_length=1000)]
    )


class Subjects(BaseModel):
    """The people asked for, by linkage id or by a pseudonym this node issued under the
    agreement."""

    model_config = _STRICT
    kind: Literal["linkage_id", "pseudonym"]
    values: list[Annotated[str, Field(pattern=SUBJECT_PATTERN)]] = Field(
        min_length=1, max_length=MAX_SUBJECTS
    )


class ShareRequest(BaseModel):
    """``POST /api/v1/shares``: an extract of one dataset under an agreement: the whole
    dataset, the rows meeting ``filters``, or the ``subjects`` named (not both)."""

    model_config = _STRICT
    context: RequestContext
    dataset: _Name
    fields: list[_Name] | None = Field(
        default=None, min_length=1, max_length=200,
        description="Default: every field the agreement lets leave as records.",
    )  # fmt: skip
    filters: list[ShareFilter] = Field(default_factory=list, max_length=MAX_FILTERS)
    subjects: Subjects | None = None

    @model_validator(mode="after")
    def _one_scope(self) -> ShareRequest:
        if self.filters and self.subjects is not None:
            raise ValueError("ask for rows by filters or by subjects, not both")
        return self


class Person(BaseModel):
    """One person's identifiers, standardised as ingest standardises them: an NHS
    number, or a family name with a date of birth (and a postcode to narrow it)."""

    model_config = _STRICT
    nhs_number: str | None = Field(default=None, pattern=r"^[0-9 -]{10,14}$")
    family_name: str | None = Field(default=None, min_length=1, max_length=100)
    given_name: str | None = Field(default=None, min_length=1, max_length=100)
    date_of_birth: str | None = Field(default=None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    postcode: str | None = Field(default=None, pattern=r"^[A-Za-z0-9 ]{2,10}$")

    @model_validator(mode="after")
    def _enough(self) -> Person:
        if self.nhs_number is None and (self.family_name is None or self.date_of_birth is None):
            raise ValueError("give an NHS number, or a family name and a date of birth")
        return self


class LookupRequest(BaseModel):
    """``POST /api/v1/lookups``: one person's records in one dataset, for front-line use."""

    model_config = _STRICT
    context: RequestContext
    dataset: _Name
    fields: list[_Name] | None = Field(default=None, min_length=1, max_length=200)
    person: Person


class LookupAnswer(BaseModel):
    """What a lookup found: the person's records, minimised and pseudonymised as a share's
    (none when nobody matched or the person opted out: the two are not told apart)."""

    node_id: str
    dataset: str
    agreement: str
    fields: list[str]
    records: list[dict[str, Any]]
