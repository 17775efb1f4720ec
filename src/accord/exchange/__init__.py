"""The exchange: the node's HTTP API, its identity and the federation it trusts.

Public face: the federation trust list (:class:`TrustList`, :class:`Member`,
:class:`MemberRole`, :class:`MemberStatus`) and a node's use of it (:func:`fetch`,
:func:`cached`, :func:`usable`, :func:`node_id_of`); the authority's acts
(:func:`init_authority`, :func:`open_authority`, :func:`add_member`,
:func:`revoke_member`, :func:`publish`, :func:`load_member_key`,
:func:`raw_public_key`); the node's API (:func:`create_app`, :func:`serve`, and
:func:`with_pages` to put another app's pages beside it) and the
client that calls peers (:class:`Client`); what a node shows of its audit log and how
a witness checks it (:func:`fetch_checkpoint`, :func:`prove_inclusion`,
:func:`prove_consistency`, the ``check_*`` functions) and cosigns it
(:func:`witness`, :func:`cosigner_name`, :func:`cosigner_key`; :func:`cosigners`
checks those kept here); usage metering (:func:`usage`,
:class:`UsageReport`); the signature profile (:func:`sign_request`,
:func:`verify_request`, :func:`sign_response`, :func:`verify_response` and their
messages); the refusals (:data:`PROBLEMS`, :class:`Refusal`) and the errors under
:class:`ExchangeError`; the audit event types it registers; agreements between nodes
(:func:`propose`, :func:`inbox`, :func:`countersign`, :func:`decline`,
:func:`suspend_agreement`, :func:`revoke_agreement`, :func:`notify_parties`). Inside:
``models``, ``signing``, ``trust``, ``authority``, ``gate`` (every request's checks),
``service`` (what a node answers), ``transparency`` (its audit log to peers),
``witness`` (a peer's log checked), ``cosigning`` (witnesses' cosignatures, both
sides), ``usage``, ``negotiation`` (proposals, the inbox,
countersigning), ``propagation`` (parties' acts), ``delivery`` (the outbox), ``app``
with ``routes/``, ``deps`` and ``sign_responses``, ``client``, ``server``,
``repository``, ``events``; shares and lookups: ``terms`` (the agreements/privacy
seam), ``sharing`` and ``lookups`` (the provider), ``idempotency``, ``receiving`` (the
recipient). See docs/exchange.md.
"""

from typing import TYPE_CHECKING

from accord.exchange.authority import (
    Authority,
    Published,
    add_member,
    init_authority,
    load_member_key,
    open_authority,
    publish,
    raw_public_key,
    revoke_member,
)
from accord.exchange.client import Client
from accord.exchange.cosigning import (
    Cosigner,
    Witnessed,
    cosigner_key,
    cosigner_name,
    cosigners,
    witness,
)
from accord.exchange.delivery import Delivery, Sent
from accord.exchange.errors import (
    AuthorityError,
    BadPeerResponse,
    CheckpointNotCosigned,
    ExchangeError,
    LogProofFailed,
    NegotiationRefused,
    NodeIdentityMissing,
    PeerError,
    PeerRevoked,
    PeerUnreachable,
    RequestRefused,
    TrustListError,
    TrustListExpired,
    TrustListRefused,
    TrustListUnavailable,
    UnknownPeer,
    UsageError,
)
from accord.exchange.events import (
    AgreementDeclined,
    AgreementProposed,
    AgreementReceived,
    FederationMemberAdded,
    FederationMemberRevoked,
    Received,
    Served,
    TrustListAdopted,
    TrustListPublished,
    TrustListRefusal,
    WitnessCosigned,
    WitnessRefused,
)
from accord.exchange.gate import prune, record_refusal
from accord.exchange.models import (
    IDEMPOTENCY_KEY_PATTERN,
    Act,
    ActKind,
    Cached,
    Catalogue,
    ConsistencyProof,
    Cosignature,
    CosignatureReceipt,
    InclusionProof,
    LookupAnswer,
    LookupRequest,
    Member,
    MemberRole,
    MemberStatus,
    Offer,
    Person,
    PersonUses,
    Problem,
    Receipt,
    RequestContext,
    ShareFilter,
    ShareRequest,
    SignedCheckpoint,
    Subjects,
    TrustList,
)
from accord.exchange.negotiation import Proposal, countersign, decline, inbox, propose
from accord.exchange.problems import PROBLEM_BASE, PROBLEMS, Refusal
from accord.exchange.propagation import notify_parties, revoke_agreement, suspend_agreement
from accord.exchange.receiving import Delivered, shares_log
from accord.exchange.signing import (
    LABEL,
    Headers,
    RequestMessage,
    ResponseMessage,
    SignatureProblem,
    content_digest,
    sign_request,
    sign_response,
    verify_request,
    verify_response,
)
from accord.exchange.trust import Fetched, cached, fetch, node_id_of, usable
from accord.exchange.types import NodeId, Serial
from accord.exchange.usage import CSV_COLUMNS, UsageReport, UsageRow, month_range, usage
from accord.exchange.witness import (
    PeerCheckpoint,
    check_consistency,
    check_inclusion,
    fetch_checkpoint,
    open_checkpoint,
    prove_consistency,
    prove_inclusion,
)

if TYPE_CHECKING:
    from accord.exchange.app import API_PATHS, Pages, WithPages, create_app, with_pages
    from accord.exchange.server import serve

_SERVING = {"API_PATHS": "app", "Pages": "app", "WithPages": "app", "create_app": "app",
            "with_pages": "app", "serve": "server"}  # fmt: skip


def __getattr__(name: str) -> object:
    """The API's app and its server, imported on first use: they bring FastAPI and
    uvicorn, a quarter of a second of the start of every command that serves nothing."""
    module = _SERVING.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "API_PATHS",
    "CSV_COLUMNS",
    "IDEMPOTENCY_KEY_PATTERN",
    "LABEL",
    "PROBLEMS",
    "PROBLEM_BASE",
    "Act",
    "ActKind",
    "AgreementDeclined",
    "AgreementProposed",
    "AgreementReceived",
    "Authority",
    "AuthorityError",
    "BadPeerResponse",
    "Cached",
    "Catalogue",
    "CheckpointNotCosigned",
    "Client",
    "ConsistencyProof",
    "Cosignature",
    "CosignatureReceipt",
    "Cosigner",
    "Delivered",
    "Delivery",
    "ExchangeError",
    "FederationMemberAdded",
    "FederationMemberRevoked",
    "Fetched",
    "Headers",
    "InclusionProof",
    "LogProofFailed",
    "LookupAnswer",
    "LookupRequest",
    "Member",
    "MemberRole",
    "MemberStatus",
    "NegotiationRefused",
    "NodeId",
    "NodeIdentityMissing",
    "Offer",
    "Pages",
    "PeerCheckpoint",
    "PeerError",
    "PeerRevoked",
    "PeerUnreachable",
    "Person",
    "PersonUses",
    "Problem",
    "Proposal",
    "Published",
    "Receipt",
    "Received",
    "Refusal",
    "RequestContext",
    "RequestMessage",
    "RequestRefused",
    "ResponseMessage",
    "Sent",
    "Serial",
    "Served",
    "ShareFilter",
    "ShareRequest",
    "SignatureProblem",
    "SignedCheckpoint",
    "Subjects",
    "TrustList",
    "TrustListAdopted",
    "TrustListError",
    "TrustListExpired",
    "TrustListPublished",
    "TrustListRefusal",
    "TrustListRefused",
    "TrustListUnavailable",
    "UnknownPeer",
    "UsageError",
    "UsageReport",
    "UsageRow",
    "WithPages",
    "WitnessCosigned",
    "WitnessRefused",
    "Witnessed",
    "add_member",
    "cached",
    "check_consistency",
    "check_inclusion",
    "content_digest",
    "cosigner_key",
    "cosigner_name",
    "cosigners",
    "countersign",
    "create_app",
    "decline",
    "fetch",
    "fetch_checkpoint",
    "inbox",
    "init_authority",
    "load_member_key",
    "month_range",
    "node_id_of",
    "notify_parties",
    "open_authority",
    "open_checkpoint",
    "propose",
    "prove_consistency",
    "prove_inclusion",
    "prune",
    "publish",
    "raw_public_key",
    "record_refusal",
    "revoke_agreement",
    "revoke_member",
    "serve",
    "shares_log",
    "sign_request",
    "sign_response",
    "suspend_agreement",
    "usable",
    "usage",
    "verify_request",
    "verify_response",
    "with_pages",
    "witness",
]
