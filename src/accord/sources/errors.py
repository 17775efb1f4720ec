"""Errors raised by the sources context; each names the file, key, row or column."""


class SourceError(Exception):
    """Base class for errors in the sources context."""


class MappingError(SourceError):
    """A mapping file is malformed or does not fit its source. Raised before any row is read."""


class UnsupportedSource(SourceError):
    """No registered reader handles this source."""


class SourceUnreadable(SourceError):
    """The source cannot be opened or parsed as a whole (missing, empty, wrong format)."""


class UnknownDataset(SourceError):
    """No dataset of that name has been ingested in this workspace."""


class FieldsMostlyFailed(SourceError):
    """Most of a field's values fail standardisation (a wrong mapping, most often): the
    ingest was refused before anything was stored."""
