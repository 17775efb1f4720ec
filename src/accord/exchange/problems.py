"""Why a node refuses: one stable reason code per cause, each an RFC 9457 problem type.

A refusal is raised as :class:`Refusal` wherever it is found (the gate, a route) and
becomes one ``application/problem+json`` document, signed like every response, with
the type ``https://accord.example/problems/<code>`` and the reason in words. The codes
never change once released; docs/exchange.md lists every one (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

PROBLEM_BASE = "https://accord.example/problems/"
MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    status: int
    title: str


PROBLEMS: dict[str, ProblemType] = {
    "unsigned": ProblemType(401, "The request is not signed"),
    "bad-signature": ProblemType(401, "The request's signature does not verify"),
    "signature-profile": ProblemType(401, "The signature does not keep to the profile"),
    "digest-mismatch": ProblemType(401, "The body was changed after signing"),
    "expired": ProblemType(401, "The signature is too old"),
    "created-in-future": ProblemType(401, "The signature was created in the future"),
    "replayed": ProblemType(401, "The request was replayed"),
    "unknown-node": ProblemType(403, "The calling node is not in the federation"),
    "revoked-node": ProblemType(403, "The calling node was revoked from the federation"),
    "role-required": ProblemType(403, "The calling node does not hold the role this needs"),
    "not-federated": ProblemType(503, "This node is not an active member of the federation"),
    "trust-list-unavailable": ProblemType(503, "This node has no trust list"),
    "trust-list-expired": ProblemType(503, "This node's trust list is past its grace period"),
    "body-too-large": ProblemType(413, "The request body is too large"),
    "invalid-identifier": ProblemType(400, "An identifier in the request is not valid"),
    "invalid-request": ProblemType(400, "The request is not valid"),
    "bad-agreement-signature": ProblemType(
        422, "A signature on the agreement or act does not verify"
    ),
    "conflict": ProblemType(409, "The request conflicts with what this node holds"),
    "not-found": ProblemType(404, "No such resource"),
    "unknown-checkpoint": ProblemType(404, "This node signed no such checkpoint"),
    "bad-cosignature": ProblemType(422, "The cosignature does not verify"),
    "method-not-allowed": ProblemType(405, "The method is not allowed on this resource"),
    "internal-error": ProblemType(500, "The node failed to answer"),
    # Shares and lookups: a policy decision's reasons (agreements' codes), then the
    # request's own terms.
    "unknown-agreement": ProblemType(403, "No such agreement here"),
    "not-a-party": ProblemType(403, "The caller is not a party to the agreement"),
    "wrong-role": ProblemType(403, "The caller may not receive this dataset"),
    "agreement-not-active": ProblemType(403, "The agreement is not active"),
    "agreement-not-in-date": ProblemType(403, "The agreement is not in date"),
    "purpose-not-named": ProblemType(403, "The agreement does not name the purpose"),
    "dataset-not-covered": ProblemType(403, "The agreement does not cover the dataset"),
    "field-not-covered": ProblemType(403, "The agreement does not cover a field"),
    "kitemark-below-minimum": ProblemType(403, "The dataset is below the agreement's kitemark"),
    "limit-exceeded": ProblemType(429, "A limit of the agreement is reached"),
    "aggregate-only": ProblemType(403, "A field may leave only as an aggregate"),
    "filter-not-allowed": ProblemType(403, "The filter is not one the agreement allows"),
    "lookups-not-allowed": ProblemType(403, "The agreement does not allow lookups"),
    "not-acceptable": ProblemType(406, "No format the caller accepts"),
    "idempotency-key-reused": ProblemType(422, "The idempotency key was used for another request"),
    "idempotency-key-in-use": ProblemType(409, "A request with this idempotency key is running"),
}


class Refusal(Exception):
    """A request this node refuses, for reason ``code`` (a key of :data:`PROBLEMS`)."""

    def __init__(
        self, code: str, detail: str, *, requester: str = "", recorded: bool = False
    ) -> None:
        if code not in PROBLEMS:
            raise ValueError(f"unknown problem code {code!r}")
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.requester = requester
        self.recorded = recorded
        """Already in the log (a policy decision records itself): not recorded twice."""

    @property
    def status(self) -> int:
        return PROBLEMS[self.code].status

    def document(self) -> dict[str, object]:
        kind = PROBLEMS[self.code]
        return {
            "type": PROBLEM_BASE + self.code,
            "title": kind.title,
            "status": kind.status,
            "detail": self.detail,
            "code": self.code,
        }


def printable(text: str, limit: int = 300) -> str:
    """``text`` as one bounded line of printable ASCII, for a problem and the log (a
    hostile value in a library's message never reaches either whole)."""
    cleaned = "".join(c if c.isascii() and c.isprintable() else "?" for c in text)
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "..."
