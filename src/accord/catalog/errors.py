"""Errors raised by the catalog context; each names the file and key, the dataset or format."""


class CatalogError(Exception):
    """Base class for errors in the catalog context."""


class MetadataError(CatalogError):
    """A description file is malformed; the message names the file and the key."""


class NotDescribed(CatalogError):
    """An export needs a dataset's description and none was given (``accord catalog describe``)."""


class UnknownFormat(CatalogError):
    """No export format is registered under the name asked for."""


class LineageError(CatalogError):
    """A run event is malformed or names no dataset the catalogue knows."""
