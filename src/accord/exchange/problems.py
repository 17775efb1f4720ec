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
    "not-a-party": ProblemType(403, "The calling node's organisation is not a party"),
    "bad-agreement-signature": ProblemType(
        422, "A signature on the agreement or act does not verify"
    ),
    "conflict": ProblemType(409, "The request conflicts with what this node holds"),
    "not-found": ProblemType(404, "No such resource"),
    "method-not-allowed": ProblemType(405, "The method is not allowed on this resource"),
    "internal-error": ProblemType(500, "The node failed to answer"),
}


class Refusal(Exception):
    """A request this node refuses, for reason ``code`` (a key of :data:`PROBLEMS`)."""

    def __init__(self, code: str, detail: str, *, requester: str = "") -> None:
        if code not in PROBLEMS:
            raise ValueError(f"unknown problem code {code!r}")
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.requester = requester

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
