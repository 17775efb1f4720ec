"""Parquet files, read by DuckDB's own Parquet reader.

The mapping's columns are checked against the schema in the file's footer (read with
pyarrow) before any row is read; DuckDB then reads only those columns, row group by row
group on every thread, numbering each row by its position in the file (first row = 1).
See ``typed`` for how typed values become text and which rows are quarantined.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from accord.people import ident, lit
from accord.sources.errors import SourceUnreadable
from accord.sources.readers.base import Progress
from accord.sources.readers.typed import TypedReader
from accord.sources.registry import register_reader

MAGIC = b"PAR1"


@register_reader
class ParquetReader(TypedReader):
    """Apache Parquet (``.parquet``, ``.pq``, ``.parq``)."""

    kind: ClassVar[str] = "parquet"
    label: ClassVar[str] = "Parquet"
    suffixes: ClassVar[tuple[str, ...]] = (".parquet", ".pq", ".parq")

    @classmethod
    def accepts(cls, source: str) -> bool:
        return "://" not in source and source.lower().endswith(cls.suffixes)

    @classmethod
    def recognises(cls, head: bytes, _path: Path) -> bool:
        return head.startswith(MAGIC)

    def _file(self) -> pq.ParquetFile:
        path = self._path()
        try:
            return pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as exc:
            raise SourceUnreadable(f"{path}: not a readable Parquet file: {exc}") from exc

    def _schema(self) -> pa.Schema:
        return self._file().schema_arrow

    def _scan(
        self, _conn: duckdb.DuckDBPyConnection, columns: list[str], progress: Progress
    ) -> str:
        # DuckDB's own reader: row groups on every thread, only the columns asked for.
        progress(0, int(self._file().metadata.num_rows))
        cols = ", ".join(ident(c) for c in columns)
        return (
            f"(SELECT file_row_number + 1 AS __row, {cols} FROM read_parquet("
            f"{lit(str(self._path()))}, file_row_number = true))"
        )
