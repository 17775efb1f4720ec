"""Any SQL database SQLAlchemy reaches, through a URL and the mapping's ``query``.

The query runs in a transaction that is rolled back, results stream in chunks
(server-side cursors where the driver has them), and a SQLite file given as a plain path
is opened read-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import duckdb
import sqlalchemy as sa

from accord.sources.cells import cell_text
from accord.sources.errors import MappingError, SourceUnreadable
from accord.sources.readers.base import ChunkWriter, Loaded, Progress, Reader
from accord.sources.registry import register_reader
from accord.store import mask_url

_SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")


@register_reader
class SqlReader(Reader):
    """``sqlite:///file.db``, ``postgresql+psycopg://...`` or a path to a SQLite file."""

    kind: ClassVar[str] = "sql"
    options_allowed: ClassVar[frozenset[str]] = frozenset({"query"})
    suffixes: ClassVar[tuple[str, ...]] = _SQLITE_SUFFIXES
    binary: ClassVar[bool] = True

    @classmethod
    def accepts(cls, source: str) -> bool:
        return "://" in source or source.lower().endswith(_SQLITE_SUFFIXES)

    @classmethod
    def recognises(cls, head: bytes, _path: Path) -> bool:
        return head.startswith(b"SQLite format 3\x00")

    def _url(self) -> str:
        if "://" not in self.source:
            return _sqlite_read_only(Path(self.source), self.source)
        try:
            url = sa.engine.make_url(self.source)
        except sa.exc.ArgumentError as exc:
            raise SourceUnreadable(f"{mask_url(self.source)}: not a database URL: {exc}") from exc
        file = url.database
        # SQLite would create a missing file; a source is read, never made.
        if url.get_backend_name() == "sqlite" and file and file != ":memory:" and not url.query:
            return _sqlite_read_only(Path(file), mask_url(self.source))
        return self.source

    def _query(self) -> str:
        if not self.options.query or not self.options.query.strip().rstrip(";").strip():
            raise MappingError(
                "source.query: a SQL source needs a query, e.g. "
                "source: {query: 'SELECT * FROM patients'}"
            )
        return self.options.query.strip().rstrip(";")

    def describe(self) -> str:
        return mask_url(self.source) if "://" in self.source else self.source

    def _engine(self) -> sa.Engine:
        try:
            return sa.create_engine(self._url())
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise SourceUnreadable(f"{self.describe()}: cannot use this URL: {exc}") from exc

    def columns(self) -> list[str]:
        query = self._query()
        engine = self._engine()
        try:
            with engine.connect() as conn:
                # The newline ends a trailing "-- comment" in the query.
                result = conn.execute(sa.text(f"SELECT * FROM ({query}\n) AS q WHERE 1 = 0"))
                names = list(result.keys())
        except sa.exc.SQLAlchemyError as exc:
            raise SourceUnreadable(f"{self.describe()}: query failed: {_reason(exc)}") from exc
        finally:
            engine.dispose()
        return self._unique(names)

    def _unique(self, names: list[str]) -> list[str]:
        # Checked again on the query itself: SQLite renames a repeat ("id:1") when wrapped.
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise SourceUnreadable(
                f"{self.describe()}: the query returns {twice} more than once; "
                "give each column its own name with AS"
            )
        return names

    def load(
        self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
        progress: Progress,
    ) -> Loaded:  # fmt: skip
        engine = self._engine()
        writer = ChunkWriter(conn, table, columns)
        read = 0
        try:
            with engine.connect() as db:
                result = db.execution_options(stream_results=True).execute(sa.text(self._query()))
                names = self._unique(list(result.keys()))
                missing = [c for c in columns if c not in names]
                if missing:
                    raise SourceUnreadable(
                        f"{self.describe()}: the query no longer returns {missing}"
                    )
                index = [names.index(c) for c in columns]
                while chunk := result.fetchmany(self.chunk_rows):
                    numbers = list(range(read + 1, read + len(chunk) + 1))
                    values = [[cell_text(row[j]) for row in chunk] for j in index]
                    writer.append(numbers, values)
                    read += len(chunk)
                    progress(read, None)
                db.rollback()
        except sa.exc.SQLAlchemyError as exc:
            raise SourceUnreadable(f"{self.describe()}: query failed: {_reason(exc)}") from exc
        finally:
            engine.dispose()
        progress(read, read)
        return Loaded(rows_read=read)


def _sqlite_read_only(path: Path, shown: str) -> str:
    if not path.is_file():
        raise SourceUnreadable(f"{shown}: no such file")
    return f"sqlite:///file:{path.resolve()}?mode=ro&uri=true"


def _reason(exc: sa.exc.SQLAlchemyError) -> str:
    """The driver's first line: SQLAlchemy adds the statement and a web link below it."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
