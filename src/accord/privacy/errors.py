"""What can go wrong in privacy."""

from __future__ import annotations


class PrivacyError(Exception):
    """Base of every privacy error."""


class UnknownScheme(PrivacyError):
    """An opt-out scheme this node has no rules for."""


class NotSelfService(PrivacyError):
    """An opt-out scheme a person cannot choose themselves: staff record it for them."""


class KeyNotFound(PrivacyError):
    """No pseudonymisation key of that agreement and version (never made, or retired)."""


class BadTable(PrivacyError):
    """A table handed to disclosure control without the columns it needs."""


class BadExtract(PrivacyError):
    """An extract without the identifier, fields or quasi-identifiers named for it."""
