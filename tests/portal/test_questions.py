"""Question pages' fields read from a submitted form, trusting nothing the browser sent:
choices, numbers, dates, lines and texts checked, the fields a choice brings read only
when it is chosen, what was typed kept for the page shown again."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from pydantic import Field as ModelField
from starlette.datastructures import FormData

from accord.portal.deps import Form
from accord.portal.questions import Choice, Field, model_errors, raw, read, shown

KIND = Field("kind", "Kind", "radios", missing="Select the kind",
             choices=(Choice("a", "A", reveal=(Field("detail", "If A: detail",
                                                     missing="Enter the detail"),)),
                      Choice("b", "B")))  # fmt: skip
DAYS = Field("days", "Days", "number", missing="Enter the days", maximum=100)
WHEN = Field("when", "When it starts", "date", missing="Enter the date")
LINES = Field("lines", "Lines", "lines", missing="Enter a line", max_length=10)
PICK = Field("pick", "Pick", "checkboxes", choices=(Choice("x", "X"), Choice("y", "Y")),
             required=False)  # fmt: skip
SURE = Field("sure", "Sure?", "yes_no", missing="Select yes or no")
NOTE = Field("note", "Note", required=False, max_length=5)


def form(*pairs: tuple[str, str]) -> Form:
    return Form(FormData(list(pairs)))


def test_good_answers_are_typed() -> None:
    values, errors = read([KIND, DAYS, WHEN, LINES, PICK, SURE, NOTE], form(
        ("kind", "a"), ("detail", "  more  words "), ("days", "1,00"), ("when-day", "29"),
        ("when-month", "2"), ("when-year", "2028"), ("lines", "one\r\n\r\n  two  \n"),
        ("pick", "y"), ("pick", "x"), ("pick", "y"), ("sure", "no")))  # fmt: skip
    assert errors == {}
    assert values == {"kind": "a", "detail": "more words", "days": 100,
                      "when": date(2028, 2, 29), "lines": ["one", "two"], "pick": ["y", "x"],
                      "sure": False, "note": None}  # fmt: skip


@pytest.mark.parametrize(
    ("pairs", "field", "message"),
    [
        ((), "kind", "Select the kind"),
        ((("kind", "c"),), "kind", "Select one of the options given for: Kind"),
        ((("kind", "a"),), "detail", "Enter the detail"),
        ((("days", "ten"),), "days", "Days must be a whole number"),
        ((("days", "101"),), "days", "Days must be between 1 and 100"),
        ((("days", "0"),), "days", "Days must be between 1 and 100"),
        ((("when-day", "30"), ("when-month", "2"), ("when-year", "2027")), "when-day",
         "When it starts must be a real date"),
        ((("when-day", "1"), ("when-month", "2")), "when-day", "must include a day, month"),
        ((("when-day", "1"), ("when-month", "2"), ("when-year", "1999")), "when-day",
         "a year between 2000 and 2200"),
        ((), "when-day", "Enter the date"),
        ((("lines", "\n \n"),), "lines", "Enter a line"),
        ((("lines", "far too long a line"),), "lines", "10 characters or fewer"),
        ((("pick", "z"),), "pick", "Select from the options given"),
        ((("sure", "maybe"),), "sure", "Select one of the options given"),
        ((("note", "too long"),), "note", "Note must be 5 characters or fewer"),
    ],
)  # fmt: skip
def test_what_a_page_did_not_offer_or_ask_for_is_refused_naming_the_field(
    pairs: tuple[tuple[str, str], ...], field: str, message: str
) -> None:
    _, errors = read([KIND, DAYS, WHEN, LINES, PICK, SURE, NOTE], form(*pairs))
    assert message in errors[field]


def test_a_choice_not_made_does_not_read_what_it_brings() -> None:
    values, errors = read([KIND], form(("kind", "b"), ("detail", "ignored")))
    assert (values, errors) == ({"kind": "b", "detail": None}, {})


def test_typed_values_and_typed_text_are_shown_again() -> None:
    fields = [KIND, DAYS, WHEN, LINES, PICK, SURE]
    values: dict[str, Any] = {"kind": "a", "detail": "d", "days": 3, "when": date(2027, 4, 1),
                              "lines": ["a", "b"], "pick": ["x"], "sure": True}  # fmt: skip
    assert shown(fields, values) == {"kind": "a", "detail": "d", "days": "3",
                                     "when": {"day": "1", "month": "4", "year": "2027"},
                                     "lines": "a\nb", "pick": ["x"], "sure": "yes"}  # fmt: skip
    typed = raw(fields, form(("days", "ten"), ("when-day", "x"), ("pick", "y")))
    assert (typed["days"], typed["when"]["day"], typed["pick"]) == ("ten", "x", ["y"])


class _Model(BaseModel):
    count: int = ModelField(gt=0)


def test_a_model_s_refusal_lands_on_the_page_s_field() -> None:
    with pytest.raises(ValidationError) as caught:
        _Model.model_validate({"count": 0})
    assert model_errors(caught.value, {"count": "days"}, {"days": "Days"}) == {
        "days": "Days: Input should be greater than 0"}  # fmt: skip


def test_a_date_s_years_are_the_field_s_own() -> None:
    born = Field("born", "Born on or after", "date", required=False, years=(1850, 2200))
    values, errors = read([born], form(("born-day", "1"), ("born-month", "1"),
                                       ("born-year", "1900")))  # fmt: skip
    assert (values, errors) == ({"born": date(1900, 1, 1)}, {})
    _, errors = read([born], form(("born-day", "1"), ("born-month", "1"), ("born-year", "1849")))
    assert errors == {"born-day": "Born on or after must be a year between 1850 and 2200"}
