"""What the people tests share: cached standardisers and records standardised in bulk.

Planning the standardisation query costs tens of milliseconds and running it almost
nothing, so each option set gets one :class:`Standardiser` for the whole run, a table of
cases is standardised by one bulk query (:func:`each`), and a property draws a list of
values per example. ``test_service`` proves bulk and single-record results identical.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache

import duckdb
import pyarrow as pa
from hypothesis import settings

from accord.people import (
    INPUT_FIELDS,
    OUTPUT_COLUMNS,
    StandardisationOptions,
    StandardisedRecord,
    Standardiser,
    connect,
)

AS_OF = date(2026, 11, 22)
Raw = Mapping[str, str | None]
# Multiplies every property's example count, for a longer hunt than CI affords.
SCALE = int(os.environ.get("ACCORD_PEOPLE_EXAMPLES_SCALE", "1"))


def examples(n: int) -> settings:
    """Hypothesis settings for ``n`` examples (times :data:`SCALE`), without a deadline:
    the first query on a connection pays for its planning."""
    return settings(max_examples=n * SCALE, deadline=None)


@cache
def standardiser(*fields: str, date_format: str | None = None, as_of: date = AS_OF) -> Standardiser:
    """The standardiser for a source supplying ``fields`` (default sex codes)."""
    options = StandardisationOptions(as_of=as_of, date_format=date_format)
    return Standardiser(options, fields)


@cache
def connection() -> duckdb.DuckDBPyConnection:
    return connect()


def bulk(s: Standardiser, rows: Sequence[Raw]) -> list[StandardisedRecord]:
    """``rows`` standardised by one :meth:`Standardiser.query` over a DuckDB relation."""
    conn = connection()
    columns = {
        f: pa.array([row.get(f) for row in rows], pa.string())
        for f in INPUT_FIELDS
        if f in s.present
    }
    table = pa.table({**columns, "_row": pa.array(range(len(rows)), pa.int64())})
    conn.register("_people_rows", table)
    try:
        sql = f"SELECT * FROM ({s.query('_people_rows', ['_row'])}) ORDER BY _row"
        result = conn.execute(sql).fetchall()
    finally:
        conn.unregister("_people_rows")
    assert [row[-1] for row in result] == list(range(len(rows)))
    return [
        StandardisedRecord(**dict(zip(OUTPUT_COLUMNS, row[:-1], strict=True))) for row in result
    ]


def many(
    field: str, raws: Sequence[str | None], date_format: str | None = None
) -> list[StandardisedRecord]:
    """Many values of one field, standardised in one bulk query."""
    return bulk(standardiser(field, date_format=date_format), [{field: v} for v in raws])


def each(
    field: str, raws: Sequence[str | None], date_format: str | None = None
) -> dict[str | None, StandardisedRecord]:
    """A table of values of one field, standardised in one bulk query, by raw value."""
    return dict(zip(raws, many(field, raws, date_format), strict=True))
