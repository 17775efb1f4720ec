"""Delimited text: any encoding and delimiter, quoted newlines, DuckDB's parallel-safe reader.

One pass over the bytes detects the encoding (a BOM; else valid UTF-8; else cp1252 when
every byte is defined there; else latin-1) and counts quote characters. Anything but
UTF-8 is transcoded to a scratch UTF-8 file first, because DuckDB reads UTF-8 (and a
strict latin-1 that refuses cp1252's curly quotes). DuckDB then parses with explicit
columns, keeping rows it cannot parse in a rejects table that becomes quarantine.

DuckDB drops, without a reject, a record whose quote never closes at the end of the
file; an odd number of quote characters betrays it, so it is quarantined here instead.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import duckdb

from accord.people.sql import ident, lit
from accord.sources.errors import SourceUnreadable
from accord.sources.readers.base import Loaded, Progress, Quarantined, Reader, clip
from accord.sources.registry import register_reader

_BLOCK = 8 << 20
_SAMPLE = 256 << 10
# Bytes cp1252 leaves undefined: a file holding them is latin-1, not cp1252.
_CP1252_HOLES = frozenset(b"\x81\x8d\x8f\x90\x9d")
MAX_LINE_BYTES = 32 << 20
"""A record longer than this is quarantined rather than read (a 100 MB "name" is not one)."""


def _ignore(_done: int, _total: int | None) -> None:
    return None


@dataclass(frozen=True)
class _Scan:
    encoding: str
    quotes: int
    size: int


def _scan(path: Path, encoding: str | None, quote: bytes, progress: Progress) -> _Scan:
    """Encoding (detected unless given) and the number of quote bytes, in one pass."""
    size = path.stat().st_size
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok, holes, quotes, done = True, False, 0, 0
    with path.open("rb") as fh:
        head = fh.read(4)
        fh.seek(0)
        while block := fh.read(_BLOCK):
            quotes += block.count(quote)
            if encoding is None and utf8_ok:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    utf8_ok = False
            if encoding is None and not utf8_ok and not holes:
                holes = any(b in _CP1252_HOLES for b in block)
            done += len(block)
            progress(done, size)
    if encoding is None:
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        elif utf8_ok:
            try:
                utf8.decode(b"", final=True)
                encoding = "utf-8"
            except UnicodeDecodeError:
                encoding = "latin-1" if holes else "cp1252"
        else:
            encoding = "latin-1" if holes else "cp1252"
    return _Scan(encoding=encoding, quotes=quotes, size=size)


@register_reader
class CsvReader(Reader):
    """CSV, TSV and other delimited text files."""

    kind: ClassVar[str] = "csv"
    options_allowed: ClassVar[frozenset[str]] = frozenset({"encoding", "delimiter", "quote"})

    @classmethod
    def accepts(cls, source: str) -> bool:
        return "://" not in source

    def _path(self) -> Path:
        path = Path(self.source)
        if not path.is_file():
            raise SourceUnreadable(f"{path}: no such file")
        if path.stat().st_size == 0:
            raise SourceUnreadable(f"{path}: the file is empty (not even a header row)")
        return path

    def _encoding(self) -> str | None:
        if self.options.encoding is None:
            return None
        try:
            return codecs.lookup(self.options.encoding).name
        except LookupError as exc:
            raise SourceUnreadable(
                f"{self.source}: unknown encoding {self.options.encoding!r}"
            ) from exc

    def _sample(self, path: Path, encoding: str) -> str:
        with path.open("rb") as fh:
            raw = fh.read(_SAMPLE)
        return codecs.getincrementaldecoder(encoding)(errors="replace").decode(raw)

    def _dialect(self, sample: str) -> tuple[str, str]:
        quote = self.options.quote or '"'
        if self.options.delimiter:
            return self.options.delimiter, quote
        lines = sample.splitlines()[:50]
        try:
            sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
            return sniffed.delimiter, quote
        except csv.Error:
            first = lines[0] if lines else ""
            return max(",;\t|", key=first.count), quote

    def _header(self, sample: str, delimiter: str, quote: str) -> list[str]:
        rows = csv.reader(io.StringIO(sample), delimiter=delimiter, quotechar=quote)
        for row in rows:
            if any(cell.strip() for cell in row):
                names = [c.strip().lstrip("\ufeff") for c in row]
                break
        else:
            raise SourceUnreadable(f"{self.source}: no header row found")
        seen: set[str] = set()
        for i, name in enumerate(names):
            if not name:
                names[i] = name = f"column_{i + 1}"
            if name in seen:
                raise SourceUnreadable(f"{self.source}: header names column {name!r} twice")
            seen.add(name)
        return names

    def _scanned(self, progress: Progress | None = None) -> _Scan:
        """The one pass over the bytes, made once per reader (header check and load share it)."""
        cached: _Scan | None = getattr(self, "_scan_result", None)
        if cached is None:
            quote = (self.options.quote or '"').encode()
            cached = _scan(self._path(), self._encoding(), quote, progress or _ignore)
            self._scan_result = cached
        return cached

    def columns(self) -> list[str]:
        path = self._path()
        sample = self._sample(path, self._scanned().encoding)
        delimiter, quote = self._dialect(sample)
        return self._header(sample, delimiter, quote)

    def _utf8_file(self, path: Path, encoding: str, progress: Progress) -> Path:
        if encoding in ("utf-8", "utf-8-sig"):
            return path
        out = self.scratch / "transcoded.csv"
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        size, done = path.stat().st_size, 0
        with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
            while block := src.read(_BLOCK):
                try:
                    dst.write(decoder.decode(block))
                except UnicodeDecodeError as exc:
                    raise SourceUnreadable(
                        f"{path}: not valid {encoding} near byte {done + exc.start}"
                    ) from exc
                done += len(block)
                progress(done, size)
            dst.write(decoder.decode(b"", final=True))
        return out

    def load(
        self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
        progress: Progress,
    ) -> Loaded:  # fmt: skip
        path = self._path()
        scan = self._scanned(progress)
        sample = self._sample(path, scan.encoding)
        delimiter, quote = self._dialect(sample)
        header = self._header(sample, delimiter, quote)
        text = self._utf8_file(path, scan.encoding, progress)
        self._read(conn, text, header, delimiter, quote)
        rejected = self._rejects(conn)
        self._number_rows(conn, table, columns, rejected)
        good = conn.execute("SELECT count(*) FROM _csv_raw").fetchone()
        rows_read = (good[0] if good else 0) + len({r.row_number for r in rejected})
        if scan.quotes % 2 and not any("quote" in r.reason.lower() for r in rejected):
            rejected.append(self._runaway_quote(path, rows_read))
            rows_read += 1
        return Loaded(rows_read=rows_read, rejected=rejected)

    def _read(
        self, conn: duckdb.DuckDBPyConnection, path: Path, header: list[str], delimiter: str,
        quote: str,
    ) -> None:  # fmt: skip
        types = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in header) + "}"
        # parallel=false keeps WITH ORDINALITY in file order, which row numbers rely on.
        conn.execute(f"""
            CREATE TABLE _csv_raw AS SELECT ordinality AS __ord, * FROM read_csv(
                {lit(str(path))}, delim={lit(delimiter)}, quote={lit(quote)},
                escape={lit(quote)}, header=true, auto_detect=false, columns={types},
                store_rejects=true, rejects_table='_csv_rejects', rejects_scan='_csv_scans',
                parallel=false, max_line_size={MAX_LINE_BYTES}, encoding='utf-8'
            ) WITH ORDINALITY""")

    def _rejects(self, conn: duckdb.DuckDBPyConnection) -> list[Quarantined]:
        rows = conn.execute(
            "SELECT line, column_name, error_type, error_message, csv_line "
            "FROM _csv_rejects ORDER BY line, column_idx"
        ).fetchall()
        conn.execute("DROP TABLE _csv_rejects; DROP TABLE _csv_scans")
        return [
            Quarantined(
                row_number=int(line),
                column=column,
                reason=f"{str(kind).lower().replace('_', ' ')}: {message}",
                raw=clip(raw),
            )
            for line, column, kind, message, raw in rows
        ]

    def _number_rows(
        self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
        rejected: list[Quarantined],
    ) -> None:  # fmt: skip
        """``__row`` = the record's line (header = 1), skipping over rejected records.

        The k-th good record follows every rejected record ``j`` (1-based, in order) with
        fewer than k good records before it, i.e. ``line_j - 1 - j < k``.
        """
        cols = ", ".join(f"r.{ident(c)}" for c in columns)
        lines = sorted({r.row_number for r in rejected if r.row_number is not None})
        if not lines:
            # A view, not a copy: the common case costs nothing more than the read.
            conn.execute(f"CREATE VIEW {ident(table)} AS SELECT r.__ord + 1 AS __row, {cols} "
                         "FROM _csv_raw r")  # fmt: skip
            return
        values = ", ".join(f"({line - 2 - j}, {j + 1})" for j, line in enumerate(lines))
        conn.execute(f"""
            CREATE TABLE {ident(table)} AS
            SELECT r.__ord + 1 + coalesce(b.skipped, 0) AS __row, {cols}
            FROM _csv_raw r ASOF LEFT JOIN (
                SELECT before, max(skipped) AS skipped FROM (VALUES {values}) v(before, skipped)
                GROUP BY before
            ) b ON b.before < r.__ord""")

    def _runaway_quote(self, path: Path, rows_read: int) -> Quarantined:
        with path.open("rb") as fh:
            fh.seek(max(0, path.stat().st_size - 512))
            tail = fh.read().decode("utf-8", errors="replace")
        return Quarantined(
            row_number=rows_read + 2,
            column=None,
            reason="unterminated quote: a quoted field runs to the end of the file, "
            "so the records from here on could not be read",
            raw=clip(tail),
        )
