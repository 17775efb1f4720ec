"""The CSV reader: encodings, dialects, quoting, ragged and broken records, row numbers.

Row numbers are the record's position as a spreadsheet shows the file: header = 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.sources import SourceOptions, SourceUnreadable, reader_for
from accord.sources.readers.base import MAX_RAW_TEXT
from accord.sources.readers.csv import MAX_COLUMNS, MAX_HEADER_BYTES, MAX_LINE_BYTES
from tests.sources.support import read, write

HEADER = b"id,first,last\n"


def given_names(tmp_path: Path, data: bytes, **options: Any) -> list[str]:
    result = read(write(tmp_path / "people.csv", data), tmp_path / "scratch", **options)
    assert result.loaded.rejected == []
    return [row["first"] for row in result.rows]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(HEADER + b"1,Zo\xc3\xab,Smith\n", "Zoë", id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + HEADER + b"1,Zo\xc3\xab,Smith\n", "Zoë", id="utf-8-bom"),
        pytest.param(
            HEADER.replace(b"\n", b"\r\n") + b"1,\x93Zo\xeb\x94,Smith\r\n", "\u201cZoë\u201d",
            id="cp1252-curly-quotes",
        ),
        # 0x81 is undefined in cp1252, so the file can only be latin-1.
        pytest.param(HEADER + b"1,Zo\xeb\x81,Smith\n", "Zoë\x81", id="latin-1"),
        pytest.param(
            "\ufeffid,first,last\r\n1,Zoë,Smith\r\n".encode("utf-16"), "Zoë", id="utf-16-bom"
        ),
    ],
)  # fmt: skip
def test_the_encoding_is_detected(tmp_path: Path, data: bytes, expected: str) -> None:
    assert given_names(tmp_path, data) == [expected]


def test_the_header_of_a_bom_file_has_no_bom(tmp_path: Path) -> None:
    result = read(write(tmp_path / "p.csv", b"\xef\xbb\xbf" + HEADER), tmp_path / "s")

    assert result.columns == ["id", "first", "last"]


def test_an_explicit_encoding_wins_over_detection(tmp_path: Path) -> None:
    # Detected, these bytes are cp1252's curly quotes; declared latin-1, they are controls.
    data = HEADER + b"1,\x93Zo\xeb\x94,Smith\n"

    assert given_names(tmp_path, data, encoding="latin-1") == ["\x93Zoë\x94"]
    assert given_names(tmp_path, data, encoding="cp1252") == ["\u201cZoë\u201d"]
    # UTF-8 bytes read as declared cp1252 are what the mapping asked for.
    assert given_names(tmp_path, HEADER + b"1,Zo\xc3\xab,S\n", encoding="cp1252") == ["ZoÃ«"]


@pytest.mark.parametrize("encoding", [None, "cp1252", "latin-1"])
@pytest.mark.parametrize(
    "c1", [pytest.param(b"", id="read-as-is"), pytest.param(b"\x92", id="transcoded")]
)
def test_single_byte_files_read_alike_with_or_without_a_transcoding(
    tmp_path: Path, encoding: str | None, c1: bytes
) -> None:
    # Without a byte 0x80-0x9F, DuckDB reads cp1252 and latin-1 as they are; with one,
    # the file is transcoded first. Blank lines and an open quote call the census, which
    # must decode the same way.
    data = HEADER + b"1,Zo\xeb" + c1 + b',Smith\n\n2,\xc9mile,Bront\xeb\n3,"Open,x\n'
    result = read(write(tmp_path / "people.csv", data), tmp_path / "s", encoding=encoding)

    c1_text = c1.decode(encoding or "cp1252")
    assert [(r["__row"], r["first"], r["last"]) for r in result.rows] == [
        (2, "Zoë" + c1_text, "Smith"), (4, "Émile", "Brontë"),
    ]  # fmt: skip
    (open_quote,) = result.loaded.rejected
    assert open_quote.row_number == 5


@pytest.mark.parametrize(
    ("encoding", "data", "where"),
    [
        pytest.param("utf-8", HEADER + b"1,\x93Zo\xeb\x94,Smith\n", "byte 16", id="utf-8"),
        pytest.param("ascii", HEADER + b"1,Zo\xc3\xab,Smith\n", "byte 18", id="ascii"),
        pytest.param("cp1252", HEADER + b"1,Zo\xeb\x81,Smith\n", "byte 19", id="cp1252"),
    ],
)
def test_a_wrong_explicit_encoding_is_refused_with_the_byte(
    tmp_path: Path, encoding: str, data: bytes, where: str
) -> None:
    with pytest.raises(SourceUnreadable, match=f"not valid {encoding} near {where}"):
        read(write(tmp_path / "people.csv", data), tmp_path / "s", encoding=encoding)


@pytest.mark.parametrize(
    "delimiter", [pytest.param(";", id="semicolon"), pytest.param("\t", id="tab"),
                  pytest.param("|", id="pipe"), pytest.param(",", id="comma")],
)  # fmt: skip
def test_the_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    # Commas inside values must not fool the sniffer into splitting addresses.
    lines = [["id", "first", "last", "address"], ["1", "Ann", "Smith", "1 High St, Leeds"],
             ["2", "Bob", "Jones", "2 Low Rd, York"]]  # fmt: skip
    quote = '"' if delimiter == "," else ""
    text = "\n".join(
        delimiter.join(f"{quote}{v}{quote}" if "," in v else v for v in line) for line in lines
    )
    result = read(write(tmp_path / "people.csv", text + "\n"), tmp_path / "s")

    assert result.columns == ["id", "first", "last", "address"]
    assert [r["address"] for r in result.rows] == ["1 High St, Leeds", "2 Low Rd, York"]


def test_an_explicit_delimiter_is_used(tmp_path: Path) -> None:
    data = b"id;first;last\n1;Ann,Marie;Smith\n"

    assert given_names(tmp_path, data, delimiter=";") == ["Ann,Marie"]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_quoted_newlines_stay_in_the_value_and_rows_keep_their_numbers(
    tmp_path: Path, newline: bytes
) -> None:
    data = newline.join([
        b"id,first,last", b'1,"Ann', b'Marie",Smith', b"2,Bob,Jones,extra",
        b'3,"C', b"", b'y",Z', b"4,Dee", b"5,E,F", b"",
    ])  # fmt: skip

    result = read(write(tmp_path / "people.csv", data), tmp_path / "s")

    assert [(r["__row"], r["id"], r["first"]) for r in result.rows] == [
        (2, "1", "Ann" + newline.decode() + "Marie"),
        (4, "3", "C" + 2 * newline.decode() + "y"),
        (6, "5", "E"),
    ]
    assert result.rejected() == [(3, None), (5, "last")]
    assert result.loaded.rows_read == 5


def test_ragged_rows_are_quarantined_with_row_column_and_reason(tmp_path: Path) -> None:
    data = HEADER + b"1,Ann,Smith\n2,Bob,Jones,extra,more\n3,Cy\n4,Dee,Ek\n5\n6,F,G\n"

    result = read(write(tmp_path / "people.csv", data), tmp_path / "s")

    assert [(r["__row"], r["id"]) for r in result.rows] == [(2, "1"), (5, "4"), (7, "6")]
    too_many, too_few, one_value = result.loaded.rejected
    assert (too_many.row_number, too_many.column) == (3, None)
    assert too_many.reason.startswith("too many columns")
    assert too_many.reason.endswith("Found: 5")  # one entry, however many extra values
    assert too_many.raw == "2,Bob,Jones,extra,more"
    assert (too_few.row_number, too_few.column, too_few.raw) == (4, "last", "3,Cy")
    assert too_few.reason.startswith("missing columns")
    assert one_value.row_number == 6
    assert result.loaded.rows_read == 6


def test_crlf_rejects_show_the_line_without_the_previous_newline(tmp_path: Path) -> None:
    data = b"id,first,last\r\n1,Ann,Smith\r\n2,Bob\r\n"

    result = read(write(tmp_path / "people.csv", data), tmp_path / "s")

    assert [q.raw for q in result.loaded.rejected] == ["2,Bob"]


def test_blank_lines_do_not_shift_the_row_numbers(tmp_path: Path) -> None:
    data = b"\r\nid,first,last\r\n1,A,B\r\n\r\n\r\n2,C\r\n3,E,F\r\n\r\n4,G,H\r\n\r\n"

    result = read(write(tmp_path / "people.csv", data), tmp_path / "s")

    assert result.columns == ["id", "first", "last"]
    assert [(r["__row"], r["id"]) for r in result.rows] == [(3, "1"), (7, "3"), (9, "4")]
    assert result.rejected() == [(6, "last")]
    assert result.loaded.rows_read == 4


def test_a_quote_left_open_at_the_end_is_quarantined_not_dropped(tmp_path: Path) -> None:
    data = HEADER + b'1,Ann,Smith\n2,"Bob,Jones\n3,Cy,Ze\n'

    result = read(write(tmp_path / "people.csv", data), tmp_path / "s")

    assert [r["id"] for r in result.rows] == ["1"]
    (open_quote,) = result.loaded.rejected
    assert (open_quote.row_number, open_quote.column) == (3, "first")
    assert "unterminated quote" in open_quote.reason
    assert open_quote.raw == '2,"Bob,Jones\n3,Cy,Ze'
    assert result.loaded.rows_read == 2


def test_an_open_quote_after_blank_lines_has_its_own_row_number(tmp_path: Path) -> None:
    data = HEADER + b'1,Ann,Smith\n\n2,Bob,"Jones\n'

    result = read(write(tmp_path / "people.csv", data), tmp_path / "s")

    assert result.rejected() == [(4, "last")]


def test_a_stray_quote_inside_a_value_is_not_an_open_quote(tmp_path: Path) -> None:
    data = HEADER + b'1,Ann,O"Brien\n2,Bob,Jones\n'

    result = read(write(tmp_path / "people.csv", data), tmp_path / "s")

    assert [r["last"] for r in result.rows] == ['O"Brien', "Jones"]
    assert result.loaded.rejected == []
    assert result.loaded.rows_read == 2


def test_a_quote_closed_then_followed_by_text_is_quarantined(tmp_path: Path) -> None:
    data = HEADER + b'1,"Ann"x,Smith\n2,Bob,Jones\n'

    result = read(write(tmp_path / "people.csv", data), tmp_path / "s")

    assert [(r["__row"], r["id"]) for r in result.rows] == [(3, "2")]
    assert result.rejected() == [(2, "first")]


def test_doubled_quotes_inside_quotes_are_one_quote(tmp_path: Path) -> None:
    assert given_names(tmp_path, HEADER + b'1,"Ann ""Nan""",Smith\n') == ['Ann "Nan"']


def test_an_empty_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable, match="the file is empty"):
        read(write(tmp_path / "people.csv", b""), tmp_path / "s")


def test_a_file_of_blank_lines_has_no_header(tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable, match="no header row"):
        read(write(tmp_path / "people.csv", b"\n\r\n\n"), tmp_path / "s")


def test_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable, match="no such file"):
        read(tmp_path / "nowhere.csv", tmp_path / "s")


def test_a_header_only_file_has_no_rows(tmp_path: Path) -> None:
    result = read(write(tmp_path / "people.csv", HEADER), tmp_path / "s")

    assert result.columns == ["id", "first", "last"]
    assert result.rows == []
    assert result.loaded.rows_read == 0


def test_a_last_line_without_newline_is_read(tmp_path: Path) -> None:
    assert given_names(tmp_path, HEADER + b"1,Ann,Smith\n2,Bob,Jones") == ["Ann", "Bob"]


@pytest.mark.parametrize(
    "header", [b"id,first,id\n", b"id, first ,first\n"], ids=["exact", "after-trimming"]
)
def test_duplicate_header_names_are_refused(tmp_path: Path, header: bytes) -> None:
    source = write(tmp_path / "people.csv", header + b"1,2,3\n")

    with pytest.raises(SourceUnreadable, match=r"names column '(id|first)' twice"):
        read(source, tmp_path / "s")


def test_a_header_longer_than_the_limit_is_refused_not_cut(tmp_path: Path) -> None:
    # A million columns: a header cut at the limit would end in a partial name (c12 of
    # c12345) and be reported as naming a column twice.
    header = ",".join(f"c{i}" for i in range(1_000_000)).encode() + b"\n"
    assert len(header) > MAX_HEADER_BYTES
    source = write(tmp_path / "wide.csv", header + b"1\n")

    with pytest.raises(SourceUnreadable, match="header row does not end within the first 1 MiB"):
        read(source, tmp_path / "s")


def test_a_header_just_within_the_limits_is_read_whole(tmp_path: Path) -> None:
    names = [f"a_column_with_a_very_very_very_very_very_long_name_{i:04d}" for i in range(2000)]
    header = ",".join(names).encode() + b"\n"
    assert MAX_HEADER_BYTES // 16 < len(header) < MAX_HEADER_BYTES
    source = write(tmp_path / "wide.csv", header + b"1\n" * 100_000)
    reader = reader_for(str(source), SourceOptions(), tmp_path, 100)

    assert reader.columns() == names


def test_more_columns_than_a_spreadsheet_are_refused(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)).encode() + b"\n"
    source = write(tmp_path / "wide.csv", header + b"1\n")

    with pytest.raises(SourceUnreadable, match=f"names {MAX_COLUMNS + 1:,} columns"):
        read(source, tmp_path / "s")


def test_a_duplicate_name_says_which_columns(tmp_path: Path) -> None:
    source = write(tmp_path / "people.csv", b"id,first,id\n1,2,3\n")

    with pytest.raises(SourceUnreadable, match=r"'id' twice \(columns 1 and 3\)"):
        read(source, tmp_path / "s")


def test_blank_header_names_are_numbered(tmp_path: Path) -> None:
    result = read(write(tmp_path / "people.csv", b"id,,last\n1,x,y\n"), tmp_path / "s")

    assert result.columns == ["id", "column_2", "last"]


def test_a_long_bad_row_is_kept_only_in_part(tmp_path: Path) -> None:
    data = HEADER + b"1,Ann,Smith,extra," + b"x" * 10_000 + b"\n2,Bob,Jones\n"

    result = read(write(tmp_path / "people.csv", data), tmp_path / "s")

    (bad,) = result.loaded.rejected
    assert bad.raw is not None
    assert bad.raw.startswith("1,Ann,Smith,extra,xxx")
    assert (
        bad.raw
        == data.splitlines()[1][:MAX_RAW_TEXT].decode() + f"... [cut at {MAX_RAW_TEXT} characters]"
    )


def test_a_100_mb_field_quarantines_its_row_and_keeps_the_others(tmp_path: Path) -> None:
    source = tmp_path / "huge.csv"
    megabyte = b"x" * (1 << 20)
    with source.open("wb") as fh:  # streamed: the test never holds the field itself
        fh.write(HEADER + b"1,Ann,Smith\n2,")
        for _ in range(100):
            fh.write(megabyte)
        fh.write(b",Jones\n3,Cy,Ze\n")
    assert source.stat().st_size > 100 * (1 << 20) > MAX_LINE_BYTES

    result = read(source, tmp_path / "s")

    assert [(r["__row"], r["id"], r["first"]) for r in result.rows] == [
        (2, "1", "Ann"), (4, "3", "Cy"),
    ]  # fmt: skip
    (huge,) = result.loaded.rejected
    assert huge.row_number == 3
    assert huge.reason.startswith("line too long")
    assert huge.raw is not None
    assert len(huge.raw) < MAX_RAW_TEXT + 100
    assert result.loaded.rows_read == 3


# Any mix of good, ragged and blank records, with quoted newlines: every row keeps its number.

_RECORD = st.sampled_from(["good", "quoted", "short", "long", "blank"])


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    kinds=st.lists(_RECORD, min_size=1, max_size=12),
    copies=st.sampled_from([1, 1, 2, 97, 400]),
    crlf=st.booleans(),
)
def test_row_numbers_survive_any_mix_of_records(
    tmp_path_factory: pytest.TempPathFactory, kinds: list[str], copies: int, crlf: bool
) -> None:
    # Copies make files of thousands of records, so gaps fall in many look-up blocks.
    newline = "\r\n" if crlf else "\n"
    lines, good, bad = ["id,first,last"], [], []
    for number, kind in enumerate(kinds * copies, start=2):
        lines.append({
            "good": f"{number},Ann,Smith", "quoted": f'{number},"An{newline}n",Smith',
            "short": f"{number},Bob", "long": f"{number},Bob,Jones,x", "blank": "",
        }[kind])  # fmt: skip
        if kind in ("good", "quoted"):
            good.append(number)
        elif kind != "blank":
            bad.append(number)
    folder = tmp_path_factory.mktemp("mix")

    result = read(write(folder / "mix.csv", newline.join(lines) + newline), folder / "s")

    assert [(r["__row"], r["id"]) for r in result.rows] == [(n, str(n)) for n in good]
    assert sorted({q.row_number for q in result.loaded.rejected}) == bad
    assert result.loaded.rows_read == len(good) + len(bad)
