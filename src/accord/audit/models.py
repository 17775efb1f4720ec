"""What readers of the log get: a decoded entry, one use of a person's data, a subject access
response."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from accord.audit.events import Event


@dataclass(frozen=True)
class Logged:
    """One entry of the log, decoded: its index, when it was recorded, its event."""

    index: int
    at: datetime
    event: Event


@dataclass(frozen=True)
class Use:
    """One use of a person's data, in the words the person reads."""

    entry: int
    at: datetime
    what: str
    kind: str = ""
    """The event type the use was recorded as (``records.disclosed``, ``person.viewed`` ...)."""
    organisation: str = ""
    role: str = ""
    dataset: str = ""
    purpose: str = ""
    legal_basis: str = ""
    gateway: str = ""
    agreement: str = ""
    source: str = ""
    retention: str = ""
    staff: str = ""
    deferred_until: date | None = None
    fields: tuple[str, ...] = ()
    """The fields that left (a disclosure recorded with them)."""

    def as_dict(self) -> dict[str, Any]:
        shown = {k: v for k, v in self.__dict__.items() if v not in ("", None, ())}
        shown["at"] = self.at.isoformat()
        if self.fields:
            shown["fields"] = list(self.fields)
        if self.deferred_until:
            shown["deferred_until"] = self.deferred_until.isoformat()
        return shown


@dataclass(frozen=True)
class SubjectAccess:
    """An Article 15 response: every use, and the recipients, purposes, sources and
    retention periods they add up to."""

    produced_at: datetime
    uses: tuple[Use, ...]
    recipients: tuple[str, ...] = field(default=())
    purposes: tuple[str, ...] = field(default=())
    sources: tuple[str, ...] = field(default=())
    retention: tuple[str, ...] = field(default=())
    legal_bases: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "produced_at": self.produced_at.isoformat(),
            "recipients": list(self.recipients),
            "purposes": list(self.purposes),
            "sources": list(self.sources),
            "retention": list(self.retention),
            "legal_bases": list(self.legal_bases),
            "uses": [u.as_dict() for u in self.uses],
        }
