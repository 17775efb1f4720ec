"""What every reader does: name its columns, then load raw text rows into DuckDB.

A reader never standardises anything. ``columns()`` reads the header only, so a mapping
that names a missing column is refused before any row is read; ``load()`` writes a
DuckDB table with ``__row`` (the row number a person would see in the source: header
is row 1 in a file) and one VARCHAR column per requested source column, and returns the
rows it could not parse, for quarantine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import duckdb
import pyarrow as pa

from accord.people import ident, int_array, text_array
from accord.sources.errors import MappingError, SourceUnreadable
from accord.sources.models import SourceOptions

Progress = Callable[[int, int | None], None]
"""Called with (work done, total work or None) in the reader's own unit."""

MAX_RAW_TEXT = 4096
"""Bytes of a bad row kept in quarantine: enough to see the problem, never a whole blob."""


@dataclass(frozen=True)
class Quarantined:
    """A row (or part of a source) that could not be used, and why."""

    row_number: int | None
    column: str | None
    reason: str
    raw: str | None = None


@dataclass
class Loaded:
    """What ``load`` read: every record seen, and those that could not be parsed."""

    rows_read: int
    rejected: list[Quarantined] = field(default_factory=list)


class Reader(ABC):
    """A source format. Subclasses are registered in :mod:`accord.sources.registry`."""

    kind: ClassVar[str]
    options_allowed: ClassVar[frozenset[str]] = frozenset()
    suffixes: ClassVar[tuple[str, ...]] = ()
    """Endings of the file names that say a file is in this format (lower case)."""
    binary: ClassVar[bool] = False
    """Whether the format is binary: a text file named as one is not one."""
    any_text: ClassVar[bool] = False
    """Whether :meth:`recognises` takes any text: then a file's name may still give
    another text format."""

    def __init__(self, source: str, options: SourceOptions, scratch: Path, chunk_rows: int):
        self.source = source
        self.options = options
        self.scratch = scratch
        self.chunk_rows = chunk_rows
        self.notes: list[str] = []
        """What a person should know about how the source was read (a misnamed file)."""
        given = {k for k, v in options.model_dump().items() if v is not None}
        extra = given - self.options_allowed
        if extra:
            allowed = ", ".join(sorted(self.options_allowed)) or "none"
            keys = ", ".join(f"source.{k}" for k in sorted(extra))
            raise MappingError(
                f"{keys}: does not apply to {self.kind} sources (options for {self.kind}: "
                f"{allowed})"
            )

    @classmethod
    @abstractmethod
    def accepts(cls, source: str) -> bool:
        """Whether this reader handles ``source`` (a path or a URL), by its name."""

    @classmethod
    def recognises(cls, head: bytes, path: Path) -> bool:  # noqa: ARG003 - a default
        """Whether a file starting with ``head`` (its first bytes: a magic number, say) is
        in this format, whatever its name; ``path`` is there to look further."""
        return False

    @classmethod
    def resembles(cls, head: bytes, path: Path) -> bool:
        """Whether text that :meth:`recognises` does not claim may still be this format
        (a JSON-lines file whose first line is broken): then its name may say so."""
        return cls.recognises(head, path)

    @abstractmethod
    def columns(self) -> list[str]:
        """The source's column names, reading no more than its header."""

    @abstractmethod
    def load(
        self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
        progress: Progress,
    ) -> Loaded:  # fmt: skip
        """Create ``table`` with ``__row`` and ``columns`` as text, and fill it."""

    def describe(self) -> str:
        """How provenance records this source (paths as given; no secrets)."""
        return self.source

    def _path(self, empty: str = "the file is empty") -> Path:
        """The source as a file that exists and holds something, or a clear refusal."""
        path = Path(self.source)
        if path.is_dir():
            raise SourceUnreadable(f"{path}: is a folder; give the source's file")
        if not path.is_file():
            raise SourceUnreadable(f"{path}: no such file")
        if path.stat().st_size == 0:
            raise SourceUnreadable(f"{path}: {empty}")
        return path


class ChunkWriter:
    """Appends chunks of Python text values to a DuckDB table, column by column."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]):
        self.conn = conn
        self.table = table
        self.columns = list(columns)
        cols = ", ".join(f"{ident(c)} VARCHAR" for c in self.columns)
        conn.execute(f"CREATE TABLE {ident(table)} (__row BIGINT, {cols})")

    def append(self, rows: Sequence[int], values: Sequence[Sequence[str | None]]) -> None:
        """Append rows numbered ``rows``; ``values[i]`` is column ``i``'s values."""
        if not rows:
            return
        arrays = [int_array(rows), *(text_array(v) for v in values)]
        chunk = pa.Table.from_arrays(arrays, names=["__row", *self.columns])
        self.conn.register("_accord_chunk", chunk)
        try:
            self.conn.execute(f"INSERT INTO {ident(self.table)} SELECT * FROM _accord_chunk")
        finally:
            self.conn.unregister("_accord_chunk")


def clip(text: str | None) -> str | None:
    """At most :data:`MAX_RAW_TEXT` characters of a bad row, marked when cut."""
    if text is None or len(text) <= MAX_RAW_TEXT:
        return text
    return text[:MAX_RAW_TEXT] + f"... [{len(text) - MAX_RAW_TEXT} more characters]"
