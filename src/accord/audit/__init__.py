"""The tamper-evident audit log of every use of personal data, and the citizen's view of it.

Public face: the events (:class:`Event` and the built-in types, :data:`EVENT_TYPES`,
:func:`register_event`); :func:`record` (the one entry point), :func:`transaction` and
:func:`flush`; proofs and exports (:func:`inclusion`, :func:`consistency`,
:func:`export`, :func:`read_export`, :func:`verify_export`, :func:`latest_checkpoint`,
:func:`node_verifier_key`); :func:`verify`; the citizen view (:func:`person_key`,
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
    ProofError,
    UnknownEventType,
    UnreadableExport,
)
from accord.audit.events import (
    EVENT_TYPES,
    AgreementActivated,
    AgreementAmended,
    AgreementExpired,
    AgreementRecorded,
    AgreementRevoked,
    AgreementSigned,
    AgreementSuperseded,
    AgreementSuspended,
    DatasetIngested,
    DisclosureDecided,
    Event,
    LinkageRun,
    LogVerified,
    OptOutRegistered,
    OptOutWithdrawn,
    PeerKeyAdded,
    PeerKeyRemoved,
    PersonViewed,
    QualityAssessed,
    RecordsDisclosed,
    Reidentified,
    register_event,
)
from accord.audit.identity import (
    IdentityProvider,
    LocalProvider,
    OidcProvider,
    VerifiedPerson,
)
from accord.audit.keys import person_key
from accord.audit.log import AuditTransaction, flush, record, transaction
from accord.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from accord.audit.models import SubjectAccess, Use
from accord.audit.person import subject_access, uses
from accord.audit.proofs import (
    consistency,
    export,
    inclusion,
    latest_checkpoint,
    node_verifier_key,
    read_export,
    verify_export,
)
from accord.audit.types import EntryIndex, PersonKey
from accord.audit.verify import Verified, verify

__all__ = [
    "EVENT_TYPES",
    "AgreementActivated",
    "AgreementAmended",
    "AgreementExpired",
    "AgreementRecorded",
    "AgreementRevoked",
    "AgreementSigned",
    "AgreementSuperseded",
    "AgreementSuspended",
    "AuditError",
    "AuditTransaction",
    "BadCheckpoint",
    "BadExport",
    "Checkpoint",
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
    "OidcProvider",
    "OptOutRegistered",
    "OptOutWithdrawn",
    "PeerKeyAdded",
    "PeerKeyRemoved",
    "PersonKey",
    "PersonViewed",
    "ProofError",
    "QualityAssessed",
    "RecordsDisclosed",
    "Reidentified",
    "SubjectAccess",
    "UnknownEventType",
    "UnreadableExport",
    "Use",
    "Verified",
    "VerifiedPerson",
    "consistency",
    "export",
    "flush",
    "inclusion",
    "latest_checkpoint",
    "leaf_hash",
    "node_verifier_key",
    "open_note",
    "parse_verifier_key",
    "person_key",
    "read_export",
    "record",
    "register_event",
    "subject_access",
    "transaction",
    "uses",
    "verifier_key",
    "verify",
    "verify_consistency",
    "verify_export",
    "verify_inclusion",
]
