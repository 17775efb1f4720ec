"""JSON lines: one JSON object per line; a line that is not one is quarantined.

Lines are split on bytes and decoded one by one, so a line in the wrong encoding is
quarantined with its number instead of stopping the whole file.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

import duckdb

from accord.sources.cells import cell_text
from accord.sources.errors import MappingError, SourceUnreadable
from accord.sources.readers.base import ChunkWriter, Loaded, Progress, Quarantined, Reader, clip
from accord.sources.registry import register_reader

_HEADER_SAMPLE = 1000


@register_reader
class JsonLinesReader(Reader):
    """Newline-delimited JSON (``.jsonl``, ``.ndjson``); nested values are kept as JSON."""

    kind: ClassVar[str] = "jsonl"
    options_allowed: ClassVar[frozenset[str]] = frozenset({"encoding"})
    suffixes: ClassVar[tuple[str, ...]] = (".jsonl", ".ndjson", ".jsonl.txt")

    @classmethod
    def accepts(cls, source: str) -> bool:
        return source.lower().endswith(cls.suffixes)

    @classmethod
    def recognises(cls, head: bytes, _path: Path) -> bool:
        """Text whose first non-blank character opens a JSON object: no CSV header does."""
        return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")

    @classmethod
    def resembles(cls, head: bytes, _path: Path) -> bool:
        """Some line opens a JSON object, though the first may be broken."""
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            head = head.decode("utf-16", errors="ignore").encode()
        return any(line.lstrip(b"\xef\xbb\xbf \t\r").startswith(b"{") for line in head.split(b"\n"))

    def _encoding(self) -> str:
        name = self.options.encoding or "utf-8-sig"
        try:
            name = codecs.lookup(name).name
        except LookupError as exc:
            raise MappingError(f"source.encoding: unknown encoding {name!r}") from exc
        if name.startswith(("utf-16", "utf-32")):
            raise MappingError(
                f"source.encoding: JSON lines are read line by line, which {name} does not "
                "allow; convert the file to UTF-8"
            )
        return "utf-8-sig" if name == "utf-8" else name

    def _lines(self) -> Iterator[tuple[int, str | UnicodeDecodeError, int]]:
        """``(line number, text or decoding error, bytes read so far)``; no blank lines."""
        encoding = self._encoding()
        with self._path().open("rb") as fh:
            done = 0
            for number, raw in enumerate(fh, start=1):
                done += len(raw)
                if not raw.strip():
                    continue
                try:
                    # Only the first line may carry a byte-order mark.
                    text = raw.decode(encoding if number == 1 else encoding.removesuffix("-sig"))
                except UnicodeDecodeError as exc:
                    yield number, exc, done
                    continue
                if text.strip():
                    yield number, text, done

    def columns(self) -> list[str]:
        """Keys of the first objects: a JSON-lines file has no header."""
        keys: dict[str, None] = {}
        undecodable = 0
        for seen, (_number, line, _done) in enumerate(self._lines()):
            if seen >= _HEADER_SAMPLE:
                break
            if isinstance(line, UnicodeDecodeError):
                undecodable += 1
                continue
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                continue
            if isinstance(obj, dict):
                keys.update(dict.fromkeys(obj))
        if not keys:
            shown = self._encoding().removesuffix("-sig")
            hint = f"; {undecodable} not valid {shown}" if undecodable else ""
            raise SourceUnreadable(
                f"{self.source}: no JSON object among the first {_HEADER_SAMPLE} lines{hint}"
            )
        return list(keys)

    def load(
        self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
        progress: Progress,
    ) -> Loaded:  # fmt: skip
        size = self._path().stat().st_size
        writer = ChunkWriter(conn, table, columns)
        rejected: list[Quarantined] = []
        rows: list[int] = []
        values: list[list[str | None]] = [[] for _ in columns]
        read = 0
        for number, line, done in self._lines():
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
                progress(done, size)
        writer.append(rows, values)
        progress(size, size)
        return Loaded(rows_read=read, rejected=rejected)

    def _parse(
        self, line: str | UnicodeDecodeError, number: int, rejected: list[Quarantined]
    ) -> dict[str, object] | None:
        if isinstance(line, UnicodeDecodeError):
            raw = _raw(bytes(line.object).decode("utf-8", errors="replace"))
            encoding = line.encoding.removesuffix("-sig")
            reason = f"not valid {encoding} at byte {line.start + 1} of the line"
            rejected.append(Quarantined(number, None, reason, raw))
            return None
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            rejected.append(Quarantined(number, None, f"not valid JSON: {exc.msg}", _raw(line)))
            return None
        except RecursionError:  # Python's parser gives up near a thousand levels
            rejected.append(Quarantined(number, None, "JSON nested too deep to read", _raw(line)))
            return None
        if not isinstance(obj, dict):
            kind = type(obj).__name__
            rejected.append(Quarantined(number, None, f"not a JSON object but {kind}", _raw(line)))
            return None
        if "\\u" in line and _LONE_SURROGATE.search(line):
            # "\ud800" alone decodes to a character no UTF-8 text can hold.
            reason = "not valid JSON text: a \\u escape names half a surrogate pair"
            if _has_surrogate(obj):
                rejected.append(Quarantined(number, None, reason, _raw(line)))
                return None
        return obj


_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def _raw(line: str) -> str | None:
    return clip(line.rstrip("\r\n"))
