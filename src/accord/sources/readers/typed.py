"""Typed columnar files (Parquet, Arrow IPC): rows streamed into DuckDB, typed values
turned into the text the standardisers read, by SQL.

A subclass says how to read the file's schema (its footer or first message, never a
row) and where DuckDB reads the rows from, only the columns the mapping asks for: its
own reader where it has one (Parquet, on every thread), else the file's record batches
as one Arrow stream, each numbered as it passes. Row numbers are the row's position in
the file, first row = 1. A single query turns every typed value into text the
way :func:`~accord.sources.cells.cell_text` does for Excel and SQL: dates as ISO dates,
whole floats without ``.0`` (an NHS number stored as a double stays itself), midnight
timestamps as dates, nested values as JSON, blank text as nothing. No row becomes a
Python object.

A row is quarantined when a value cannot be text: bytes that are not UTF-8, or a value
longer than :data:`MAX_VALUE_BYTES`. A file that cannot be read at all (truncated,
corrupt) is refused as a whole, so a failed ingest stores nothing.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from typing import ClassVar

import duckdb
import numpy as np
import pyarrow as pa

from accord.people import blank_to_null, ident, lit
from accord.sources.errors import SourceUnreadable
from accord.sources.readers.base import (
    MAX_RAW_TEXT,
    Loaded,
    Progress,
    Quarantined,
    Reader,
    clip,
)

MAX_VALUE_BYTES = 32 << 20
"""A value longer than this is quarantined, as a CSV line that long is."""
_STREAM = "_accord_typed_stream"
_TABLE = "_typed_raw"


class TypedReader(Reader):
    """A file of typed columns read as Arrow record batches (see the module docstring)."""

    binary: ClassVar[bool] = True
    label: ClassVar[str]
    """The format's name in messages ("Parquet")."""

    @abstractmethod
    def _schema(self) -> pa.Schema:
        """The file's schema, read without reading a row."""

    def _batches(self, columns: list[str]) -> Iterator[pa.RecordBatch]:
        """The file's rows, in order, as batches of at most ``chunk_rows`` with ``columns``
        (for the default :meth:`_scan`)."""
        raise NotImplementedError

    def _rows(self) -> int | None:
        """How many rows the file holds, when its metadata says so cheaply."""
        return None

    def _scan(self, conn: duckdb.DuckDBPyConnection, columns: list[str], progress: Progress) -> str:
        """SQL DuckDB reads the rows from: ``__row`` and ``columns``, in the file's order.

        By default the batches of :meth:`_batches`, numbered as they pass, as an Arrow
        stream registered on ``conn`` (until :meth:`_release`).
        """
        schema = self._schema()
        fields = [_readable(schema.field(c)) for c in columns]
        numbered = pa.schema([pa.field("__row", pa.int64()), *fields])
        stream = pa.RecordBatchReader.from_batches(numbered, self._numbered(columns, progress))
        conn.register(_STREAM, stream)
        return _STREAM

    def _release(self, conn: duckdb.DuckDBPyConnection) -> None:
        """Undo what :meth:`_scan` set up on ``conn`` (unregistering no stream is harmless)."""
        conn.unregister(_STREAM)

    def columns(self) -> list[str]:
        names = list(self._schema().names)
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise SourceUnreadable(f"{self.source}: columns {twice} appear more than once")
        return names

    def load(
        self, conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
        progress: Progress,
    ) -> Loaded:  # fmt: skip
        wanted = list(columns)
        try:
            scan = self._scan(conn, wanted, progress)
            types = {
                r[0]: str(r[1]) for r in conn.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
            }
            conn.execute(_load_sql(wanted, types, scan))
        except (duckdb.Error, pa.ArrowException, OSError) as exc:
            raise SourceUnreadable(
                f"{self.source}: not a readable {self.label} file: {_first_line(exc)}"
            ) from exc
        finally:
            self._release(conn)
        cols = ", ".join(ident(c) for c in wanted)
        conn.execute(
            f"CREATE VIEW {ident(table)} AS SELECT __row, {cols} FROM {_TABLE} WHERE __why IS NULL"
        )
        rejected = [
            Quarantined(int(row), column, why, clip(raw))
            for row, column, why, raw in conn.execute(
                f"SELECT __row, __column, __why, __raw FROM {_TABLE} WHERE __why IS NOT NULL "
                "ORDER BY __row"
            ).fetchall()
        ]
        (read,), *_ = conn.execute(f"SELECT count(*) FROM {_TABLE}").fetchall()
        progress(int(read), int(read))
        return Loaded(rows_read=int(read), rejected=rejected)

    def _numbered(self, columns: list[str], progress: Progress) -> Iterator[pa.RecordBatch]:
        total, done = self._rows(), 0
        for batch in self._batches(columns):
            rows = pa.array(np.arange(done + 1, done + batch.num_rows + 1, dtype=np.int64))
            arrays = [_readable_array(a) for a in batch.columns]
            yield pa.RecordBatch.from_arrays([rows, *arrays], names=["__row", *columns])
            done += batch.num_rows
            progress(done, total)


def _readable(field: pa.Field) -> pa.Field:
    """The field as DuckDB will receive it: half floats (which it cannot take) as floats."""
    return field.with_type(pa.float32()) if pa.types.is_float16(field.type) else field


def _readable_array(array: pa.Array) -> pa.Array:
    return array.cast(pa.float32()) if pa.types.is_float16(array.type) else array


def _text(column: str, kind: str) -> str:
    """SQL turning a typed column into the text the standardisers read."""
    c = ident(column)
    if kind == "VARCHAR":
        return f"CASE WHEN {blank_to_null(c)} IS NOT NULL THEN {c} END"
    if kind == "BLOB":
        # Bytes that are not UTF-8 keep their escaped form, for quarantine (see _why).
        return f"coalesce(try(decode({c})), {c}::VARCHAR)"
    if kind in ("DOUBLE", "FLOAT"):
        whole = f"isfinite({c}) AND {c} = trunc({c}) AND abs({c}) < 1e30"
        return f"CASE WHEN {whole} THEN {c}::HUGEINT::VARCHAR ELSE {c}::VARCHAR END"
    if kind.startswith("TIMESTAMP") and "TIME ZONE" not in kind:
        return (
            f"CASE WHEN {c}::TIME = TIME '00:00:00' THEN strftime({c}::DATE, '%Y-%m-%d') "
            f"ELSE {c}::VARCHAR END"
        )
    if kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "UNION")):
        return f"to_json({c})::VARCHAR"
    return f"{c}::VARCHAR"


def _why(column: str, kind: str) -> str | None:
    """SQL giving the reason a value of this column cannot be read as text, if it can fail."""
    c = ident(column)
    if kind == "BLOB":
        size, arms = (
            f"octet_length({c})",
            [
                f"WHEN {c} IS NOT NULL AND try(decode({c})) IS NULL "
                f"THEN {lit(f'column {column!r}: bytes that are not UTF-8 text')}"
            ],
        )
    elif kind == "VARCHAR":
        size, arms = f"strlen({c})", []
    else:
        return None
    arms.append(
        f"WHEN {size} > {MAX_VALUE_BYTES} THEN {lit(f'column {column!r}: a value of ')} "
        f"|| {size} || {lit(f' bytes (over {MAX_VALUE_BYTES:,})')}"
    )
    return f"CASE {' '.join(arms)} END"


def _load_sql(columns: list[str], types: dict[str, str], scan: str) -> str:
    """One scan of ``scan`` into :data:`_TABLE`: text, and why a row cannot be used."""
    texts = [f"{_text(c, types[c])} AS {ident(c)}" for c in columns]
    whys = [(c, w) for c in columns if (w := _why(c, types[c])) is not None]
    why = f"coalesce({', '.join(w for _, w in whys)})" if whys else "NULL::VARCHAR"
    blame = (
        "coalesce(" + ", ".join(f"CASE WHEN ({w}) IS NOT NULL THEN {lit(c)} END" for c, w in whys)
        + ")" if whys else "NULL::VARCHAR"
    )  # fmt: skip
    shown = "{" + ", ".join(f"{lit(c)}: left({ident(c)}, {MAX_RAW_TEXT})" for c in columns) + "}"
    return (
        f"CREATE TABLE {_TABLE} AS SELECT *, CASE WHEN __why IS NOT NULL THEN "
        f"to_json({shown})::VARCHAR END AS __raw FROM (SELECT __row, {', '.join(texts)}, "
        f"{why} AS __why, {blame} AS __column FROM {scan})"
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
