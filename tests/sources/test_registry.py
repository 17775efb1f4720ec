"""The reader registry: who reads what, by content before name, whatever was imported first."""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import ClassVar

import duckdb
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from accord.sources import (
    Loaded,
    MappingError,
    Reader,
    SourceOptions,
    reader_for,
    readers,
    register_reader,
)
from accord.sources import registry as registry_module
from accord.sources.readers.csv import CsvReader
from accord.sources.readers.jsonl import JsonLinesReader


@pytest.mark.parametrize(
    ("source", "kind", "options"),
    [
        ("people.csv", "csv", {}),
        ("people.TXT", "csv", {}),
        ("export.dat", "csv", {}),
        ("people.jsonl", "jsonl", {}),
        ("people.ndjson", "jsonl", {}),
        ("people.xlsx", "excel", {}),
        ("old.XLS", "excel", {}),
        ("council.sqlite", "sql", {"query": "SELECT 1"}),
        ("council.db", "sql", {"query": "SELECT 1"}),
        ("sqlite:///council.sqlite", "sql", {"query": "SELECT 1"}),
        ("postgresql+psycopg://u@h/db", "sql", {"query": "SELECT 1"}),
    ],
)
def test_each_source_goes_to_its_reader(
    tmp_path: Path, source: str, kind: str, options: dict[str, str]
) -> None:
    # The test imports reader modules itself, which must not let CSV claim a .jsonl file.
    assert JsonLinesReader.kind == "jsonl"

    assert reader_for(source, SourceOptions(**options), tmp_path, 100).kind == kind


def test_csv_is_asked_last() -> None:
    assert readers()[-1] is CsvReader


class _Fixed(Reader):
    kind: ClassVar[str] = "fixed"

    @classmethod
    def accepts(cls, source: str) -> bool:
        return source.endswith(".csv")

    def columns(self) -> list[str]:
        return []

    def load(
        self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
        progress: object,
    ) -> Loaded:  # fmt: skip
        return Loaded(rows_read=0)


@pytest.fixture
def third_party() -> Iterator[type[Reader]]:
    registered = register_reader(_Fixed)
    yield registered
    registry_module._readers.remove(_Fixed)


def test_a_third_party_reader_is_asked_before_the_builtins(
    tmp_path: Path, third_party: type[Reader]
) -> None:
    assert readers()[0] is third_party
    assert reader_for("legacy.csv", SourceOptions(), tmp_path, 100).kind == "fixed"


# -- content before name --------------------------------------------------------------

TABLE = pa.table({"id": ["1", "2"], "first": ["Ann", "Bob"]})


def _parquet(path: Path) -> None:
    pq.write_table(TABLE, path)


def _arrow(path: Path) -> None:
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, TABLE.schema) as out:
        out.write_table(TABLE)


def _feather(path: Path) -> None:
    feather.write_feather(TABLE, path)


def _xlsx(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("People")
    for r, row in enumerate([["id", "first"], ["1", "Ann"], ["2", "Bob"]]):
        sheet.write_row(r, 0, row)
    book.close()


def _sqlite(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE people (id TEXT, first TEXT)")
        db.executemany("INSERT INTO people VALUES (?, ?)", [("1", "Ann"), ("2", "Bob")])


def _jsonl(path: Path) -> None:
    path.write_text('{"id": "1", "first": "Ann"}\n{"id": "2", "first": "Bob"}\n')


def _csv(path: Path) -> None:
    path.write_text("id,first\n1,Ann\n2,Bob\n")


MAKERS = {"parquet": _parquet, "arrow": _arrow, "feather": _feather, "excel": _xlsx,
          "sql": _sqlite, "jsonl": _jsonl, "csv": _csv}  # fmt: skip


@pytest.mark.parametrize(
    ("made", "name", "kind", "named"),
    [
        ("parquet", "extract.csv", "parquet", "csv"),
        ("parquet", "extract", "parquet", None),
        ("arrow", "extract.csv", "arrow", "csv"),
        ("feather", "extract.txt", "arrow", "csv"),
        ("feather", "extract.parquet", "arrow", "parquet"),
        ("excel", "extract.csv", "excel", "csv"),
        ("excel", "extract.dat", "excel", None),
        ("sql", "extract.csv", "sql", "csv"),
        ("jsonl", "extract.csv", "jsonl", "csv"),
        ("jsonl", "extract", "jsonl", None),
        ("csv", "extract.jsonl", "csv", "jsonl"),
        ("csv", "extract.parquet", "csv", "parquet"),
        ("csv", "extract.xlsx", "csv", "excel"),
        ("parquet", "extract.parquet", "parquet", None),
    ],
)  # fmt: skip
def test_a_file_is_read_as_its_content_says_and_a_wrong_name_noted(
    tmp_path: Path, made: str, name: str, kind: str, named: str | None
) -> None:
    source = tmp_path / name
    MAKERS[made](source)
    options = SourceOptions(query="SELECT * FROM people") if kind == "sql" else SourceOptions()

    reader = reader_for(str(source), options, tmp_path, 100)

    assert reader.kind == kind
    if named is None:
        assert reader.notes == []
    else:
        assert reader.notes == [
            f"{source}: the content is {kind}, not {named} as the file's name says; read as {kind}"
        ]
    assert reader.columns() == ["id", "first"]


def test_old_and_open_workbooks_are_known_by_their_content(tmp_path: Path) -> None:
    xls = tmp_path / "legacy.csv"
    xls.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504)
    ods = tmp_path / "council.txt"
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    other = tmp_path / "bundle.csv"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("people.csv", "id\n1\n")

    assert reader_for(str(xls), SourceOptions(), tmp_path, 100).kind == "excel"
    assert reader_for(str(ods), SourceOptions(), tmp_path, 100).kind == "excel"
    # A zip that holds no workbook is no workbook: binary, so its name decides.
    assert reader_for(str(other), SourceOptions(), tmp_path, 100).kind == "csv"


def test_json_lines_whose_first_line_is_broken_keep_their_name(tmp_path: Path) -> None:
    source = tmp_path / "p.jsonl"
    source.write_text('not json\n{"id": "1"}\n')

    reader = reader_for(str(source), SourceOptions(), tmp_path, 100)

    assert (reader.kind, reader.notes) == ("jsonl", [])


def test_an_option_for_the_named_format_is_refused_with_the_note(tmp_path: Path) -> None:
    source = tmp_path / "extract.csv"
    _parquet(source)

    with pytest.raises(MappingError) as refused:
        reader_for(str(source), SourceOptions(delimiter=";"), tmp_path, 100)

    assert "source.delimiter: does not apply to parquet sources" in str(refused.value)
    assert "the content is parquet, not csv as the file's name says" in str(refused.value)


def test_a_missing_file_goes_by_its_name(tmp_path: Path) -> None:
    assert reader_for(str(tmp_path / "gone.parquet"), SourceOptions(), tmp_path, 100).kind == (
        "parquet"
    )


def test_a_third_party_reader_may_claim_a_file_by_its_content(tmp_path: Path) -> None:
    class _Magic(_Fixed):
        kind: ClassVar[str] = "magic"

        @classmethod
        def accepts(cls, source: str) -> bool:
            return False

        @classmethod
        def recognises(cls, head: bytes, _path: Path) -> bool:
            return head.startswith(b"MAGIC")

    source = tmp_path / "odd.csv"
    source.write_bytes(b"MAGIC and more")
    register_reader(_Magic)
    try:
        assert reader_for(str(source), SourceOptions(), tmp_path, 100).kind == "magic"
    finally:
        registry_module._readers.remove(_Magic)
