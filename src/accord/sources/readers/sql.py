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

    @classmethod
    def accepts(cls, source: str) -> bool:
        return "://" in source or source.lower().endswith(_SQLITE_SUFFIXES)

    def _url(self) -> str:
        if "://" in self.source:
            return self.source
        path = Path(self.source)
        if not path.is_file():
            raise SourceUnreadable(f"{path}: no such file")
        return f"sqlite:///file:{path.resolve()}?mode=ro&uri=true"

    def _query(self) -> str:
        if not self.options.query:
            raise MappingError(
                "source.query: a SQL source needs a query, e.g. "
                "source: {query: 'SELECT * FROM patients'}"
            )
        return self.options.query.strip().rstrip(";")

    def describe(self) -> str:
        return mask_url(self._url()) if "://" in self.source else self.source

    def _engine(self) -> sa.Engine:
        try:
            return sa.create_engine(self._url())
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise SourceUnreadable(f"{self.describe()}: cannot use this URL: {exc}") from exc

    def columns(self) -> list[str]:
        engine = self._engine()
        try:
            with engine.connect() as conn:
                result = conn.execute(sa.text(f"SELECT * FROM ({self._query()}) AS q WHERE 1 = 0"))
                return list(result.keys())
        except sa.exc.SQLAlchemyError as exc:
            raise SourceUnreadable(f"{self.describe()}: query failed: {exc}") from exc
        finally:
            engine.dispose()

    def load(
        self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
        progress: Progress,
    ) -> Loaded:  # fmt: skip
        engine = self._engine()
        writer = ChunkWriter(conn, table, columns)
        read = 0
        try:
            with engine.connect() as db:
                result = db.execution_options(stream_results=True).execute(
                    sa.text(self._query())
                )
                index = [list(result.keys()).index(c) for c in columns]
                while chunk := result.fetchmany(self.chunk_rows):
                    numbers = list(range(read + 1, read + len(chunk) + 1))
                    values = [[cell_text(row[j]) for row in chunk] for j in index]
                    writer.append(numbers, values)
                    read += len(chunk)
                    progress(read, None)
                db.rollback()
        except sa.exc.SQLAlchemyError as exc:
            raise SourceUnreadable(f"{self.describe()}: query failed: {exc}") from exc
        finally:
            engine.dispose()
        progress(read, read)
        return Loaded(rows_read=read)
