"""Errors raised by the quality context; each names the checklist file and key, or the check."""


class QualityError(Exception):
    """Base class for errors in the quality context."""


class ChecklistError(QualityError):
    """A checklist is malformed or does not fit the snapshot. Raised before any check runs."""


class CheckFailed(QualityError):
    """A check could not be run over the snapshot (its SQL failed, a reference is unreadable)."""
