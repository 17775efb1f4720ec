"""Delimited text: any encoding and delimiter, quoted newlines, DuckDB's fast reader.

One pass over the bytes detects the encoding (a BOM; else valid UTF-8; else cp1252 when
every byte is defined there; else latin-1), counts quote characters and notices blank
lines. Anything but UTF-8 is transcoded to a scratch UTF-8 file, because DuckDB reads
UTF-8 (and a strict latin-1 that refuses cp1252's curly quotes): in that same pass when
the mapping declares the encoding, in a second one when it was detected. DuckDB then
parses with explicit columns, keeping rows it cannot parse in a rejects table that
becomes quarantine.

Row numbers are the record's position in the file, header = 1, as a spreadsheet shows
it. DuckDB numbers rejected records that way, and keeps the others in file order (their
position is the table's rowid, with both threads parsing), but it skips blank lines when
it counts them, and it has been known to drop, without a reject, a record whose quote
never closes at the end of the file. Either is rare and betrayed by the byte pass (a
blank line, an odd number of quote characters); only then does a census with Python's
csv module find the exact record numbers of the blank lines and of the record left open.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import ClassVar

import duckdb
import numpy as np
import pyarrow as pa
from duckdb.func import PythonUDFType

from accord.people import ident, lit
from accord.sources.errors import SourceUnreadable
from accord.sources.readers.base import MAX_RAW_TEXT, Loaded, Progress, Quarantined, Reader, clip
from accord.sources.registry import register_reader
from accord.store import excerpt

_BLOCK = 8 << 20
MAX_HEADER_BYTES = 1 << 20
"""The header row (with any blank lines before it) must end within the file's first
MiB: the header is read whole, never cut, and a file whose first MiB holds no whole
record is refused as not a CSV this reader can use."""
MAX_COLUMNS = 4_096
"""The most columns a header may name: more than PostgreSQL (1,600) or SQLite (2,000)
let a table have, and DuckDB's set-up time grows fast beyond it (9 s at 4,096 columns,
3 minutes at 16,384 on our machines)."""
_SNIFF = 64 << 10
"""Characters of the file's start the delimiter is sniffed from."""
# Bytes cp1252 leaves undefined: a file holding them is latin-1, not cp1252.
_CP1252_HOLES = re.compile(b"[\x81\x8d\x8f\x90\x9d]")
_BLANK_LINE = re.compile(b"\n\r?\n")
_WIDE = ("utf-16", "utf-32")
_END = "\ue000accord: end of file\ue000"
"""Fed to the census after the last line: a quote still open at the end swallows it."""
MAX_LINE_BYTES = 32 << 20
"""A record longer than this is quarantined rather than read (a 100 MB "name" is not one)."""


def _ignore(_done: int, _total: int | None) -> None:
    return None


@dataclass(frozen=True)
class _Scan:
    encoding: str
    quotes: int
    c1: bool
    """Whether a byte 0x80-0x9F occurs: the bytes where cp1252 and latin-1 part ways."""
    blank_lines: bool
    """Whether a blank line may come before the end of the last record."""


@dataclass(frozen=True)
class _Layout:
    encoding: str
    scan: _Scan | None
    """The byte pass, when detecting the encoding needed it; else load makes it."""
    delimiter: str
    quote: str
    header: list[str]
    header_row: int
    """The header's record number: 1 unless blank rows come first."""
    skip_lines: int
    """Physical lines before the header, for DuckDB's ``skip``."""


@dataclass(frozen=True)
class _Census:
    blank_rows: list[int]
    open_row: int | None
    open_text: str | None


def _scan(
    path: Path, encoding: str | None, quote: bytes, progress: Progress,
    transcode: Path | None = None,
) -> _Scan:  # fmt: skip
    """Encoding (detected, or checked when UTF-8 is declared), quotes and blank lines.

    With ``transcode`` (and a declared encoding other than UTF-8), the same pass writes
    the text there as UTF-8.
    """
    size = path.stat().st_size
    check_utf8 = encoding in (None, "utf-8", "utf-8-sig")
    utf8 = codecs.getincrementaldecoder("utf-8")()
    bad_utf8: int | None = None
    check_c1 = encoding is None or _latin(encoding)
    holes, c1, quotes, done = False, False, 0, 0
    first_blank: int | None = None
    carry, last = b"", b""
    with path.open("rb") as fh, _Transcoder(path, encoding, transcode) as sink:
        head = fh.read(4)
        fh.seek(0)
        while block := fh.read(_BLOCK):
            sink.write(block, done)
            quotes += block.count(quote)
            if check_utf8 and bad_utf8 is None:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError as exc:
                    bad_utf8 = done + exc.start
            if encoding is None and not holes:
                holes = _CP1252_HOLES.search(block) is not None
            if check_c1 and not c1:
                c1 = bool(block.translate(None, _NOT_C1))
            if first_blank is None and (found := _BLANK_LINE.search(carry + block)):
                first_blank = done - len(carry) + found.start()
            carry, last = block[-2:], block
            done += len(block)
            progress(done, size)
    if check_utf8 and bad_utf8 is None:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            bad_utf8 = size
    # Blank lines among the trailing newlines follow every record and shift no number.
    trailing = size - (len(last) - len(last.rstrip(b"\r\n")))
    blank = first_blank is not None and first_blank < trailing
    if encoding is None:
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        elif bad_utf8 is None:
            encoding = "utf-8"
        else:
            encoding = "latin-1" if holes else "cp1252"
    elif bad_utf8 is not None:
        raise SourceUnreadable(
            f"{path}: not valid {encoding} near byte {bad_utf8}; "
            "remove source.encoding from the mapping to detect the encoding"
        )
    return _Scan(
        encoding=encoding, quotes=quotes, c1=c1, blank_lines=blank or encoding.startswith(_WIDE)
    )


def _census(path: Path, encoding: str, delimiter: str, quote: str) -> _Census | None:
    """Exact record numbers of blank lines, and of a record whose quote never closes.

    None when a field is too long for the csv module to hold.
    """
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_LINE_BYTES)
    blanks: list[int] = []
    number, last = 0, []
    try:
        with path.open(encoding=encoding, newline="") as fh:
            for last in csv.reader(chain(fh, [_END]), delimiter=delimiter, quotechar=quote):
                number += 1
                if not last:
                    blanks.append(number)
    except csv.Error:
        return None
    finally:
        csv.field_size_limit(limit)
    text = delimiter.join(last)
    if last == [_END] or not text.endswith(_END):
        return _Census(blanks, None, None)
    return _Census(blanks, number, text.removesuffix(_END).rstrip("\r\n"))


_UTF8 = ("utf-8", "utf-8-sig")
_NOT_C1 = bytes(b for b in range(256) if not 0x80 <= b <= 0x9F)
"""Every byte but 0x80-0x9F: deleting them leaves the bytes where cp1252 and latin-1 differ."""


def _latin(encoding: str) -> bool:
    """Whether ``encoding`` is cp1252 or latin-1, which agree on every byte outside 0x80-0x9F."""
    return codecs.lookup(encoding).name in ("cp1252", "iso8859-1")


class _Transcoder:
    """Writes blocks of ``encoding`` to ``out`` as UTF-8; does nothing without ``out``."""

    def __init__(self, path: Path, encoding: str | None, out: Path | None) -> None:
        self.path, self.encoding = path, encoding
        self.active = out is not None and encoding is not None and encoding not in _UTF8
        self.decoder = codecs.getincrementaldecoder(encoding or "utf-8")(errors="strict")
        self.out = out.open("w", encoding="utf-8", newline="") if self.active and out else None

    def write(self, block: bytes, offset: int, final: bool = False) -> None:
        if self.out is None:
            return
        try:
            self.out.write(self.decoder.decode(block, final=final))
        except UnicodeDecodeError as exc:
            raise SourceUnreadable(
                f"{self.path}: not valid {self.encoding} near byte {offset + exc.start}"
            ) from exc

    def __enter__(self) -> _Transcoder:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if self.out is None:
            return
        try:
            if kind is None:
                self.write(b"", 0, final=True)
        finally:
            self.out.close()


@register_reader
class CsvReader(Reader):
    """CSV, TSV and other delimited text files."""

    kind: ClassVar[str] = "csv"
    options_allowed: ClassVar[frozenset[str]] = frozenset({"encoding", "delimiter", "quote"})
    suffixes: ClassVar[tuple[str, ...]] = (".csv", ".tsv", ".txt", ".tab", ".psv")
    any_text: ClassVar[bool] = True

    @classmethod
    def accepts(cls, source: str) -> bool:
        return "://" not in source

    @classmethod
    def recognises(cls, head: bytes, _path: Path) -> bool:
        """Any text: no NUL byte, unless a UTF-16 or UTF-32 byte-order mark explains it."""
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return True
        return bool(head) and b"\x00" not in head

    def _path(self, empty: str = "the file is empty (not even a header row)") -> Path:
        return super()._path(empty)

    def _encoding(self) -> str | None:
        if self.options.encoding is None:
            return None
        try:
            return codecs.lookup(self.options.encoding).name
        except LookupError as exc:
            raise SourceUnreadable(
                f"{self.source}: unknown encoding {self.options.encoding!r}"
            ) from exc

    def _sample(self, path: Path, encoding: str) -> tuple[str, bool]:
        """The text of the file's first :data:`MAX_HEADER_BYTES`, and whether that is
        all of it."""
        with path.open("rb") as fh:
            raw = fh.read(MAX_HEADER_BYTES + 1)
        whole = len(raw) <= MAX_HEADER_BYTES
        text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(
            raw[:MAX_HEADER_BYTES], final=whole
        )
        return text, whole

    def _dialect(self, sample: str) -> tuple[str, str]:
        quote = self.options.quote or '"'
        if self.options.delimiter:
            return self.options.delimiter, quote
        lines = [line for line in sample[:_SNIFF].splitlines()[:50] if line.strip()]
        try:
            sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
            return sniffed.delimiter, quote
        except csv.Error:
            first = lines[0] if lines else ""
            return max(",;\t|", key=first.count), quote

    def _header(
        self, sample: tuple[str, bool], delimiter: str, quote: str
    ) -> tuple[list[str], int, int]:
        """Header names, the header's record number and the physical lines before it.

        The header is the first record with a value, read whole from the sample; one
        that runs past the sample's end (when the file goes on) is refused rather than
        cut, since a cut header names a column that is not there.
        """
        text, whole = sample
        consumed: list[str] = []

        def lines() -> Iterator[str]:
            for line in io.StringIO(text, newline=""):
                consumed.append(line)
                yield line

        rows = csv.reader(lines(), delimiter=delimiter, quotechar=quote)
        skipped, before = 0, 0
        try:
            for row in rows:
                if any(cell.strip() for cell in row):
                    names = [c.strip().lstrip("\ufeff") for c in row]
                    break
                skipped, before = skipped + 1, rows.line_num
            else:
                raise SourceUnreadable(f"{self.source}: no header row found")
        except csv.Error as exc:
            raise SourceUnreadable(f"{self.source}: cannot read the header row: {exc}") from exc
        if not whole and not consumed[-1].endswith(("\n", "\r")):
            raise SourceUnreadable(
                f"{self.source}: the header row does not end within the first "
                f"{MAX_HEADER_BYTES >> 20} MiB of the file, the most read for a header "
                "(docs/sources.md): is this a delimited text file?"
            )
        return self._named(names), skipped + 1, before

    def _named(self, names: list[str]) -> list[str]:
        if len(names) > MAX_COLUMNS:
            raise SourceUnreadable(f"{self.source}: the header names {len(names):,} columns; "
                                   f"a source may have at most {MAX_COLUMNS:,}")  # fmt: skip
        seen: set[str] = set()
        for i, name in enumerate(names):
            if not name:
                names[i] = name = f"column_{i + 1}"
            if name in seen:
                raise SourceUnreadable(
                    f"{self.source}: header names column {excerpt(name)} twice "
                    f"(columns {names.index(name) + 1} and {i + 1})"
                )
            seen.add(name)
        return names

    def _layout(self, progress: Progress | None = None) -> _Layout:
        """Encoding, dialect and header, made once per reader (columns and load share it).

        Detecting the encoding takes a pass over every byte; a declared one needs only
        the sample, and load makes its byte pass while transcoding.
        """
        cached: _Layout | None = getattr(self, "_cached_layout", None)
        if cached is None:
            path = self._path()
            quote = self.options.quote or '"'
            scan, encoding = None, self._encoding()
            if encoding is None:
                scan = _scan(path, None, quote.encode(), progress or _ignore)
                encoding = scan.encoding
            sample = self._sample(path, encoding)
            delimiter, quote = self._dialect(sample[0])
            header, header_row, skip_lines = self._header(sample, delimiter, quote)
            cached = _Layout(encoding, scan, delimiter, quote, header, header_row, skip_lines)
            self._cached_layout = cached
        return cached

    def columns(self) -> list[str]:
        return list(self._layout().header)

    def _transcode(self, path: Path, encoding: str, out: Path, progress: Progress) -> None:
        size, done = path.stat().st_size, 0
        with path.open("rb") as src, _Transcoder(path, encoding, out) as sink:
            while block := src.read(_BLOCK):
                sink.write(block, done)
                done += len(block)
                progress(done, size)

    def load(
        self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
        progress: Progress,
    ) -> Loaded:  # fmt: skip
        path = self._path()
        layout = self._layout(progress)
        encoding, scan = layout.encoding, layout.scan
        # DuckDB decodes UTF-8, and latin-1 when no byte 0x80-0x9F occurs (where cp1252
        # differs, and which DuckDB refuses): such cp1252 and latin-1 files are read as
        # they are; anything else is transcoded to UTF-8 first.
        latin = _latin(encoding)
        direct = encoding in _UTF8 or latin
        utf8 = self.scratch / "transcoded.csv"
        transcoded = False
        if scan is None:
            # A declared encoding: the byte pass transcodes as it goes, if it must.
            scan = _scan(path, encoding, layout.quote.encode(), progress, None if direct else utf8)
            transcoded = not direct
        if direct and not (latin and scan.c1):
            text, read_as = path, "latin-1" if latin else "utf-8"
        else:
            if not transcoded:
                self._transcode(path, encoding, utf8, progress)
            text, read_as = utf8, "utf-8"
        self._read(conn, text, layout, read_as)
        rejected = self._rejects(conn)
        census = None
        if scan.blank_lines or scan.quotes % 2:
            decode = "utf-8-sig" if read_as == "utf-8" else read_as
            census = _census(text, decode, layout.delimiter, layout.quote)
        bad = {r.row_number for r in rejected if r.row_number is not None}
        blanks = [n for n in census.blank_rows if n > layout.header_row] if census else []
        # fetchall: a result left open blocks creating a function on this connection.
        (good,) = conn.execute("SELECT count(*) FROM _csv_raw").fetchall()
        self._number_rows(conn, table, columns, sorted(bad | set(blanks)), layout.header_row)
        rows_read = int(good[0]) + len(bad)
        runaway = self._runaway(census, scan, layout, rejected, rows_read, path)
        if runaway is not None:
            rejected.append(runaway)
            rows_read += 1
        size = path.stat().st_size
        progress(size, size)
        return Loaded(rows_read=rows_read, rejected=rejected)

    def _read(
        self, conn: duckdb.DuckDBPyConnection, path: Path, layout: _Layout, encoding: str
    ) -> None:
        types = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in layout.header) + "}"
        # DuckDB keeps insertion order, so rowid is the kept record's position even when
        # both threads parse; row numbers rely on it.
        conn.execute(f"""
            CREATE TABLE _csv_raw AS SELECT * FROM read_csv(
                {lit(str(path))}, delim={lit(layout.delimiter)}, quote={lit(layout.quote)},
                escape={lit(layout.quote)}, header=true, skip={layout.skip_lines},
                auto_detect=false, columns={types}, store_rejects=true,
                rejects_table='_csv_rejects', rejects_scan='_csv_scans',
                max_line_size={MAX_LINE_BYTES}, encoding={lit(encoding)}
            )""")

    def _rejects(self, conn: duckdb.DuckDBPyConnection) -> list[Quarantined]:
        # Only the start of a bad line comes back to Python: it may be 100 MB long.
        rows = conn.execute(
            "SELECT line, column_name, error_type, error_message, "
            f"left(trim(csv_line, chr(13) || chr(10)), {MAX_RAW_TEXT}), "
            "length(trim(csv_line, chr(13) || chr(10))) "
            "FROM _csv_rejects ORDER BY line, column_idx"
        ).fetchall()
        conn.execute("DROP TABLE _csv_rejects; DROP TABLE _csv_scans")
        # DuckDB reports a row with two extra values twice ("found 4", then "found 5"):
        # keep one entry per row and kind of error, the last for extra values.
        kept: dict[tuple[int, str], Quarantined] = {}
        for line, column, kind, message, raw, length in rows:
            key = (int(line), str(kind))
            if key in kept and not str(kind).lower().startswith("too many columns"):
                continue
            reason = _reason(str(kind), str(message))
            kept[key] = Quarantined(int(line), column, reason, _excerpt(raw, length))
        return list(kept.values())

    def _number_rows(
        self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
        gaps: list[int], header_row: int,
    ) -> None:  # fmt: skip
        """``__row`` = the record's number (header = ``header_row``), skipping ``gaps``.

        A view over the parsed rows, so they are read once, by the standardisation, in
        file order. ``gaps`` are the sorted numbers of records DuckDB did not keep
        (rejected or blank). The kept record at (0-based) position ``p`` follows every gap
        ``j`` (0-based) with ``gap_j - header_row - 1 - j <= p``: a binary search per
        chunk of rows in a DuckDB function, since a join would let DuckDB reorder them.
        """
        cols = ", ".join(f"r.{ident(c)}" for c in columns)
        number = f"r.rowid + {header_row + 1}"
        if gaps:
            conn.create_function(
                _GAPS_BEFORE, _gaps_before([g - header_row - 1 - j for j, g in enumerate(gaps)]),
                ["BIGINT"], "BIGINT", type=PythonUDFType.ARROW, side_effects=False,
            )  # fmt: skip
            number += f" + {_GAPS_BEFORE}(r.rowid)"
        conn.execute(
            f"CREATE VIEW {ident(table)} AS SELECT {number} AS __row, {cols} FROM _csv_raw r"
        )

    def _runaway(
        self, census: _Census | None, scan: _Scan, layout: _Layout, rejected: list[Quarantined],
        rows_read: int, path: Path,
    ) -> Quarantined | None:  # fmt: skip
        """The record DuckDB dropped because its quote never closes, if there is one."""
        if census is not None:
            if census.open_row is None or any(r.row_number == census.open_row for r in rejected):
                return None
            return Quarantined(census.open_row, None, _RUNAWAY, clip(census.open_text))
        if not scan.quotes % 2 or any("quote" in r.reason.lower() for r in rejected):
            return None
        # No census (a field too long for it): the odd quote count is all there is to go on.
        with path.open("rb") as fh:
            fh.seek(max(0, path.stat().st_size - 512))
            tail = fh.read().decode(layout.encoding, errors="replace")
        return Quarantined(layout.header_row + rows_read + 1, None, _RUNAWAY, clip(tail))


_GAPS_BEFORE = "accord_csv_gaps_before"


def _gaps_before(before: list[int]) -> Callable[[pa.Array | pa.ChunkedArray], pa.Array]:
    """A DuckDB function body: for each position, how many of ``before`` are at most it."""
    bounds = np.asarray(before, dtype=np.int64)

    def count(positions: pa.Array | pa.ChunkedArray) -> pa.Array:
        if isinstance(positions, pa.ChunkedArray):
            positions = positions.combine_chunks()
        # Straight from the buffer: pyarrow's to_numpy() imports pandas, most of a second.
        values = np.frombuffer(
            positions.buffers()[1],
            dtype=np.int64,
            count=len(positions),
            offset=positions.offset * 8,
        )
        found = np.searchsorted(bounds, values, side="right").astype(np.int64)
        return pa.Array.from_buffers(pa.int64(), len(found), [None, pa.py_buffer(found)])

    return count


_RUNAWAY = (
    "unterminated quote: a quoted field runs to the end of the file, "
    "so the records from here on could not be read"
)


def _reason(kind: str, message: str) -> str:
    kind = kind.lower().replace("_", " ")
    if kind == "line size over maximum":
        return f"line too long (over {MAX_LINE_BYTES} bytes): {message}"
    return f"{kind}: {message}"


def _excerpt(raw: str | None, length: int | None) -> str | None:
    # DuckDB itself keeps only the start of a long line, so the full length is unknown.
    if raw is None or length is None or length <= MAX_RAW_TEXT:
        return raw
    return raw + f"... [cut at {MAX_RAW_TEXT} characters]"
