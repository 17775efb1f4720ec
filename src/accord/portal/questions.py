"""Question pages: a page's fields declared once, read from a submitted form and checked,
and shown again; and the answers of a journey, kept on the server by session.

A journey (the legal gateway finder, the drafting of an agreement) declares each page as
a list of :class:`Field`. :func:`read` turns the submitted form into typed values and
``{field: message}`` errors, trusting nothing the browser sent: a choice must be one the
page offered, a number a whole number in range, a date a real date, a text one of
bounded length. A choice may bring more fields, read only when it is chosen (drawn
after the choices, not as GOV.UK's conditional reveal: see ``fields.html``).
:func:`shown` turns typed values back into what the form shows, and :func:`raw` keeps
what was typed when a page is shown again with its errors.
:func:`model_errors` puts a pydantic model's refusal on the page's fields.
``templates/questions/fields.html`` draws each field with its GOV.UK component.

The answers of a journey live in the store, sealed under the session's token
(``accounts``: :func:`load`, :func:`keep`, :func:`forget`); :func:`notify` and
:func:`notice` carry a one-off message to the next page (a notification banner).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from fastapi import Request
from pydantic import ValidationError

from accord import accounts
from accord.portal.deps import Form, get_portal, session_token
from accord.portal.errors import BadRequest

Kind = Literal["text", "textarea", "lines", "number", "radios", "checkboxes", "select",
               "date", "yes_no"]  # fmt: skip
MAX_LINES = 50
YES_NO = ("yes", "no")


@dataclass(frozen=True)
class Choice:
    """One option of a radios, checkboxes or select field."""

    value: str
    text: str
    hint: str = ""
    reveal: tuple[Field, ...] = ()
    """Fields read only when this option is chosen (their labels say so)."""


@dataclass(frozen=True)
class Field:
    """One question on a page: its name is the form field's name, its id and its key."""

    name: str
    label: str
    kind: Kind = "text"
    missing: str = ""
    """The error when it is required and not answered ("Enter the agreement's title")."""
    hint: str = ""
    required: bool = True
    choices: tuple[Choice, ...] = ()
    classes: str = ""
    max_length: int = 1000
    minimum: int = 1
    maximum: int = 10**9
    code: bool = False
    """An identifier: shown in a fixed-width font, never spellchecked."""
    years: tuple[int, int] = (2000, 2200)
    """A date's earliest and latest year (an agreement's dates; a row condition's reach
    back further)."""

    @property
    def anchor(self) -> str:
        """The id the error summary links to (a date's first box)."""
        return f"{self.name}-day" if self.kind == "date" else self.name

    @property
    def choosing(self) -> bool:
        return self.kind in ("radios", "checkboxes", "select", "yes_no")

    def options(self) -> tuple[Choice, ...]:
        if self.kind == "yes_no" and not self.choices:
            return (Choice("yes", "Yes"), Choice("no", "No"))
        return self.choices


def every_field(fields: Iterable[Field]) -> Iterator[Field]:
    """The fields and, after each, the ones its options reveal."""
    for f in fields:
        yield f
        for choice in f.options():
            yield from every_field(choice.reveal)


# Reading ----------------------------------------------------------------------------


def read(fields: Sequence[Field], form: Form) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values of the page's fields (None when not answered), and the errors."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields:
        _read(f, form, values, errors)
    return values, errors


def _read(f: Field, form: Form, values: dict[str, Any], errors: dict[str, str]) -> None:
    try:
        values[f.name] = _value(f, form)
    except ValueError as exc:
        values[f.name] = None
        errors[f.anchor] = str(exc)
        return
    chosen = values[f.name]
    for choice in f.options():
        picked = choice.value in chosen if isinstance(chosen, list) else _is(chosen, choice, f)
        for revealed in choice.reveal:
            if picked:
                _read(revealed, form, values, errors)
            else:
                values.setdefault(revealed.name, None)


def _is(value: object, choice: Choice, f: Field) -> bool:
    return value == (choice.value == "yes") if f.kind == "yes_no" else value == choice.value


def _value(f: Field, form: Form) -> Any:
    if f.kind == "date":
        return _date(f, form)
    if f.kind == "checkboxes":
        given = form.getlist(f.name)
        known = {c.value for c in f.options()}
        if any(g not in known for g in given):
            raise ValueError(f"Select from the options given for: {f.label}")
        if f.required and not given:
            raise ValueError(f.missing)
        return list(dict.fromkeys(given))
    text = form.get(f.name)
    if not text:
        if f.required:
            raise ValueError(f.missing)
        return [] if f.kind == "lines" else None
    if f.choosing:
        if text not in {c.value for c in f.options()}:
            raise ValueError(f"Select one of the options given for: {f.label}")
        return text == "yes" if f.kind == "yes_no" else text
    if f.kind == "number":
        return _number(f, text)
    if f.kind == "lines":
        return _lines(f, text)
    if len(text) > f.max_length:
        raise ValueError(f"{_short(f)} must be {f.max_length} characters or fewer")
    return " ".join(text.split()) if f.kind == "text" else text.replace("\r\n", "\n")


def _short(f: Field) -> str:
    return f.label.rstrip("?")


def _number(f: Field, text: str) -> int:
    digits = text.replace(",", "")
    if not digits.isdigit() or len(digits) > 12:
        raise ValueError(f"{_short(f)} must be a whole number, like {max(f.minimum, 30)}")
    number = int(digits)
    if not f.minimum <= number <= f.maximum:
        raise ValueError(f"{_short(f)} must be between {f.minimum:,} and {f.maximum:,}")
    return number


def _lines(f: Field, text: str) -> list[str]:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    kept = [line for line in lines if line]
    if len(kept) > MAX_LINES:
        raise ValueError(f"{_short(f)}: give at most {MAX_LINES} lines")
    if any(len(line) > f.max_length for line in kept):
        raise ValueError(f"{_short(f)}: each line must be {f.max_length} characters or fewer")
    if f.required and not kept:
        raise ValueError(f.missing)
    return kept


def _date(f: Field, form: Form) -> date | None:
    parts = [form.get(f"{f.name}-{p}") for p in ("day", "month", "year")]
    if not any(parts):
        if f.required:
            raise ValueError(f.missing)
        return None
    if not all(parts):
        raise ValueError(f"{_short(f)} must include a day, month and year")
    try:
        day, month, year = (int(p) for p in parts)
        found = date(year, month, day)
    except (ValueError, OverflowError):
        raise ValueError(f"{_short(f)} must be a real date, like 1 4 2027") from None
    first, last = f.years
    if not first <= found.year <= last:
        raise ValueError(f"{_short(f)} must be a year between {first} and {last}")
    return found


# Showing ----------------------------------------------------------------------------


def shown(fields: Sequence[Field], values: Mapping[str, Any]) -> dict[str, Any]:
    """What the form shows for typed ``values``."""
    found: dict[str, Any] = {}
    for f in every_field(fields):
        value = values.get(f.name)
        if f.kind == "date":
            day = value if isinstance(value, date) else None
            found[f.name] = {"day": str(day.day), "month": str(day.month),
                             "year": str(day.year)} if day else {}  # fmt: skip
        elif f.kind == "yes_no":
            found[f.name] = "" if value is None else ("yes" if value else "no")
        elif f.kind == "checkboxes":
            found[f.name] = list(value or [])
        elif f.kind == "lines":
            found[f.name] = "\n".join(value or [])
        else:
            found[f.name] = "" if value is None else str(value)
    return found


def raw(fields: Sequence[Field], form: Form) -> dict[str, Any]:
    """What was typed, to show the page again with its errors."""
    found: dict[str, Any] = {}
    for f in every_field(fields):
        if f.kind == "date":
            found[f.name] = {p: form.get(f"{f.name}-{p}") for p in ("day", "month", "year")}
        elif f.kind == "checkboxes":
            found[f.name] = form.getlist(f.name)
        else:
            found[f.name] = form.get(f.name)
    return found


def model_errors(exc: ValidationError, names: Mapping[str, str],
                 labels: Mapping[str, str] | None = None) -> dict[str, str]:  # fmt: skip
    """A pydantic refusal as ``{field: message}``: each error's location (``org``,
    ``schedule_1.paragraph``) mapped through ``names`` to the page's field, else the
    first field; its message led by the field's label."""
    errors: dict[str, str] = {}
    fallback = next(iter(names.values()), "")
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"])
        target = next((n for loc, n in names.items() if where.startswith(loc)), fallback)
        label = (labels or {}).get(target, "")
        message = str(error["msg"]).removeprefix("Value error, ")
        errors.setdefault(target, f"{label}: {message}" if label else message)
    return errors


# Answers kept by session ------------------------------------------------------------


def _token(request: Request) -> str:
    token = session_token(request)
    if token is None:  # a page that keeps answers is one a signed-in session opened
        raise BadRequest("Sign in again: your session has ended.")
    return token


def load(request: Request, journey: str) -> dict[str, Any]:
    """The answers this session kept for ``journey`` (empty when none)."""
    return accounts.journey(get_portal(request).ws, _token(request), journey) or {}


def keep(request: Request, journey: str, answers: Mapping[str, Any]) -> None:
    try:
        accounts.keep_journey(get_portal(request).ws, _token(request), journey, answers)
    except accounts.JourneyRefused as exc:
        raise BadRequest(str(exc)) from None


def forget(request: Request, journey: str) -> None:
    accounts.end_journey(get_portal(request).ws, _token(request), journey)


NOTICE = "notice"


@dataclass(frozen=True)
class Notice:
    """A one-off message for the next page: a GOV.UK notification banner."""

    title: str
    lines: list[str] = field(default_factory=list)
    success: bool = True


def notify(request: Request, notice: Notice) -> None:
    keep(request, NOTICE, {"title": notice.title, "lines": notice.lines,
                           "success": notice.success})  # fmt: skip


def notice(request: Request) -> Notice | None:
    """The message kept for this page, once (it is forgotten as it is read)."""
    kept = load(request, NOTICE)
    if not kept:
        return None
    forget(request, NOTICE)
    return Notice(str(kept.get("title", "")), [str(x) for x in kept.get("lines", [])],
                  bool(kept.get("success", True)))  # fmt: skip
