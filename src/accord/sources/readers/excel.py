"""Excel workbooks (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) through calamine.

python-calamine (Rust) reads a million-row sheet several times faster than openpyxl and
hands over typed cells: dates arrive as dates, numbers as floats, and
:func:`~accord.sources.cells.cell_text` turns both into the text the standardisers read.
Row numbers are the sheet's own, as Excel shows them; blank rows above the header are skipped.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import python_calamine

from accord.sources.cells import cell_text
from accord.sources.errors import MappingError, SourceUnreadable
from accord.sources.readers.base import ChunkWriter, Loaded, Progress, Reader
from accord.sources.registry import register_reader

_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
_ODS = b"application/vnd.oasis.opendocument.spreadsheet"


@register_reader
class ExcelReader(Reader):
    """One sheet of a workbook: the first, or ``source: {sheet: NAME}``."""

    kind: ClassVar[str] = "excel"
    options_allowed: ClassVar[frozenset[str]] = frozenset({"sheet"})
    suffixes: ClassVar[tuple[str, ...]] = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
    binary: ClassVar[bool] = True

    @classmethod
    def accepts(cls, source: str) -> bool:
        return source.lower().endswith(cls.suffixes)

    @classmethod
    def recognises(cls, head: bytes, path: Path) -> bool:
        """An old binary workbook (an OLE2 file), or a zip holding a workbook: Office
        Open XML (``xl/workbook.xml``, ``.bin``) or OpenDocument (its ``mimetype``)."""
        if head.startswith(_OLE2):
            return True
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(path) as archive:  # reads the directory at the end only
                names = set(archive.namelist())
                if names & {"xl/workbook.xml", "xl/workbook.bin"}:
                    return True
                return "mimetype" in names and archive.read("mimetype").startswith(_ODS)
        except (zipfile.BadZipFile, OSError, KeyError):
            return False

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

    def _table(self) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
        """Header names and the rows below the header, numbered.

        Rows are numbered as Excel shows them. calamine starts the used range at the
        first cell with a value, but depending on its version ``iter_rows`` yields the
        blank rows above it too; a blank first row tells which.
        """
        sheet = self._sheet()
        start = int(sheet.start[0]) if sheet.start else 0
        rows = iter(sheet.iter_rows())
        first = next(rows, None)
        base = 1 if start and first is not None and _blank(first) else start + 1
        numbered = enumerate(chain([first] if first is not None else [], rows), start=base)
        for _number, row in numbered:
            if not _blank(row):
                names = [(cell_text(c) or "").strip() or f"column_{i + 1}"
                         for i, c in enumerate(row)]  # fmt: skip
                break
        else:
            raise SourceUnreadable(f"{self.source}: the sheet is empty (no header row)")
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise SourceUnreadable(f"{self.source}: header names {sorted(duplicates)} twice")
        return names, numbered

    def columns(self) -> list[str]:
        return self._table()[0]

    def load(
        self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
        progress: Progress,
    ) -> Loaded:  # fmt: skip
        header, rows = self._table()
        index = [header.index(c) for c in columns]
        writer = ChunkWriter(conn, table, columns)
        numbers: list[int] = []
        values: list[list[str | None]] = [[] for _ in columns]
        read = 0
        for number, row in rows:
            if _blank(row):
                continue
            read += 1
            numbers.append(number)
            for i, j in enumerate(index):
                values[i].append(cell_text(row[j]) if j < len(row) else None)
            if len(numbers) >= self.chunk_rows:
                writer.append(numbers, values)
                numbers, values = [], [[] for _ in columns]
                progress(read, None)
        writer.append(numbers, values)
        progress(read, read)
        return Loaded(rows_read=read)


def _blank(row: Sequence[Any]) -> bool:
    return all(c in ("", None) or (isinstance(c, str) and not c.strip()) for c in row)
