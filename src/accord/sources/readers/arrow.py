"""Arrow IPC files: Feather version 2 and ``.arrow`` (the file format), and streams.

The file is memory-mapped: its schema is the first message, read before any row; record
batches are then read one at a time (sliced to ``chunk_rows``) and only the mapping's
columns are kept (see ``typed``). Feather version 1, an older format, is refused with
what to do. Row numbers are the row's position in the file, first row = 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from accord.sources.errors import SourceUnreadable
from accord.sources.readers.typed import TypedReader
from accord.sources.registry import register_reader

FILE_MAGIC = b"ARROW1"
STREAM_MAGIC = b"\xff\xff\xff\xff"
"""An IPC stream starts with a message's continuation marker."""
FEATHER_V1 = b"FEA1"


@register_reader
class ArrowReader(TypedReader):
    """Arrow IPC: Feather v2 (``.feather``), ``.arrow``, ``.ipc`` and streams (``.arrows``)."""

    kind: ClassVar[str] = "arrow"
    label: ClassVar[str] = "Arrow IPC"
    suffixes: ClassVar[tuple[str, ...]] = (".arrow", ".feather", ".ipc", ".arrows")

    @classmethod
    def accepts(cls, source: str) -> bool:
        return "://" not in source and source.lower().endswith(cls.suffixes)

    @classmethod
    def recognises(cls, head: bytes, _path: Path) -> bool:
        return head.startswith((FILE_MAGIC, STREAM_MAGIC, FEATHER_V1))

    def _open(self) -> pa.ipc.RecordBatchFileReader | pa.ipc.RecordBatchStreamReader:
        path = self._path()
        with path.open("rb") as fh:
            head = fh.read(len(FILE_MAGIC))
        if head.startswith(FEATHER_V1):
            raise SourceUnreadable(
                f"{path}: a Feather version 1 file, which is not read; save it again as "
                "Feather version 2 (pyarrow.feather.write_feather's default) or Parquet"
            )
        try:
            source = pa.memory_map(str(path))
            if head.startswith(FILE_MAGIC):
                return pa.ipc.open_file(source)
            return pa.ipc.open_stream(source)
        except (pa.ArrowException, OSError) as exc:
            raise SourceUnreadable(f"{path}: not a readable Arrow IPC file: {exc}") from exc

    def _schema(self) -> pa.Schema:
        return self._open().schema

    def _rows(self) -> int | None:
        return None

    def _batches(self, columns: list[str]) -> Iterator[pa.RecordBatch]:
        reader = self._open()
        if isinstance(reader, pa.ipc.RecordBatchFileReader):
            batches: Iterator[pa.RecordBatch] = (
                reader.get_batch(i) for i in range(reader.num_record_batches)
            )
        else:
            batches = iter(reader)
        for batch in batches:
            batch = batch.select(columns)
            for start in range(0, batch.num_rows, self.chunk_rows):
                yield batch.slice(start, self.chunk_rows)
