"""Dates of birth: every legacy shape, the century rule, explicit formats and the flags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.people import (
    InvalidOption,
    StandardisationOptions,
    StandardisedRecord,
    Standardiser,
    check_date_format,
)
from accord.people.sql import WHITESPACE
from tests.people.support import AS_OF, bulk, each, examples, many, standardiser

FEB_3 = date(1980, 2, 3)
ISSUES = {None, "unparseable", "invalid_date", "future", "over_120", "ambiguous_day_month"}

# (raw, date, issue) with formats inferred per value and as_of 2026-11-22.
INFERRED = [
    ("1980-02-03", FEB_3, None),
    ("1980-02-03T10:11:12", FEB_3, None),
    ("1980-02-03 10:11:12.000", FEB_3, None),
    ("1980-2-3", FEB_3, None),
    ("1980/02/03", FEB_3, None),
    ("03/02/1980", FEB_3, "ambiguous_day_month"),
    ("3/2/1980", FEB_3, "ambiguous_day_month"),
    ("03-02-1980", FEB_3, "ambiguous_day_month"),
    ("03.02.1980", FEB_3, "ambiguous_day_month"),
    ("03/02/1980 00:00:00", FEB_3, "ambiguous_day_month"),
    ("13/02/1980", date(1980, 2, 13), None),
    ("12/12/1980", date(1980, 12, 12), None),
    ("05/06/26", date(2026, 6, 5), "ambiguous_day_month"),
    ("05/06/27", date(1927, 6, 5), "ambiguous_day_month"),
    ("31/12/99", date(1999, 12, 31), None),
    ("29/02/00", date(2000, 2, 29), None),
    ("3 Feb 1980", FEB_3, None),
    ("3rd February 1980", FEB_3, None),
    ("Feb 3, 1980", FEB_3, None),
    ("February 3rd, 1980", FEB_3, None),
    ("3-Feb-1980", FEB_3, None),
    ("03 FEB 1980", FEB_3, None),
    ("3 feb 80", FEB_3, None),
    ("3 Sept 1980", date(1980, 9, 3), None),
    ("19800203", FEB_3, None),
    ("03021980", FEB_3, "ambiguous_day_month"),
    ("13021980", date(1980, 2, 13), None),
    ("29255", date(1980, 2, 4), None),
    ("29255.0", date(1980, 2, 4), None),
    ("  1980-02-03  ", FEB_3, None),
    ("1980-02-03\r\n", FEB_3, None),
    ("\ufeff13/02/1980", date(1980, 2, 13), None),
    ("22/11/2026", AS_OF, None),
    ("23/11/2026", date(2026, 11, 23), "future"),
    ("01/01/2030", date(2030, 1, 1), "future"),
    ("25/12/26", date(2026, 12, 25), "future"),
    ("22/11/1906", date(1906, 11, 22), None),
    ("21/11/1906", date(1906, 11, 21), "over_120"),
    ("01/01/1900", date(1900, 1, 1), "over_120"),
    ("31/02/1980", None, "invalid_date"),
    ("1980-13-01", None, "invalid_date"),
    ("0000-01-01", None, "invalid_date"),
    ("00/00/0000", None, "invalid_date"),
    ("not a date", None, "unparseable"),
    ("1980", None, "unparseable"),
    ("3 xyz 1980", None, "unparseable"),
    ("1980-02-03garbage", None, "unparseable"),
    ("", None, None),
    ("   ", None, None),
    (None, None, None),
]


@pytest.fixture(scope="module")
def inferred() -> dict[str | None, StandardisedRecord]:
    return each("date_of_birth", [c[0] for c in INFERRED])


@pytest.mark.parametrize(("raw", "expected", "issue"), INFERRED, ids=[repr(c[0]) for c in INFERRED])
def test_inferred_formats(
    inferred: dict[str | None, StandardisedRecord],
    raw: str | None,
    expected: date | None,
    issue: str | None,
) -> None:
    rec = inferred[raw]
    assert (rec.date_of_birth, rec.date_of_birth_issue) == (expected, issue)
    assert rec.date_of_birth_raw == raw


def test_excel_serial_epoch_matches_excel() -> None:
    # Excel's day 1 is 1900-01-01 but it counts a 29 February 1900 that never was, so
    # from March 1900 on its serials count from 1899-12-30.
    assert date(1899, 12, 30) + timedelta(29255) == date(1980, 2, 4)


# (format, raw, date, issue)
EXPLICIT = [
    ("%d/%m/%Y", "03/02/1980", FEB_3, None),
    ("%d/%m/%Y", "3/2/1980", FEB_3, None),
    ("%d/%m/%Y", " 03/02/1980\t", FEB_3, None),
    ("%d/%m/%Y", "01/01/2030", date(2030, 1, 1), "future"),
    ("%d/%m/%Y", "01/01/1900", date(1900, 1, 1), "over_120"),
    ("%d/%m/%Y", "1980-02-03", None, "unparseable"),
    ("%d/%m/%Y", "31/02/1980", None, "unparseable"),
    ("%d/%m/%Y", "01/01/0000", None, "unparseable"),
    ("%Y%m%d", "19800203", FEB_3, None),
    ("%Y%m%d", "1980-02-03", None, "unparseable"),
    ("%d-%b-%y", "03-Feb-80", FEB_3, None),
    ("%d-%b-%y", "03-feb-27", date(1927, 2, 3), None),
    ("%d-%b-%y", "03-FEB-26", date(2026, 2, 3), None),
    ("%d-%b-%y", "03-Feb-69", date(1969, 2, 3), None),
    ("%d-%b-%y", "03-Feb-1980", None, "unparseable"),
    ("%m/%d/%Y", "02/03/1980", FEB_3, None),
]


@pytest.fixture(scope="module")
def explicit() -> dict[tuple[str, str], StandardisedRecord]:
    out: dict[tuple[str, str], StandardisedRecord] = {}
    for fmt in dict.fromkeys(c[0] for c in EXPLICIT):
        raws = [c[1] for c in EXPLICIT if c[0] == fmt]
        out.update(zip([(fmt, r) for r in raws], many("date_of_birth", raws, fmt), strict=True))
    return out


@pytest.mark.parametrize(
    ("fmt", "raw", "expected", "issue"), EXPLICIT, ids=[f"{c[0]} {c[1]!r}" for c in EXPLICIT]
)
def test_explicit_format(
    explicit: dict[tuple[str, str], StandardisedRecord],
    fmt: str,
    raw: str,
    expected: date | None,
    issue: str | None,
) -> None:
    rec = explicit[(fmt, raw)]
    # Never ambiguous: the source said which number is the day.
    assert (rec.date_of_birth, rec.date_of_birth_issue) == (expected, issue)


@pytest.mark.parametrize(
    ("as_of", "raw", "expected"),
    [
        (date(2026, 11, 22), "01/01/70", date(1970, 1, 1)),
        (date(2075, 6, 1), "01/01/70", date(2070, 1, 1)),
        (date(2075, 6, 1), "01/01/76", date(1976, 1, 1)),
        (date(1999, 6, 1), "01/01/99", date(1999, 1, 1)),
        (date(1999, 6, 1), "01/01/00", date(1900, 1, 1)),
    ],
    ids=["2026 70", "2075 70", "2075 76", "1999 99", "1999 00"],
)
@pytest.mark.parametrize("fmt", [None, "%d/%m/%y"], ids=["inferred", "explicit"])
def test_two_digit_year_takes_latest_century_not_after_as_of(
    fmt: str | None, as_of: date, raw: str, expected: date
) -> None:
    [rec] = bulk(
        standardiser("date_of_birth", date_format=fmt, as_of=as_of), [{"date_of_birth": raw}]
    )
    assert rec.date_of_birth == expected


@pytest.mark.parametrize(
    "fmt", ["%d/%m/%Y", "%Y-%m-%d", "%d-%b-%y", "%Y%m%d", "%d/%m/%Y %H:%M", "%d %B %Y"]
)
def test_check_date_format_accepts_day_month_year(fmt: str) -> None:
    check_date_format(fmt)


@pytest.mark.parametrize("fmt", ["%d/%m", "%m/%Y", "%Y", "%H:%M", "hello", "%Q", "", "%d/%d/%Y"])
def test_check_date_format_refuses_formats_without_a_whole_date(fmt: str) -> None:
    with pytest.raises(InvalidOption, match="date format"):
        check_date_format(fmt)


def test_standardiser_refuses_a_bad_date_format() -> None:
    with pytest.raises(InvalidOption):
        Standardiser(StandardisationOptions(as_of=AS_OF, date_format="%m/%Y"), ["date_of_birth"])


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


# Each way a date is written, and whether the writer put the day first in numbers.
WRITTEN: dict[str, tuple[Callable[[date], str], bool]] = {
    "iso": (lambda d: d.isoformat(), False),
    "iso time": (lambda d: f"{d.isoformat()}T08:30:00", False),
    "ymd slash": (lambda d: f"{d.year}/{d.month}/{d.day}", False),
    "dd/mm/yyyy": (lambda d: f"{d.day:02}/{d.month:02}/{d.year}", True),
    "d.m.yyyy": (lambda d: f"{d.day}.{d.month}.{d.year}", True),
    "d-m-yyyy": (lambda d: f"{d.day}-{d.month}-{d.year}", True),
    "d Mon yyyy": (lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}", False),
    "dth Month yyyy": (lambda d: f"{ordinal(d.day)} {MONTHS[d.month - 1]} {d.year}", False),
    "Mon d, yyyy": (lambda d: f"{MONTHS[d.month - 1][:3]} {d.day}, {d.year}", False),
    "yyyymmdd": (lambda d: d.strftime("%Y%m%d"), False),
    "ddmmyyyy": (lambda d: d.strftime("%d%m%Y"), True),
    "excel": (lambda d: str((d - date(1899, 12, 30)).days), False),
}
plausible = st.dates(min_value=AS_OF.replace(year=AS_OF.year - 120), max_value=AS_OF)


@examples(20)
@given(st.lists(st.tuples(plausible, st.sampled_from(sorted(WRITTEN))), min_size=1, max_size=25))
def test_every_written_form_reads_back(cases: list[tuple[date, str]]) -> None:
    raws = [WRITTEN[form][0](d) for d, form in cases]
    for (d, form), raw, rec in zip(cases, raws, many("date_of_birth", raws), strict=True):
        day_first = WRITTEN[form][1]
        ambiguous = day_first and d.day <= 12 and d.month <= 12 and d.day != d.month
        assert rec.date_of_birth == d, raw
        assert rec.date_of_birth_issue == ("ambiguous_day_month" if ambiguous else None), raw


@examples(15)
@given(st.lists(st.dates(min_value=date(1927, 1, 1), max_value=AS_OF), min_size=1, max_size=25))
def test_two_digit_years_within_a_century_read_back(days: list[date]) -> None:
    raws = [d.strftime("%d/%m/%y") for d in days]
    assert [r.date_of_birth for r in many("date_of_birth", raws)] == days
    assert [r.date_of_birth for r in many("date_of_birth", raws, "%d/%m/%y")] == days


@examples(20)
@given(
    st.sampled_from(["%d/%m/%Y", "%Y-%m-%d", "%d %b %Y", "%Y%m%d", "%m/%d/%Y", "%d-%b-%y"]),
    st.lists(st.dates(min_value=date(1927, 1, 1), max_value=AS_OF), min_size=1, max_size=25),
)
def test_explicit_format_reads_back_and_is_never_ambiguous(fmt: str, days: list[date]) -> None:
    recs = many("date_of_birth", [d.strftime(fmt) for d in days], fmt)
    assert [(r.date_of_birth, r.date_of_birth_issue) for r in recs] == [(d, None) for d in days]


@examples(20)
@given(
    st.lists(
        st.one_of(st.text(max_size=25), st.from_regex(r"[0-9 /.\-]{1,12}", fullmatch=True)),
        min_size=1,
        max_size=25,
    )
)
def test_any_text_gives_a_date_or_says_why_not(raws: list[str]) -> None:
    for raw, rec in zip(raws, many("date_of_birth", raws), strict=True):
        assert rec.date_of_birth_raw == raw
        assert rec.date_of_birth_issue in ISSUES
        unread = rec.date_of_birth_issue in {"unparseable", "invalid_date"}
        assert (rec.date_of_birth is None) == (unread or not raw.strip(WHITESPACE))
