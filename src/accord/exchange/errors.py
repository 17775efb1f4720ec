"""The exchange's errors: one tree, each message naming the node, peer or file concerned."""

from __future__ import annotations


class ExchangeError(Exception):
    """Base class for errors in the exchange context."""


class NodeIdentityMissing(ExchangeError):
    """This node has no node id, or its key is not the one the trust list holds for it."""


class TrustListError(ExchangeError):
    """The federation's trust list cannot be used."""


class TrustListUnavailable(TrustListError):
    """No trust list could be fetched, and none usable is cached."""


class TrustListRefused(TrustListError):
    """A trust list was refused: a bad authority signature, an older serial (rollback),
    the same serial with other content, or not a trust list at all."""


class TrustListExpired(TrustListError):
    """The cached trust list was last confirmed longer ago than the grace period."""


class AuthorityError(ExchangeError):
    """A federation authority's folder or act is refused (not an authority, an unknown
    member, a member already there)."""


class NegotiationRefused(ExchangeError):
    """An agreement cannot be proposed, countersigned, declined or its act sent from this
    node: it is not a draft, this node's organisation is not a party, a party has no node
    in the federation, or nothing of that id is waiting in the inbox."""


class UnknownPeer(ExchangeError):
    """The trust list has no member with that node id."""


class PeerRevoked(UnknownPeer):
    """The trust list holds the node, revoked."""


class PeerError(ExchangeError):
    """A call to a peer failed; the message names the peer and what failed."""


class PeerUnreachable(PeerError):
    """The peer could not be reached (connection refused, timed out, reset)."""


class BadPeerResponse(PeerError):
    """The peer's response is unsigned, badly signed, signed by another node, stale, or
    its body does not match its digest: it is not used."""


class RequestRefused(PeerError):
    """The peer refused the request with a problem document (its type and reason kept)."""

    def __init__(self, message: str, *, status: int, code: str, detail: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.detail = detail


class LogProofFailed(PeerError):
    """A peer's signed checkpoint or proof does not verify (not signed by its key, a proof
    that does not lead to its signed root, a log smaller than a checkpoint it signed
    before): its log cannot be trusted as it stands."""


class CheckpointNotCosigned(LogProofFailed):
    """As a witness, this node refused to cosign a peer's checkpoint: it does not extend
    the one this node last cosigned (a fork or a rollback), or it is not signed by the
    peer's key in the trust list."""


class UsageError(ExchangeError):
    """A usage report cannot be made as asked (a month that is not YYYY-MM)."""
