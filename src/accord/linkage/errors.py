"""What can go wrong in linkage."""

from __future__ import annotations


class LinkageError(Exception):
    """Base of every linkage error."""


class NothingToCompare(LinkageError):
    """The two sides share no field that linkage can compare."""


class BadEncoding(LinkageError):
    """An encoded file that is not what the protocol expects (wrong version, columns, mode)."""
