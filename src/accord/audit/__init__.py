"""The tamper-evident audit log of every use of personal data, and the citizen's view of it.

Public face: the events (:class:`Event` and the built-in types, :data:`EVENT_TYPES`,
:func:`register_event`), :func:`audited` (a function's declaration of the events it
records) and :func:`staff_act` (the role and reason of a member of staff);
:func:`record` (the one entry point), :func:`record_each` (one event per person, in
bulk), :func:`transaction` and :func:`flush`; :func:`entries` (the log read back);
proofs and exports (:func:`inclusion`, :func:`consistency`, :func:`export`,
:func:`verify_export`, :func:`latest_checkpoint`, :func:`node_verifier_key`);
:func:`verify`; the citizen view (:func:`person_key`, :func:`person_secret`,
:func:`uses`, :func:`subject_access`); identity providers; the Merkle and checkpoint
primitives an auditor needs offline; the errors under :class:`AuditError`. Inside:
``events``, ``log`` (record and append), ``merkle``, ``checkpoint``, ``proofs``,
``verify``, ``person``, ``identity``, ``keys``, ``repository`` (the store's tables).
"""

from accord.audit.checkpoint import Checkpoint, open_note, parse_verifier_key, verifier_key
from accord.audit.errors import (
    AuditError,
    BadCheckpoint,
    BadExport,
    IdentityNotVerified,
    LogInconsistent,
    MissingReason,
    ProofError,
    UnknownEventType,
)
from accord.audit.events import (
    EVENT_TYPES,
    AgreementActivated,
    AgreementRevoked,
    AgreementSigned,
    AgreementSuspended,
    DatasetDescribed,
    DatasetIngested,
    DisclosureDecided,
    Event,
    LinkageRun,
    LogVerified,
    OptOutRegistered,
    OptOutWithdrawn,
    PersonViewed,
    QualityAssessed,
    QuarantineViewed,
    RecordsDisclosed,
    RecordsUnkeyed,
    Reidentified,
    SnapshotExported,
    audited,
    declared_events,
    register_event,
    staff_act,
)
from accord.audit.identity import (
    IdentityProvider,
    LocalProvider,
    OidcProvider,
    VerifiedPerson,
)
from accord.audit.keys import person_key, person_secret
from accord.audit.log import AuditTransaction, entries, flush, record, record_each, transaction
from accord.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from accord.audit.models import Logged, SubjectAccess, Use
from accord.audit.person import PAGE_SIZE, subject_access, uses
from accord.audit.proofs import (
    consistency,
    export,
    inclusion,
    latest_checkpoint,
    node_verifier_key,
    verify_export,
)
from accord.audit.types import EntryIndex, PersonKey
from accord.audit.verify import Verified, verify

__all__ = [
    "EVENT_TYPES",
    "PAGE_SIZE",
    "AgreementActivated",
    "AgreementRevoked",
    "AgreementSigned",
    "AgreementSuspended",
    "AuditError",
    "AuditTransaction",
    "BadCheckpoint",
    "BadExport",
    "Checkpoint",
    "DatasetDescribed",
    "DatasetIngested",
    "DisclosureDecided",
    "EntryIndex",
    "Event",
    "IdentityNotVerified",
    "IdentityProvider",
    "LinkageRun",
    "LocalProvider",
    "LogInconsistent",
    "LogVerified",
    "Logged",
    "MissingReason",
    "OidcProvider",
    "OptOutRegistered",
    "OptOutWithdrawn",
    "PersonKey",
    "PersonViewed",
    "ProofError",
    "QualityAssessed",
    "QuarantineViewed",
    "RecordsDisclosed",
    "RecordsUnkeyed",
    "Reidentified",
    "SnapshotExported",
    "SubjectAccess",
    "UnknownEventType",
    "Use",
    "Verified",
    "VerifiedPerson",
    "audited",
    "consistency",
    "declared_events",
    "entries",
    "export",
    "flush",
    "inclusion",
    "latest_checkpoint",
    "leaf_hash",
    "node_verifier_key",
    "open_note",
    "parse_verifier_key",
    "person_key",
    "person_secret",
    "record",
    "record_each",
    "register_event",
    "staff_act",
    "subject_access",
    "transaction",
    "uses",
    "verifier_key",
    "verify",
    "verify_consistency",
    "verify_export",
    "verify_inclusion",
]
