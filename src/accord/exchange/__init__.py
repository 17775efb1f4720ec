"""The exchange: the node's HTTP API, its identity and the federation it trusts.

Public face: the federation trust list (:class:`TrustList`, :class:`Member`,
:class:`MemberRole`, :class:`MemberStatus`) and a node's use of it (:func:`fetch`,
:func:`cached`, :func:`usable`, :func:`node_id_of`); the authority's acts
(:func:`init_authority`, :func:`open_authority`, :func:`add_member`,
:func:`revoke_member`, :func:`publish`, :func:`load_member_key`,
:func:`raw_public_key`); the node's API (:func:`create_app`, :func:`serve`) and the
client that calls peers (:class:`Client`); the signature profile (:func:`sign_request`,
:func:`verify_request`, :func:`sign_response`, :func:`verify_response` and their
messages); the refusals (:data:`PROBLEMS`, :class:`Refusal`) and the errors under
:class:`ExchangeError`; the audit event types it registers; agreements between nodes
(:func:`propose`, :func:`inbox`, :func:`countersign`, :func:`decline`,
:func:`suspend_agreement`, :func:`revoke_agreement`, :func:`notify_parties`). Inside:
``models``, ``signing``, ``trust``, ``authority``, ``gate`` (every request's checks),
``service`` (what a node answers), ``negotiation`` (proposals, the inbox, countersigning),
``propagation`` (parties' acts), ``delivery`` (the outbox), ``app`` with ``routes/``,
``deps`` and ``sign_responses``, ``client``, ``server``, ``repository``, ``events``. See
docs/exchange.md.
"""

from accord.exchange.app import create_app
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
from accord.exchange.delivery import Delivery, Sent
from accord.exchange.errors import (
    AuthorityError,
    BadPeerResponse,
    ExchangeError,
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
)
from accord.exchange.events import (
    AgreementDeclined,
    AgreementProposed,
    AgreementReceived,
    FederationMemberAdded,
    FederationMemberRevoked,
    TrustListAdopted,
    TrustListPublished,
    TrustListRefusal,
)
from accord.exchange.gate import prune, record_refusal
from accord.exchange.models import (
    Act,
    ActKind,
    Cached,
    Catalogue,
    Member,
    MemberRole,
    MemberStatus,
    Offer,
    Problem,
    Receipt,
    TrustList,
)
from accord.exchange.negotiation import Proposal, countersign, decline, inbox, propose
from accord.exchange.problems import PROBLEM_BASE, PROBLEMS, Refusal
from accord.exchange.propagation import notify_parties, revoke_agreement, suspend_agreement
from accord.exchange.server import serve
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

__all__ = [
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
    "Client",
    "Delivery",
    "ExchangeError",
    "FederationMemberAdded",
    "FederationMemberRevoked",
    "Fetched",
    "Headers",
    "Member",
    "MemberRole",
    "MemberStatus",
    "NegotiationRefused",
    "NodeId",
    "NodeIdentityMissing",
    "Offer",
    "PeerError",
    "PeerRevoked",
    "PeerUnreachable",
    "Problem",
    "Proposal",
    "Published",
    "Receipt",
    "Refusal",
    "RequestMessage",
    "RequestRefused",
    "ResponseMessage",
    "Sent",
    "Serial",
    "SignatureProblem",
    "TrustList",
    "TrustListAdopted",
    "TrustListError",
    "TrustListExpired",
    "TrustListPublished",
    "TrustListRefusal",
    "TrustListRefused",
    "TrustListUnavailable",
    "UnknownPeer",
    "add_member",
    "cached",
    "content_digest",
    "countersign",
    "create_app",
    "decline",
    "fetch",
    "inbox",
    "init_authority",
    "load_member_key",
    "node_id_of",
    "notify_parties",
    "open_authority",
    "propose",
    "prune",
    "publish",
    "raw_public_key",
    "record_refusal",
    "revoke_agreement",
    "revoke_member",
    "serve",
    "sign_request",
    "sign_response",
    "suspend_agreement",
    "usable",
    "verify_request",
    "verify_response",
]
