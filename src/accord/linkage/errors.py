"""What can go wrong in linkage."""

from __future__ import annotations


class LinkageError(Exception):
    """Base of every linkage error."""


class NothingToCompare(LinkageError):
    """The two sides share no field that linkage can compare."""


class BadEncoding(LinkageError):
    """An encoded file that is not what the protocol expects (wrong version, columns, mode)."""


class BadSource(LinkageError):
    """A side of a run named wrongly: a file without its mapping, a dataset with one, a
    dataset with no workspace to hold it, a dataset this node received from another."""
