"""Errors raised by the store context."""


class StoreError(Exception):
    """Base class for errors in the store context."""


class NotAWorkspace(StoreError):
    """The directory has no ``accord.toml``: ``accord init`` has not been run there."""


class InitRefused(StoreError):
    """``accord init`` cannot make a workspace there: a file, a folder that is not empty,
    or a place inside another workspace's own files. Nothing was created."""


class WorkspaceExists(InitRefused):
    """``accord init`` was asked to create a workspace where one already is."""


class InvalidSettings(StoreError):
    """A setting that cannot be used: ``accord.toml`` is not TOML, names an unknown
    setting or gives a bad value, or an ``ACCORD_…`` environment variable does."""


class DatabaseError(StoreError):
    """The SQL store could not be reached or refused an operation."""


class InvalidName(StoreError, ValueError):
    """A name (dataset, node, agreement, organisation …) breaks the identifier pattern."""


class UnsafeOutput(StoreError):
    """An output path a command may not write: a workspace's own file, an existing file
    without ``--force``, or a folder that does not exist."""
