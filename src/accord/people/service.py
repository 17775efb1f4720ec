"""One standardisation query for one record or a whole column.

:class:`Standardiser` stacks the staged SQL of every field module (names, dates,
identifiers, postcodes, contact) into a single DuckDB query. Bulk work embeds the query
over a relation; :meth:`Standardiser.record` runs the very same query over one row,
so the API and a hundred-million-row ingest cannot disagree.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from duckdb.func import FunctionNullHandling, PythonUDFType

from accord.people.contact import international_e164, plan_address, plan_email, plan_phone
from accord.people.dates import plan_date_of_birth
from accord.people.errors import InvalidOption
from accord.people.identifiers import plan_nhs_number, plan_ni_number, plan_sex
from accord.people.models import (
    INPUT_FIELDS,
    NAME_FIELDS,
    OUTPUT_COLUMNS,
    StandardisationOptions,
    StandardisedRecord,
)
from accord.people.names import canonical_nicknames, phonetic_codes, plan_names
from accord.people.plan import FINAL, FieldPlan
from accord.people.postcodes import plan_postcode
from accord.people.sql import blank_to_null, ident, lit
from accord.people.types import SEX_VALUES


def _nfkc(values: pa.Array) -> pa.Array:
    return pc.utf8_normalize(values, form="NFKC")


def prepare(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Give a DuckDB connection the functions the standardisation SQL uses.

    Each takes a column of text as Arrow. The phone, nickname and phonetic functions give
    NULL for a number that is not valid, a name not listed or one with nothing to code,
    which DuckDB's default null handling would reject, hence ``SPECIAL``. A connection
    prepared before is left as it is.
    """
    present = {r[0] for r in conn.execute(
        "SELECT function_name FROM duckdb_functions() WHERE function_name LIKE 'accord_%'"
    ).fetchall()}  # fmt: skip
    for name, body, returns, nulls in (
        ("accord_nfkc", _nfkc, "VARCHAR", FunctionNullHandling.DEFAULT),
        ("accord_phone_e164", international_e164, "VARCHAR", FunctionNullHandling.SPECIAL),
        ("accord_nicknames", canonical_nicknames, "VARCHAR[]", FunctionNullHandling.SPECIAL),
        ("accord_phonetic", phonetic_codes, "VARCHAR", FunctionNullHandling.SPECIAL),
    ):
        if name in present:
            continue
        conn.create_function(name, body, ["VARCHAR"], returns, type=PythonUDFType.ARROW,
                             null_handling=nulls, side_effects=False)  # fmt: skip
    return conn


def connect(database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A new DuckDB connection, prepared for standardisation."""
    return prepare(duckdb.connect(database))


class Standardiser:
    """The standardisation query for a source that supplies ``present`` input fields."""

    def __init__(self, options: StandardisationOptions, present: Iterable[str]) -> None:
        self.options = options
        self.present = frozenset(present)
        unknown = self.present - set(INPUT_FIELDS)
        if unknown:
            raise InvalidOption(f"unknown person fields: {sorted(unknown)}")
        if "full_name" in self.present and self.present & set(NAME_FIELDS):
            raise InvalidOption("full_name cannot be mapped together with separate name parts")
        bad = {v for v in options.sex_codes.values() if v not in SEX_VALUES}
        if bad:
            raise InvalidOption(f"sex codes must map to one of {list(SEX_VALUES)}, not {bad}")
        self._plan = self._build_plan()
        self._local = threading.local()

    def _build_plan(self) -> FieldPlan:
        plan = plan_names(self.present)
        for part in (
            plan_date_of_birth(self.options.date_format, self.options.as_of),
            plan_sex(self.options.sex_codes),
            plan_nhs_number(),
            plan_ni_number(),
            plan_postcode(),
            plan_address(),
            plan_phone(),
            plan_email(),
        ):
            plan.merge(part)
        plan.at(FINAL)["record_id"] = blank_to_null("record_id")
        missing = set(OUTPUT_COLUMNS) - plan.at(FINAL).keys()
        if missing:  # pragma: no cover - a programming error in a field module
            raise AssertionError(f"no SQL for output columns {sorted(missing)}")
        return plan

    def query(self, source: str, passthrough: Sequence[str] = ()) -> str:
        """SQL that standardises every row of ``source`` (a table, view or subquery).

        ``source`` supplies the present input fields as text columns named after the
        fields; ``passthrough`` columns are carried unchanged after the standard ones.
        """
        inputs = [
            f"{ident(f)}::VARCHAR AS {ident(f)}"
            if f in self.present
            else f"NULL::VARCHAR AS {ident(f)}"
            for f in INPUT_FIELDS
        ]
        inputs += [ident(c) for c in passthrough]
        ctes = [f"_s_in AS (SELECT {', '.join(inputs)} FROM {source})"]
        previous = "_s_in"
        for k in range(FINAL):
            exprs = self._plan.at(k)
            cols = ", ".join(f"{e} AS {ident(n)}" for n, e in exprs.items())
            ctes.append(f"_s{k} AS (SELECT *{', ' + cols if cols else ''} FROM {previous})")
            previous = f"_s{k}"
        final = self._plan.at(FINAL)
        outputs = [f"CAST({final[c]} AS {t}) AS {ident(c)}" for c, t in OUTPUT_COLUMNS.items()]
        outputs += [f"{previous}.{ident(c)}" for c in passthrough]
        # No join anywhere: the rows come out in the source's order.
        return f"WITH {', '.join(ctes)} SELECT {', '.join(outputs)} FROM {previous}"

    def record(self, raw: Mapping[str, str | None]) -> StandardisedRecord:
        """Standardise one record: the bulk query run over a single row."""
        row = self._one(raw, tuple(OUTPUT_COLUMNS))
        return StandardisedRecord(**dict(zip(OUTPUT_COLUMNS, row, strict=True)))

    def values(self, raw: Mapping[str, str | None], columns: Sequence[str]) -> dict[str, Any]:
        """Only ``columns`` of one standardised record (a lookup's identifiers): the same
        query, its other output columns never computed."""
        unknown = [c for c in columns if c not in OUTPUT_COLUMNS]
        if unknown:
            raise InvalidOption(f"not standardised output columns: {unknown}")
        return dict(zip(columns, self._one(raw, tuple(columns)), strict=True))

    def _one(self, raw: Mapping[str, str | None], columns: tuple[str, ...]) -> tuple[Any, ...]:
        """One row of ``columns`` for one record, by a statement prepared once per thread
        and set of columns: planning the whole query costs far more than running it over
        one row (hundreds of ms against a few), and a lookup standardises per request."""
        unknown = set(raw) - self.present
        if unknown:
            raise InvalidOption(f"fields not declared for this standardiser: {sorted(unknown)}")
        order = sorted(self.present)
        given = [raw.get(f) for f in order]
        conn, prepared = self._record_connection()
        if any(v is not None and "\x00" in v for v in given):
            # A NUL cannot be written in a SQL literal: bound as a parameter, planned anew.
            source = ", ".join(f"$p{i}::VARCHAR AS {ident(f)}" for i, f in enumerate(order))
            sql = f"SELECT {self._columns(columns)} FROM ({self.query(f'(SELECT {source})')})"
            found = conn.execute(sql, {f"p{i}": v for i, v in enumerate(given)}).fetchone()
        else:
            name = prepared.get(columns)
            if name is None:
                name = prepared[columns] = f"accord_record_{len(prepared)}"
                source = ", ".join(f"${i + 1}::VARCHAR AS {ident(f)}" for i, f in enumerate(order))
                inner = self.query(f"(SELECT {source or '1 AS _none'})")
                conn.execute(f"PREPARE {name} AS SELECT {self._columns(columns)} FROM ({inner})")
            # EXECUTE takes no bound parameters: the values go in as quoted literals.
            args = ", ".join("NULL" if v is None else lit(v) for v in given)
            statement = f"EXECUTE {name}({args})" if given else f"EXECUTE {name}"
            found = conn.execute(statement).fetchone()
        assert found is not None
        return tuple(found)

    @staticmethod
    def _columns(columns: tuple[str, ...]) -> str:
        return ", ".join(ident(c) for c in columns)

    def _record_connection(self) -> tuple[duckdb.DuckDBPyConnection, dict[tuple[str, ...], str]]:
        """This thread's connection and the statements prepared on it, by columns."""
        cached: tuple[duckdb.DuckDBPyConnection, dict[tuple[str, ...], str]] | None = getattr(
            self._local, "conn", None
        )
        if cached is None:
            # One thread: one record is no work to share, and DuckDB's own workers,
            # woken for each statement, would cost more than the statement.
            cached = self._local.conn = (prepare(duckdb.connect(config={"threads": 1})), {})
        return cached
