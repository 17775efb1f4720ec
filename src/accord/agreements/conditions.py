"""Row conditions: which records of a dataset an agreement lets leave, not only which fields.

A small declarative language, one condition a row of YAML::

    row_conditions:
      - {field: known_to_adult_social_care, operator: equals, value: true}
      - {field: postcode_district, operator: in, value: [PE1, PE2, PE3]}
      - {field: postcode, operator: starts_with, value: ["PE1 ", "PE2 "]}
      - {field: date_of_birth, operator: before, value: 1960-01-01}

The operators are a closed set, each a model of its own (a union told apart by
``operator``), so each types its value: ``before`` takes a date, ``in`` a list of text or
of whole numbers. A row is shared only if it meets every condition; a blank value meets
none. The agreement checks that each field is one of the dataset's fields; privacy
enforces the conditions in the disclosure's own query (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
)

from accord.store import NAME_PATTERN

MAX_VALUES = 1000
"""Values in one ``in``, ``not_in`` or ``starts_with`` list, at most."""

Word = Annotated[str, Field(min_length=1, max_length=200)]


class _Condition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(pattern=NAME_PATTERN, description="A field of the dataset.")


def _expecting(words: str) -> Any:
    """A validator reporting a bad value once, in words, rather than once per type tried."""

    def check(
        cls: type,  # noqa: ARG001 (pydantic passes the model class first)
        value: Any,
        handler: ValidatorFunctionWrapHandler,
        info: ValidationInfo,
    ) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise ValueError(f"{info.data.get('operator')} needs {words}") from None

    checker: Callable[..., Any] = check
    return field_validator("value", mode="wrap")(checker)


class Equals(_Condition):
    """The field equals the value (a flag, a whole number or a text)."""

    operator: Literal["equals"]
    value: StrictBool | StrictInt | Word
    _value = _expecting("a flag (true or false), a whole number or a text")


class OneOf(_Condition):
    """The field is (``in``) or is not (``not_in``) one of the values."""

    operator: Literal["in", "not_in"]
    value: list[StrictInt] | list[Word] = Field(min_length=1, max_length=MAX_VALUES)
    _value = _expecting(f"a list of 1 to {MAX_VALUES} texts, or of whole numbers, not mixed")


class StartsWith(_Condition):
    """The field starts with one of the prefixes (postcode districts, code families)."""

    operator: Literal["starts_with"]
    value: list[Word] = Field(min_length=1, max_length=MAX_VALUES)
    _value = _expecting(f"a list of 1 to {MAX_VALUES} texts")


class DateBound(_Condition):
    """The field is a date ``before`` the value, or ``on_or_after`` it."""

    operator: Literal["before", "on_or_after"]
    value: date
    _value = _expecting("a date (YYYY-MM-DD)")


class NumberBound(_Condition):
    """The field is a number ``at_least`` or ``at_most`` the value."""

    operator: Literal["at_least", "at_most"]
    value: StrictInt | StrictFloat
    _value = _expecting("a number")


RowCondition = Annotated[
    Equals | OneOf | StartsWith | DateBound | NumberBound, Field(discriminator="operator")
]
"""One row condition; the ``operator`` says which kind."""

OPERATORS = ("equals", "in", "not_in", "starts_with", "before", "on_or_after", "at_least",
             "at_most")  # fmt: skip
_WORDS = {
    "equals": "is", "in": "is one of", "not_in": "is none of", "starts_with": "starts with",
    "before": "is before", "on_or_after": "is on or after", "at_least": "is at least",
    "at_most": "is at most",
}  # fmt: skip


def describe(condition: RowCondition) -> str:
    """The condition in plain words: ``postcode_district is one of "PE1", "PE2"``."""
    return f"{condition.field} {_WORDS[condition.operator]} {_shown(condition.value)}"


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if not isinstance(value, str) else f'"{value}"'
