"""The reader registry: who reads what, whatever was imported first."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import duckdb
import pytest

from accord.sources import Loaded, Reader, SourceOptions, reader_for, readers, register_reader
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
