"""The JSON-lines reader: one object per line; anything else is quarantined by line number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accord.sources import MappingError, SourceUnreadable
from tests.sources.support import read, write


def lines(*items: object) -> str:
    return "".join((i if isinstance(i, str) else json.dumps(i)) + "\n" for i in items)


def test_objects_are_read_with_their_line_numbers(tmp_path: Path) -> None:
    source = write(tmp_path / "p.jsonl", lines({"id": "1", "first": "Ann"}, "",
                                              {"id": "2", "first": "Zoë"}))  # fmt: skip

    result = read(source, tmp_path / "s")

    assert result.columns == ["id", "first"]
    assert [(r["__row"], r["id"], r["first"]) for r in result.rows] == [
        (1, "1", "Ann"), (3, "2", "Zoë"),
    ]  # fmt: skip
    assert result.loaded.rows_read == 2


def test_bad_json_and_non_objects_are_quarantined_by_line(tmp_path: Path) -> None:
    source = write(tmp_path / "p.jsonl", lines(
        {"id": "1"}, "{bad json", [1, 2], "", '"text"', "42", "null", {"id": "7"},
    ))  # fmt: skip

    result = read(source, tmp_path / "s")

    assert result.numbers() == [1, 8]
    assert [(q.row_number, q.reason, q.raw) for q in result.loaded.rejected] == [
        (2, "not valid JSON: Expecting property name enclosed in double quotes", "{bad json"),
        (3, "not a JSON object but list", "[1, 2]"),
        (5, "not a JSON object but str", '"text"'),
        (6, "not a JSON object but int", "42"),
        (7, "not a JSON object but NoneType", "null"),
    ]
    assert result.loaded.rows_read == 7


def test_a_line_nested_too_deep_to_parse_is_quarantined(tmp_path: Path) -> None:
    deep = '{"id": "9", "first": ' + "[" * 100_000 + "]" * 100_000 + "}"
    source = write(tmp_path / "p.jsonl", lines({"id": "1", "first": "Ann"}, deep))

    result = read(source, tmp_path / "s")

    assert [r["id"] for r in result.rows] == ["1"]
    assert [(q.row_number, q.reason) for q in result.loaded.rejected] == [
        (2, "JSON nested too deep to read"),
    ]  # fmt: skip


def test_nested_values_are_kept_as_json_text(tmp_path: Path) -> None:
    source = write(tmp_path / "p.jsonl", lines(
        {"id": 1, "address": {"lines": ["1 High St", "Leeds"]}, "tags": ["a", "é"],
         "flag": True, "nhs": 9434765919.0, "gone": None},
    ))  # fmt: skip

    (row,) = read(source, tmp_path / "s").rows

    assert json.loads(row["address"]) == {"lines": ["1 High St", "Leeds"]}
    assert row["tags"] == '["a", "é"]'
    assert (row["id"], row["flag"], row["nhs"], row["gone"]) == ("1", "true", "9434765919", None)


def test_keys_missing_from_a_line_are_blank(tmp_path: Path) -> None:
    source = write(tmp_path / "p.jsonl", lines({"id": "1", "first": "Ann"}, {"id": "2"}))

    result = read(source, tmp_path / "s")

    assert [r["first"] for r in result.rows] == ["Ann", None]


def test_crlf_lines_and_a_bom_are_read(tmp_path: Path) -> None:
    source = write(tmp_path / "p.jsonl", b'\xef\xbb\xbf{"id": "1"}\r\n{"id": "2"}\r\n')

    assert [r["id"] for r in read(source, tmp_path / "s").rows] == ["1", "2"]


def test_a_line_in_another_encoding_is_quarantined(tmp_path: Path) -> None:
    source = write(tmp_path / "p.jsonl", b'{"id": "1"}\n{"id": "Zo\xeb"}\n{"id": "3"}\n')

    result = read(source, tmp_path / "s")

    assert [r["id"] for r in result.rows] == ["1", "3"]
    ((number, reason),) = [(q.row_number, q.reason) for q in result.loaded.rejected]
    assert (number, reason) == (2, "not valid utf-8 at byte 11 of the line")


def test_the_encoding_option_is_used(tmp_path: Path) -> None:
    source = write(tmp_path / "p.jsonl", b'{"id": "Zo\xeb"}\n')

    assert [r["id"] for r in read(source, tmp_path / "s", encoding="latin-1").rows] == ["Zoë"]


def test_a_file_with_no_object_is_unreadable(tmp_path: Path) -> None:
    source = write(tmp_path / "p.jsonl", b'{"id": "Zo\xeb"}\n[1]\n')

    with pytest.raises(SourceUnreadable, match=r"no JSON object .*; 1 not valid utf-8$"):
        read(source, tmp_path / "s")


def test_an_empty_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable, match="the file is empty"):
        read(write(tmp_path / "p.jsonl", b""), tmp_path / "s")


def test_a_wide_encoding_is_refused(tmp_path: Path) -> None:
    source = write(tmp_path / "p.jsonl", '{"id": "1"}\n'.encode("utf-16"))

    with pytest.raises(MappingError, match=r"source\.encoding: .*convert the file to UTF-8"):
        read(source, tmp_path / "s", encoding="utf-16")


def test_a_delimiter_does_not_apply(tmp_path: Path) -> None:
    source = write(tmp_path / "p.jsonl", lines({"id": "1"}))

    with pytest.raises(MappingError, match=r"source\.delimiter: does not apply to jsonl"):
        read(source, tmp_path / "s", delimiter=";")


def test_rows_are_loaded_in_chunks(tmp_path: Path) -> None:
    source = write(tmp_path / "p.jsonl", lines(*({"id": str(i)} for i in range(250))))

    result = read(source, tmp_path / "s", chunk_rows=100)

    assert result.numbers() == list(range(1, 251))


def test_half_a_surrogate_pair_is_quarantined_and_a_whole_pair_read(tmp_path: Path) -> None:
    # json.loads turns "\ud800" into a character that no UTF-8 text can hold.
    source = write(tmp_path / "p.jsonl", lines(
        '{"id": "1", "first": "Ann\\ud800"}', '{"id": "2", "first": "\\ud83d\\ude00"}',
        '{"id": "3", "first": "Bo", "x": {"y": "\\udfff"}}',
    ))  # fmt: skip

    result = read(source, tmp_path / "s")

    assert [(r["__row"], r["first"]) for r in result.rows] == [(2, "\U0001f600")]
    assert [(q.row_number, q.reason) for q in result.loaded.rejected] == [
        (1, "not valid JSON text: a \\u escape names half a surrogate pair"),
        (3, "not valid JSON text: a \\u escape names half a surrogate pair"),
    ]
