"""The drafting journey's row conditions: which records of a dataset may leave, not only
which fields (``Dataset.row_conditions``; the language in docs/agreements.md).

One page per condition: the field it tests (one of the dataset's fields), how it tests it
(the agreement's operators, in plain words) and the value, typed as the operator needs:
one value (``equals``, ``at_least``, ``at_most``), a list one per line (``in``,
``not_in``, ``starts_with``) or a date (``before``, ``on_or_after``). A value is read
as the agreement's YAML file would read it (``true``/``false`` a flag, a whole number a
number), and a text in double quotes stays text exactly as typed ("123", "PE1 "), so
showing a condition and saving it again gives the same condition back. Each condition is
checked with the agreement's own model (:data:`~accord.agreements.RowCondition`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import TypeAdapter, ValidationError

from accord.agreements import OPERATORS, RowCondition, describe
from accord.portal.drafting import Errors, Values
from accord.portal.questions import Choice, Field, Kind, model_errors

CONDITION: TypeAdapter[RowCondition] = TypeAdapter(RowCondition)
MAX_CONDITIONS = 50
WHOLE = re.compile(r"^[+-]?\d{1,15}$")
DECIMAL = re.compile(r"^[+-]?(\d{1,15}(\.\d{1,15})?|\.\d{1,15})$")
OPERATOR_WORDS = {
    "equals": ("Is", "One value: a flag (true or false), a whole number or a text."),
    "in": ("Is one of", "The values, one per line."),
    "not_in": ("Is none of", "The values, one per line."),
    "starts_with": ("Starts with", "Prefixes, one per line, like postcode districts."),
    "before": ("Is before", "A date."),
    "on_or_after": ("Is on or after", "A date."),
    "at_least": ("Is at least", "One number."),
    "at_most": ("Is at most", "One number."),
}
SINGLE = ("equals", "at_least", "at_most")
LISTS = ("in", "not_in", "starts_with")
DATES = ("before", "on_or_after")
assert set(OPERATOR_WORDS) == set(OPERATORS)  # a new operator needs its words here
QUOTE_HINT = 'Put a text that looks like a number or a flag in double quotes, like "123".'


def questions(dataset: dict[str, Any]) -> list[Field]:
    """The page's fields for a condition on ``dataset``."""
    names = [str(f.get("name")) for f in dataset.get("fields") or [] if isinstance(f, dict)]
    kind: Kind = "radios" if len(names) <= 12 else "select"
    return [
        Field("field", "Which field does the condition test?", kind,
              choices=tuple(Choice(n, n) for n in names),
              missing="Select the field the condition tests"),
        Field("operator", "Which rows may be shared?", "radios",
              missing="Select how the condition tests the field",
              choices=tuple(Choice(op, text, hint) for op, (text, hint) in OPERATOR_WORDS.items())),
        Field("value", "For is, is at least or is at most: the value", required=False,
              max_length=200, classes="govuk-!-width-two-thirds", hint=QUOTE_HINT),
        Field("values", "For is one of, is none of or starts with: the values", "lines",
              required=False, max_length=200,
              hint="One per line, like RV1. " + QUOTE_HINT + " Quotes keep spaces too, like "
              '"PE1 ".'),
        Field("date", "For is before or is on or after: the date", "date", required=False,
              years=(1850, 2200), hint="For example, 1 1 2008"),
    ]  # fmt: skip


def load(condition: dict[str, Any]) -> Values:
    """What the page shows for a condition held in the draft."""
    if not condition:
        return {}
    operator, value = condition.get("operator"), condition.get("value")
    shown: Values = {"field": condition.get("field"), "operator": operator}
    if operator in LISTS and isinstance(value, list):
        shown["values"] = [_text(v) for v in value]
    elif operator in DATES:
        shown["date"] = date.fromisoformat(str(value))
    else:
        shown["value"] = _text(value)
    return shown


def _text(value: object) -> str:
    """A value as typed: a text that would not read back as itself is quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        return str(value)
    plain = value == value.strip() and not value.startswith('"')
    if plain and _flag(value) is None and not WHOLE.match(value):
        return value
    return f'"{value}"'


def _flag(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text.lower())


def _unquoted(text: str) -> str | None:
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    return None


def _single(text: str) -> object:
    quoted = _unquoted(text)
    if quoted is not None:
        return quoted
    flag = _flag(text)
    if flag is not None:
        return flag
    return int(text) if WHOLE.match(text) else text


def _number(text: str) -> int | float | None:
    if WHOLE.match(text):
        return int(text)
    return float(text) if DECIMAL.match(text) else None


def _listed(lines: list[str], operator: str) -> list[object]:
    """Lines as the values of a list: every line a whole number makes a list of numbers
    (``in`` and ``not_in``), else texts (quotes kept off)."""
    numbers = operator != "starts_with" and all(WHOLE.match(v) for v in lines)
    if numbers:
        return [int(v) for v in lines]
    return [q if (q := _unquoted(v)) is not None else v for v in lines]


def _value(values: Values) -> tuple[object, Errors]:
    """The condition's value from the page's answers, or the error on the right field."""
    operator = values["operator"]
    words = OPERATOR_WORDS[operator][0].lower()
    if operator in LISTS:
        if not values["values"]:
            return None, {"values": f"Enter the values the field {words}, one per line"}
        return _listed(values["values"], operator), {}
    if operator in DATES:
        if values["date"] is None:
            return None, {"date-day": f"Enter the date the field {words}"}
        return values["date"], {}
    text = values["value"]
    if not text:
        return None, {"value": f"Enter the value the field {words}"}
    if operator == "equals":
        return _single(text), {}
    number = _number(text)
    if number is None:
        return None, {"value": f"The value must be a number, like 18 or 2.5, not {text}"}
    return number, {}


def make(values: Values) -> tuple[dict[str, Any], Errors]:
    """A row condition from the page's answers, checked by the agreement's model."""
    value, errors = _value(values)
    if errors:
        return {}, errors
    target = {
        "in": "values",
        "not_in": "values",
        "starts_with": "values",
        "before": "date-day",
        "on_or_after": "date-day",
    }.get(values["operator"], "value")
    given = {"field": values["field"], "operator": values["operator"], "value": value}
    try:
        made = CONDITION.validate_python(given)
    except ValidationError as exc:
        return {}, model_errors(exc, {"value": target, "": target})
    return made.model_dump(mode="json"), {}


def summary(condition: dict[str, Any]) -> str:
    """The condition in plain words, or what is wrong with it now."""
    try:
        return describe(CONDITION.validate_python(condition))
    except ValidationError:
        return "Not a condition the agreement accepts: change it"
