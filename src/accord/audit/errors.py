"""The audit context's errors, each with a message an auditor or data steward can act on."""

from __future__ import annotations


class AuditError(Exception):
    """Base of every audit error."""


class UnknownEventType(AuditError):
    """An event that is not a registered audit event type."""


class ProofError(AuditError):
    """An inclusion or consistency proof that does not hold."""


class BadCheckpoint(AuditError):
    """A checkpoint note that cannot be parsed or whose signature does not verify."""


class BadCosignature(BadCheckpoint):
    """A witness's cosignature that is not one, or does not verify with the witness's key
    over the checkpoint it names."""


class UnknownCheckpoint(AuditError):
    """No checkpoint this node signed has that size and root hash."""


class LogInconsistent(AuditError):
    """The stored log disagrees with itself or with a signed checkpoint."""

    def __init__(self, message: str, entry: int | None = None) -> None:
        super().__init__(message)
        self.entry = entry


class BadExport(AuditError):
    """An exported set of entries that does not verify offline: checked and found wrong."""


class UnreadableExport(AuditError):
    """A file that is not an audit export one can check (not JSON, not the format, a
    part missing): nothing was checked."""


class IdentityNotVerified(AuditError):
    """A person's identity could not be verified by the provider."""


class MissingReason(AuditError, ValueError):
    """A staff act on personal data without the staff role or a reason to record."""


class BadQuery(AuditError, ValueError):
    """A question put to the log that cannot be asked (a naive time, an unbounded value,
    two page positions at once)."""
