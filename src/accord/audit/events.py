"""Typed audit events: one frozen dataclass per kind, a stable name, a registry.

Each event class has a ``name`` that never changes once released (it is written into the
log, and signed over), and a one-line docstring that ``docs/audit.md`` repeats. Only
registered classes may be recorded (:func:`checked`); a third party registers its own
with :func:`register_event`, exactly as the built-ins below do.

Events about one person carry ``person`` (a :data:`~accord.audit.types.PersonKey`);
the log indexes them for that person's view. ``hidden_until`` defers that view. Acts of
staff carry ``by_role`` (a role, never a name) and ``reason``, checked by
:func:`staff_act`. :func:`audited` declares which events a library function records,
for the test that calls every such function and reads the log back.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar, TypeVar

from accord.audit.errors import MissingReason, UnknownEventType
from accord.audit.types import PersonKey


@dataclasses.dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every audit event."""

    name: ClassVar[str] = ""

    def fields(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in _names(type(self))}


def _names(cls: type[Event]) -> tuple[str, ...]:
    """The fields of an event class, found once (several events a request, each read
    for its body)."""
    found = _NAMES.get(cls)
    if found is None:
        found = _NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return found


_NAMES: dict[type[Event], tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


EVENT_TYPES: dict[str, type[Event]] = {}
E = TypeVar("E", bound=type[Event])


def register_event(cls: E) -> E:
    """Class decorator: make an event type recordable under its stable ``name``."""
    if not cls.name or not (cls.__doc__ or "").strip():
        raise TypeError(f"{cls.__name__} needs a stable name and a docstring")
    known = EVENT_TYPES.get(cls.name)
    if known is not None and known is not cls:
        raise TypeError(f"event name {cls.name!r} is already {known.__name__}")
    EVENT_TYPES[cls.name] = cls
    return cls


F = TypeVar("F", bound=Callable[..., Any])
AUDITED = "__audited__"


def audited(*events: type[Event]) -> Callable[[F], F]:
    """Declare that the decorated function uses personal data (or does a governance act)
    and records ``events`` itself: a test calls every declared function on a real
    workspace and reads these events back from the log."""
    names = tuple(e.name for e in events)

    def declare(function: F) -> F:
        setattr(function, AUDITED, names)
        return function

    return declare


def declared_events(function: object) -> tuple[str, ...] | None:
    """The event names :func:`audited` declared on ``function`` (None: not declared)."""
    found = getattr(function, AUDITED, None)
    return tuple(found) if isinstance(found, tuple) else None


MAX_ROLE = 100
MAX_REASON = 1_000
BY_PERSON = "the person themselves"
"""``by_role`` of an act the person did themselves, signed in through an identity
provider (an opt-out registered or withdrawn), where staff would give their role."""


def staff_act(by_role: str, reason: str) -> tuple[str, str]:
    """``(by_role, reason)`` trimmed, if a member of staff may act with them: both given,
    one line each, bounded. A role (``data steward``), never a person's name."""
    role, why = by_role.strip(), reason.strip()
    for what, value, limit in (("role", role, MAX_ROLE), ("reason", why, MAX_REASON)):
        if not value:
            raise MissingReason(f"a member of staff reading or changing personal data must "
                                f"give their {what}; it is recorded in the audit log")  # fmt: skip
        if len(value) > limit or not value.isprintable():
            raise MissingReason(f"the {what} must be one line of at most {limit} characters")
    return role, why


def checked(event: object) -> Event:
    """``event`` if it is an instance of a registered type; the one gate into the log."""
    if not isinstance(event, Event) or EVENT_TYPES.get(type(event).name) is not type(event):
        raise UnknownEventType(
            f"{type(event).__name__} is not a registered audit event type "
            f"(known: {', '.join(sorted(EVENT_TYPES))})"
        )
    return event


def encode(event: Event) -> str:
    return json.dumps(event.fields(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Unregistered(Event):
    """An entry of a type this process has not registered (a context it did not import, or
    a newer Accord): read back as written, so any reader can read any log, and never
    recordable again (it is not in the registry)."""

    body: dict[str, Any]

    def fields(self) -> dict[str, Any]:
        return dict(self.body)


_UNREGISTERED: dict[str, type[Unregistered]] = {}


def unregistered(name: str, body: dict[str, Any]) -> Unregistered:
    """An :class:`Unregistered` event whose ``name`` is the type the log holds."""
    cls = _UNREGISTERED.get(name)
    if cls is None:
        cls = type(f"Unregistered[{name}]", (Unregistered,), {"name": name})
        _UNREGISTERED[name] = cls
    return cls(body=body)


def decode(name: str, body: str) -> Event:
    cls = EVENT_TYPES.get(name)
    values = json.loads(body)
    if cls is None:
        return unregistered(name, values)
    for f in dataclasses.fields(cls):
        if f.name in values and isinstance(values[f.name], list):
            values[f.name] = tuple(values[f.name])
        if f.name == "hidden_until" and values.get(f.name):
            values[f.name] = date.fromisoformat(values[f.name])
    return cls(**values)


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class DatasetIngested(Event):
    """A source was read into a new immutable snapshot of a dataset."""

    name: ClassVar[str] = "dataset.ingested"
    dataset: str
    version: int
    rows: int
    quarantined: int
    content_hash: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class QualityAssessed(Event):
    """A dataset snapshot's quality was scored and given a kitemark."""

    name: ClassVar[str] = "quality.assessed"
    dataset: str
    version: int
    kitemark: str
    scores: dict[str, float] = dataclasses.field(default_factory=dict)
    """Each Data Quality Framework dimension's score, 0 to 100."""
    samples: int = 0
    """Failing rows kept for a report (person-level rows a steward will read)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class _AgreementEvent(Event):
    agreement: str
    by: str = ""
    reason: str = ""
    version: int = 0
    by_role: str = ""


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AgreementSigned(_AgreementEvent):
    """A party (``by``) signed a data sharing agreement."""

    name: ClassVar[str] = "agreement.signed"


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AgreementActivated(_AgreementEvent):
    """A data sharing agreement, signed by every party, came into force."""

    name: ClassVar[str] = "agreement.activated"


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AgreementSuspended(_AgreementEvent):
    """A data sharing agreement was suspended; no disclosure under it until resumed."""

    name: ClassVar[str] = "agreement.suspended"


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AgreementRevoked(_AgreementEvent):
    """A data sharing agreement was revoked for good."""

    name: ClassVar[str] = "agreement.revoked"


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class DisclosureDecided(Event):
    """A request to share data was permitted or denied, with the reasons."""

    name: ClassVar[str] = "disclosure.decided"
    agreement: str
    requester: str
    purpose: str
    permitted: bool
    reasons: tuple[str, ...] = ()
    version: int = 0
    dataset: str = ""
    requested_fields: tuple[str, ...] = ()


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class RecordsDisclosed(Event):
    """One person's records were disclosed to a recipient under an agreement."""

    name: ClassVar[str] = "records.disclosed"
    person: PersonKey
    agreement: str
    recipient: str
    recipient_role: str
    dataset: str
    purpose: str
    legal_basis: str
    gateway: str
    source: str = ""
    retention: str = ""
    staff: str = ""
    hidden_until: date | None = None
    hidden_reason: str = ""
    shared_fields: tuple[str, ...] = ()
    """The fields that left, as the recipient received them (empty in entries written
    before they were recorded: the agreement then says what it allowed)."""


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class LinkageRun(Event):
    """Two sources were linked, or one deduplicated (which, in which mode, how many pairs)."""

    name: ClassVar[str] = "linkage.run"
    left: str
    right: str
    mode: str
    pairs: int
    agreement: str = ""
    task: str = "link"
    """``link`` (two sources) or ``dedupe`` (one source: ``right`` is ``left``)."""
    records: int = 0
    """Records read from the sources, both sides together."""
    clusters: int = 0
    """People found (dedupe only)."""
    run: str = ""
    """The run's id in the catalogue's lineage (a UUID; empty when none was recorded)."""


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class OptOutRegistered(Event):
    """A person's opt-out was registered under a scheme, by them or by staff on their behalf."""

    name: ClassVar[str] = "optout.registered"
    person: PersonKey
    scheme: str
    by_role: str = ""
    reason: str = ""


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class OptOutWithdrawn(Event):
    """A person withdrew their opt-out under a scheme, themselves or through staff."""

    name: ClassVar[str] = "optout.withdrawn"
    person: PersonKey
    scheme: str
    by_role: str = ""
    reason: str = ""


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class Reidentified(Event):
    """The controller turned an agreement-scoped pseudonym back into a person."""

    name: ClassVar[str] = "person.reidentified"
    person: PersonKey
    agreement: str
    by_role: str
    reason: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class PersonViewed(Event):
    """Staff looked up what happened to a person's data (a subject access request)."""

    name: ClassVar[str] = "person.viewed"
    person: PersonKey
    by_role: str
    reason: str = "subject access request"


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class PersonDownloaded(Event):
    """A person signed in through an identity provider downloaded their subject access response."""

    name: ClassVar[str] = "person.downloaded"
    person: PersonKey
    provider: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class RecordsUnkeyed(Event):
    """Records without a valid NHS number were used (a count: no person's view can show them)."""

    name: ClassVar[str] = "records.unkeyed"
    use: str
    """The event type each person with a valid NHS number got for the same use."""
    rows: int
    dataset: str
    agreement: str = ""
    recipient: str = ""
    by_role: str = ""
    reason: str = ""


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class SnapshotExported(Event):
    """Staff wrote a snapshot's person-level records to a file."""

    name: ClassVar[str] = "snapshot.exported"
    dataset: str
    version: int
    rows: int
    columns: str
    """``canonical`` (the standardised fields) or ``all`` (raw values and issues too)."""
    by_role: str
    reason: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class QuarantineViewed(Event):
    """Staff read the raw rows a snapshot quarantined."""

    name: ClassVar[str] = "quarantine.viewed"
    dataset: str
    version: int
    rows: int
    by_role: str
    reason: str


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class DatasetDescribed(Event):
    """A dataset's catalogue description (legal basis, special category) was set or replaced."""

    name: ClassVar[str] = "dataset.described"
    dataset: str
    version: int
    digest: str
    """SHA-256 of the stored description (canonical JSON)."""
    legal_basis: str
    special_category: bool


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class LogVerified(Event):
    """The log was recomputed and checked against its signed checkpoints."""

    name: ClassVar[str] = "log.verified"
    size: int
    root: str
    checkpoints: int
    passed: bool


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class CheckpointCosigned(Event):
    """A witness's cosignature on one of the node's checkpoints verified and was kept."""

    name: ClassVar[str] = "checkpoint.cosigned"
    size: int
    root: str
    witness: str
    key_name: str
    key_id: str
    cosigned_at: str


# --- Agreements on a node: the acts the agreements context records beyond the four above.


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AgreementRecorded(_AgreementEvent):
    """A version of a data sharing agreement was recorded here, or a draft's content replaced."""

    name: ClassVar[str] = "agreement.recorded"
    digest: str = ""
    status: str = ""


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AgreementAmended(_AgreementEvent):
    """The next version of an agreement was started from the current one, unsigned."""

    name: ClassVar[str] = "agreement.amended"


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AgreementSuperseded(_AgreementEvent):
    """An agreement version was replaced by a later version coming into force."""

    name: ClassVar[str] = "agreement.superseded"


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class AgreementExpired(_AgreementEvent):
    """A data sharing agreement reached its expiry date and ended."""

    name: ClassVar[str] = "agreement.expired"


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class PeerKeyAdded(Event):
    """A partner organisation's public key was trusted for its signatures."""

    name: ClassVar[str] = "peer.added"
    org: str
    key_id: str
    by_role: str = ""
    reason: str = ""
    replaced_key_id: str = ""


@register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class PeerKeyRemoved(Event):
    """A partner organisation's public key was no longer trusted."""

    name: ClassVar[str] = "peer.removed"
    org: str
    key_id: str
    by_role: str = ""
    reason: str = ""
