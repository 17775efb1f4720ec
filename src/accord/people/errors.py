"""Errors raised by the people context."""


class PeopleError(Exception):
    """Base class for errors in the people context."""


class InvalidOption(PeopleError):
    """A standardisation option (date format, sex code) cannot be used."""
