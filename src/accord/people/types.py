"""Vocabulary of the people context."""

from typing import Literal, NewType

RecordId = NewType("RecordId", str)
"""A record's identifier in its source system (never a person identifier across sources)."""

Sex = Literal["male", "female", "not_known", "not_specified"]
"""Sex, after the NHS Data Dictionary's person-sex codes 1, 2, 0 and 9."""

SEX_VALUES: tuple[Sex, ...] = ("male", "female", "not_known", "not_specified")
