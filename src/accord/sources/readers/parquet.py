"""Parquet files, read a row group at a time through pyarrow.

The mapping's columns are checked against the schema in the file's footer before any
row is read; only those columns are then read, in batches of ``chunk_rows`` (see
``typed`` for how typed values become text and which rows are quarantined). Row numbers
are the row's position in the file, first row = 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pyarrow.parquet as pq

from accord.sources.errors import SourceUnreadable
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

    def _rows(self) -> int | None:
        return int(self._file().metadata.num_rows)

    def _batches(self, columns: list[str]) -> Iterator[pa.RecordBatch]:
        yield from self._file().iter_batches(batch_size=self.chunk_rows, columns=columns)
