"""The Excel reader: sheets, typed cells as the text standardisers read, Excel's row numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest
import xlsxwriter

from accord.sources import MappingError, SourceUnreadable
from tests.sources.support import read, write

HEADER = ["id", "first", "nhs", "dob"]


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """An .xlsx with real typed cells: numbers stay numbers, dates are date cells."""
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, value, date_format)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return path


def test_the_first_sheet_is_read_by_default(tmp_path: Path) -> None:
    source = workbook(tmp_path / "h.xlsx", {
        "Patients": [HEADER, ["P1", "Ann", None, None]],
        "Other": [HEADER, ["O1", "Zed", None, None]],
    })  # fmt: skip

    result = read(source, tmp_path / "s")

    assert result.columns == HEADER
    assert [(r["__row"], r["id"]) for r in result.rows] == [(2, "P1")]


def test_the_sheet_option_picks_a_sheet(tmp_path: Path) -> None:
    source = workbook(tmp_path / "h.xlsx", {
        "Patients": [HEADER, ["P1", "Ann", None, None]],
        "Other": [["ref", "name"], ["O1", "Zed"], ["O2", "Yan"]],
    })  # fmt: skip

    result = read(source, tmp_path / "s", sheet="Other")

    assert result.columns == ["ref", "name"]
    assert [r["name"] for r in result.rows] == ["Zed", "Yan"]


def test_a_missing_sheet_is_named_with_those_there(tmp_path: Path) -> None:
    source = workbook(tmp_path / "h.xlsx", {"Patients": [HEADER], "Other": [HEADER]})

    with pytest.raises(MappingError) as caught:
        read(source, tmp_path / "s", sheet="Admissions")

    message = str(caught.value)
    assert message.startswith("source.sheet: no sheet 'Admissions'")
    assert "(sheets: Patients, Other)" in message


def test_numbers_are_not_turned_into_floats(tmp_path: Path) -> None:
    source = workbook(tmp_path / "h.xlsx", {"S": [
        ["id", "nhs", "score", "code"],
        [1, 9434765919, 12.5, "0123"],
        [2.0, 9434765870.0, -3, True],
    ]})  # fmt: skip

    result = read(source, tmp_path / "s")

    assert [(r["id"], r["nhs"], r["score"], r["code"]) for r in result.rows] == [
        ("1", "9434765919", "12.5", "0123"),
        ("2", "9434765870", "-3", "true"),
    ]


def test_date_cells_become_iso_dates(tmp_path: Path) -> None:
    source = workbook(tmp_path / "h.xlsx", {"S": [
        ["id", "dob", "seen", "typed"],
        ["1", dt.date(1980, 2, 3), dt.datetime(2024, 5, 6, 14, 30), "03/02/1980"],
    ]})  # fmt: skip

    (row,) = read(source, tmp_path / "s").rows

    assert (row["dob"], row["seen"], row["typed"]) == (
        "1980-02-03", "2024-05-06 14:30:00", "03/02/1980",
    )  # fmt: skip


def test_blank_rows_are_skipped_and_numbers_are_excel_rows(tmp_path: Path) -> None:
    source = workbook(tmp_path / "h.xlsx", {"S": [
        HEADER, ["1", "Ann", None, None], [None] * 4, [None, "   ", None, None],
        ["2", "Bob", None, None], ["3", None, None, None],
    ]})  # fmt: skip

    result = read(source, tmp_path / "s")

    assert [(r["__row"], r["id"]) for r in result.rows] == [(2, "1"), (5, "2"), (6, "3")]
    assert result.loaded.rows_read == 3


def test_a_table_below_and_right_of_a1_keeps_its_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "offset.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "S"
    sheet["C5"], sheet["D5"] = "id", "first"
    sheet["C6"], sheet["D6"] = "1", "Ann"
    sheet["C8"], sheet["D8"] = "2", "Bob"
    book.save(path)

    result = read(path, tmp_path / "s")

    assert result.columns == ["id", "first"]
    assert [(r["__row"], r["first"]) for r in result.rows] == [(6, "Ann"), (8, "Bob")]


def test_rows_are_loaded_in_chunks_without_losing_numbers(tmp_path: Path) -> None:
    rows = [["id", "first"]] + [[str(i), f"n{i}"] for i in range(1, 251)]
    source = workbook(tmp_path / "h.xlsx", {"S": rows})

    result = read(source, tmp_path / "s", chunk_rows=100)

    assert result.numbers() == list(range(2, 252))
    assert result.rows[-1]["first"] == "n250"


def test_header_names_are_trimmed_and_blank_ones_numbered(tmp_path: Path) -> None:
    source = workbook(tmp_path / "h.xlsx", {"S": [[" id ", None, 2024], ["1", "x", "y"]]})

    assert read(source, tmp_path / "s").columns == ["id", "column_2", "2024"]


def test_duplicate_header_names_are_refused(tmp_path: Path) -> None:
    source = workbook(tmp_path / "h.xlsx", {"S": [["id", "first", "id"], [1, 2, 3]]})

    with pytest.raises(SourceUnreadable, match=r"header names \['id'\] twice"):
        read(source, tmp_path / "s")


def test_an_empty_sheet_is_unreadable(tmp_path: Path) -> None:
    source = workbook(tmp_path / "h.xlsx", {"Empty": []})

    with pytest.raises(SourceUnreadable, match="the sheet is empty"):
        read(source, tmp_path / "s")


def test_a_file_that_is_not_a_workbook_is_unreadable(tmp_path: Path) -> None:
    # Binary, and no format's magic bytes: the name decides, and calamine refuses it.
    source = write(tmp_path / "h.xlsx", b"\x00\x01\x02 not a workbook\x00")

    with pytest.raises(SourceUnreadable, match="not a readable workbook"):
        read(source, tmp_path / "s")


def test_a_missing_workbook_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable, match="no such file"):
        read(tmp_path / "nowhere.xlsx", tmp_path / "s")


def test_csv_options_do_not_apply_to_a_workbook(tmp_path: Path) -> None:
    source = workbook(tmp_path / "h.xlsx", {"S": [HEADER]})

    with pytest.raises(MappingError, match=r"source\.encoding: does not apply to excel sources"):
        read(source, tmp_path / "s", encoding="utf-8")
