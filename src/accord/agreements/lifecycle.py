"""The lifecycle of one agreement version, as a table of allowed steps.

``draft`` until every party has signed (``signed``); ``activate`` checks every signature
and makes it ``active``; an active one can be ``suspend``-ed (and activated again),
``revoke``-d or ``expire``-d, and is ``superseded`` when an amendment (the next version,
signed again by every party) is activated. Revoked, expired and superseded are final.
A signed, active or suspended version past its expiry date counts as expired even
before anyone records it (:func:`effective_status`), and cannot be activated.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from accord.agreements.errors import TransitionRefused
from accord.agreements.models import Agreement, Dates, Status


class Action(StrEnum):
    """A step in the lifecycle."""

    ACTIVATE = "activate"
    SUSPEND = "suspend"
    REVOKE = "revoke"
    EXPIRE = "expire"
    SUPERSEDE = "supersede"


TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.ACTIVATE: (frozenset({Status.SIGNED, Status.SUSPENDED}), Status.ACTIVE),
    Action.SUSPEND: (frozenset({Status.ACTIVE}), Status.SUSPENDED),
    Action.REVOKE: (frozenset({Status.SIGNED, Status.ACTIVE, Status.SUSPENDED}), Status.REVOKED),
    Action.EXPIRE: (frozenset({Status.ACTIVE, Status.SUSPENDED}), Status.EXPIRED),
    Action.SUPERSEDE: (frozenset({Status.SIGNED, Status.ACTIVE, Status.SUSPENDED}),
                       Status.SUPERSEDED),
}  # fmt: skip
FINAL = frozenset({Status.REVOKED, Status.EXPIRED, Status.SUPERSEDED})

_ADVICE = {
    Status.DRAFT: "every party must sign it first ('accord agreement sign')",
    Status.REVOKED: "it is revoked for good; draft a new agreement",
    Status.EXPIRED: "it has expired; amend it with new dates and sign again",
    Status.SUPERSEDED: "a later version replaced it",
}


def next_status(current: Status, action: Action, label: str = "the agreement") -> Status:
    """The status after ``action``, or :class:`TransitionRefused` saying why not."""
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        froms = ", ".join(sorted(s.value for s in allowed))
        advice = _ADVICE.get(current, f"only from {froms}")
        raise TransitionRefused(f"cannot {action.value} {label}: it is {current.value}; {advice}")
    return target


def status_after_signing(agreement: Agreement) -> Status:
    """``signed`` once a signature from every party is present, else ``draft``."""
    signed = {s.org for s in agreement.signatures}
    return Status.SIGNED if all(p.org in signed for p in agreement.parties) else Status.DRAFT


def effective_status(status: Status, dates: Dates, on: date) -> Status:
    """The status on ``on``: signed, active or suspended past the expiry date counts as
    expired (a signed version can no longer be activated then)."""
    if status in (Status.SIGNED, Status.ACTIVE, Status.SUSPENDED) and on >= dates.expiry:
        return Status.EXPIRED
    return status


def amend(agreement: Agreement) -> Agreement:
    """The next version: the same content, no signatures (every party signs again)."""
    return agreement.model_copy(update={"version": agreement.version + 1, "signatures": []})
