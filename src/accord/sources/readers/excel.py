"""Excel workbooks (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) through calamine.

python-calamine (Rust) reads a million-row sheet several times faster than openpyxl and
hands over typed cells: dates arrive as dates, numbers as floats, and
:func:`~accord.sources.cells.cell_text` turns both into the text the standardisers read.
Row numbers are the sheet's own (header row as Excel numbers it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import python_calamine

from accord.sources.cells import cell_text
from accord.sources.errors import MappingError, SourceUnreadable
from accord.sources.readers.base import ChunkWriter, Loaded, Progress, Reader
from accord.sources.registry import register_reader


@register_reader
class ExcelReader(Reader):
    """One sheet of a workbook: the first, or ``source: {sheet: NAME}``."""

    kind: ClassVar[str] = "excel"
    options_allowed: ClassVar[frozenset[str]] = frozenset({"sheet"})

    @classmethod
    def accepts(cls, source: str) -> bool:
        return source.lower().endswith((".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"))

    def _sheet(self) -> Any:
        path = Path(self.source)
        if not path.is_file():
            raise SourceUnreadable(f"{path}: no such file")
        try:
            book = python_calamine.CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises several unrelated types for bad files
            raise SourceUnreadable(f"{path}: not a readable workbook: {exc}") from exc
        names = list(book.sheet_names)
        name = self.options.sheet or (names[0] if names else None)
        if name not in names:
            raise MappingError(
                f"source.sheet: no sheet {name!r} in {path} (sheets: {', '.join(names)})"
            )
        return book.get_sheet_by_name(name)

    def _rows(self) -> tuple[int, Iterator[list[Any]]]:
        sheet = self._sheet()
        start_row = int(sheet.start[0]) if sheet.start else 0
        return start_row, iter(sheet.iter_rows())

    def columns(self) -> list[str]:
        _start, rows = self._rows()
        header = next(rows, None)
        if header is None:
            raise SourceUnreadable(f"{self.source}: the sheet is empty (no header row)")
        names = [cell_text(c) or f"column_{i + 1}" for i, c in enumerate(header)]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise SourceUnreadable(f"{self.source}: header names {sorted(duplicates)} twice")
        return names

    def load(
        self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
        progress: Progress,
    ) -> Loaded:  # fmt: skip
        header = self.columns()
        start, rows = self._rows()
        next(rows, None)
        index = [header.index(c) for c in columns]
        writer = ChunkWriter(conn, table, columns)
        numbers: list[int] = []
        values: list[list[str | None]] = [[] for _ in columns]
        read = 0
        # Excel numbers rows from 1 and the header is the first row of the used range.
        for offset, row in enumerate(rows, start=start + 2):
            if not any(c not in ("", None) for c in row):
                continue
            read += 1
            numbers.append(offset)
            for i, j in enumerate(index):
                values[i].append(cell_text(row[j]) if j < len(row) else None)
            if len(numbers) >= self.chunk_rows:
                writer.append(numbers, values)
                numbers, values = [], [[] for _ in columns]
                progress(read, None)
        writer.append(numbers, values)
        progress(read, read)
        return Loaded(rows_read=read)
