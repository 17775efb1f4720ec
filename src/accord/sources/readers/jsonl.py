"""JSON lines: one JSON object per line; a line that is not one is quarantined."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import duckdb

from accord.sources.cells import cell_text
from accord.sources.errors import SourceUnreadable
from accord.sources.readers.base import ChunkWriter, Loaded, Progress, Quarantined, Reader, clip
from accord.sources.registry import register_reader

_HEADER_SAMPLE = 1000


@register_reader
class JsonLinesReader(Reader):
    """Newline-delimited JSON (``.jsonl``, ``.ndjson``); nested values are kept as JSON."""

    kind: ClassVar[str] = "jsonl"
    options_allowed: ClassVar[frozenset[str]] = frozenset({"encoding"})

    @classmethod
    def accepts(cls, source: str) -> bool:
        return source.lower().endswith((".jsonl", ".ndjson", ".jsonl.txt"))

    def _path(self) -> Path:
        path = Path(self.source)
        if not path.is_file():
            raise SourceUnreadable(f"{path}: no such file")
        if path.stat().st_size == 0:
            raise SourceUnreadable(f"{path}: the file is empty")
        return path

    def columns(self) -> list[str]:
        """Keys of the first objects: a JSON-lines file has no header."""
        keys: dict[str, None] = {}
        with self._path().open(encoding=self.options.encoding or "utf-8-sig") as fh:
            for i, line in enumerate(fh):
                if i >= _HEADER_SAMPLE:
                    break
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(obj, dict):
                    keys.update(dict.fromkeys(obj))
        return list(keys)

    def load(
        self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
        progress: Progress,
    ) -> Loaded:  # fmt: skip
        path = self._path()
        size = path.stat().st_size
        writer = ChunkWriter(conn, table, columns)
        rejected: list[Quarantined] = []
        rows: list[int] = []
        values: list[list[str | None]] = [[] for _ in columns]
        read = 0
        with path.open(encoding=self.options.encoding or "utf-8-sig", errors="strict") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                read += 1
                obj = self._parse(line, number, rejected)
                if obj is None:
                    continue
                rows.append(number)
                for i, col in enumerate(columns):
                    values[i].append(cell_text(obj.get(col)))
                if len(rows) >= self.chunk_rows:
                    writer.append(rows, values)
                    rows, values = [], [[] for _ in columns]
                    progress(fh.buffer.tell() if hasattr(fh, "buffer") else 0, size)
        writer.append(rows, values)
        progress(size, size)
        return Loaded(rows_read=read, rejected=rejected)

    def _parse(
        self, line: str, number: int, rejected: list[Quarantined]
    ) -> dict[str, object] | None:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            rejected.append(Quarantined(number, None, f"not valid JSON: {exc.msg}", clip(line)))
            return None
        if not isinstance(obj, dict):
            kind = type(obj).__name__
            rejected.append(Quarantined(number, None, f"not a JSON object but {kind}", clip(line)))
            return None
        return obj
