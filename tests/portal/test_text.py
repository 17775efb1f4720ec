"""How pages write times, dates, counts and sizes, and read the dates people type."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from accord.portal.text import day, read_date, read_month, size, when


@pytest.mark.parametrize(
    ("at", "shown"),
    [
        (datetime(2026, 12, 4, 15, 5, tzinfo=UTC), "4 December 2026 at 3:05pm"),
        (datetime(2026, 12, 4, 15, 0, tzinfo=UTC), "4 December 2026 at 3pm"),
        (datetime(2026, 12, 4, 12, 0, tzinfo=UTC), "4 December 2026 at midday"),
        (datetime(2026, 7, 1, 11, 0, tzinfo=UTC), "1 July 2026 at midday"),
        (datetime(2026, 7, 1, 23, 0, tzinfo=UTC), "2 July 2026 at midnight"),
        (datetime(2026, 1, 9, 9, 30, tzinfo=UTC), "9 January 2026 at 9:30am"),
        (datetime(2026, 12, 4, 0, 30, tzinfo=UTC), "4 December 2026 at 12:30am"),
        # British Summer Time: 23:30 UTC on 30 June is 12:30am on 1 July in the UK.
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "1 July 2026 at 12:30am"),
    ],
)
def test_times_are_written_in_uk_time_the_gov_uk_way(at: datetime, shown: str) -> None:
    assert when(at) == shown


def test_dates_and_sizes() -> None:
    assert day(date(2026, 1, 31)) == "31 January 2026"
    assert [size(n) for n in (1, 999, 9_000, 48_000, 1_250_000, 3_000_000_000)] == [
        "1 byte", "999 bytes", "9.0 KB", "48 KB", "1.2 MB", "3.0 GB"]  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "found", "message"),
    [
        (("", "", ""), None, ""),
        (("27", "3", "2026"), date(2026, 3, 27), ""),
        ((" 1", "11 ", "2026"), date(2026, 11, 1), ""),
        (("", "3", "2026"), None, "The date from must include a day"),
        (("27", "", ""), None, "The date from must include a month and year"),
        (("31", "2", "2026"), None, "The date from must be a real date, like 27 3 2026"),
        (("x", "2", "2026"), None, "The date from must be a real date, like 27 3 2026"),
        (("1", "1", "1999"), None, "The date from must be in 2000 or later"),
        (
            ("1", "1", "99999999999999999999"),
            None,
            "The date from must be a real date, like 27 3 2026",
        ),
    ],
)
def test_a_date_input_is_read_or_its_mistake_named(
    typed: tuple[str, str, str], found: date | None, message: str
) -> None:
    fields = dict(zip(("from-day", "from-month", "from-year"), typed, strict=True))
    assert read_date(fields, "from", "the date from") == (found, message)


def test_a_date_of_birth_must_be_in_the_past_and_after_its_earliest_year() -> None:
    def born(typed: tuple[str, str, str]) -> tuple[date | None, str]:
        fields = dict(zip(("b-day", "b-month", "b-year"), typed, strict=True))
        return read_date(fields, "b", "your date of birth", earliest=1880, past=True,
                         example="27 3 2007")  # fmt: skip

    tomorrow = date.today() + timedelta(days=1)
    assert born(("1", "1", "1890")) == (date(1890, 1, 1), "")
    assert born(("1", "1", "1879")) == (None, "Your date of birth must be in 1880 or later")
    assert born((str(tomorrow.day), str(tomorrow.month), str(tomorrow.year))) == (
        None, "Your date of birth must be in the past")  # fmt: skip
    assert born(("30", "2", "1990")) == (
        None, "Your date of birth must be a real date, like 27 3 2007")  # fmt: skip


def test_a_month_input_is_read_or_its_mistake_named() -> None:
    def read(month: str, year: str) -> object:
        return read_month({"m-month": month, "m-year": year}, "m")

    assert read("", "") == (None, "")
    assert read("11", "2026") == ((2026, 11), "")
    assert read("", "2026") == (None, "The month must include a month")
    assert read("11", "") == (None, "The month must include a year")
    for month, year in (("13", "2026"), ("0", "2026"), ("x", "2026"), ("1", "20260")):
        assert read(month, year) == (None, "The month must be a real month, like 11 2026")
