"""The point of disclosure: opt-outs applied, fields minimised, identifiers pseudonymised.

One DuckDB query does it all over the extract, so a million rows need no Python loop:
only rows meeting the agreement's row conditions are kept (values bound as parameters);
each row's subject (its standardised NHS number, by default) is anti-joined with the
register of each scheme that applies (unsealed in memory for the query); only the
allowed fields are selected; identifiers are replaced as the minimisation says (a
pseudonym keyed to the agreement and key version, the record's linkage id, or
nothing). Rows whose subject is missing cannot be checked against a register, so where
any register applies they are withheld too.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

import duckdb

from accord.people import hmac_params, hmac_sql, ident, lit
from accord.privacy import keys, optouts
from accord.privacy.errors import BadExtract
from accord.privacy.models import (
    Disclosed,
    Disclosure,
    Minimisation,
    RowFilter,
    RowOperator,
    Treatment,
)
from accord.store import check_name, check_output, make_private


@dataclass(frozen=True)
class Registers:
    """The opt-out registers consulted at disclosure: per scheme, the identifiers of the
    people who opted out (unsealed from the store, held in memory only), and the node's
    privacy secret (pseudonym keys derive from it)."""

    subjects: dict[str, list[str]]
    secret: bytes
    revision: str = ""
    """Where the registers were read from the store, what they were at then (see
    :func:`load_registers`); empty for registers given in memory."""


def disclose(
    conn: duckdb.DuckDBPyConnection,
    extract: str,
    out: Path,
    disclosure: Disclosure,
    minimisation: Minimisation,
    registers: Registers,
    *,
    subject: str = "nhs_number",
    key_version: int | None = None,
) -> Disclosed:
    """Write what may leave the node for ``disclosure`` to ``out`` (Parquet).

    ``extract`` is a relation (``read_parquet('…')``, a table name); ``key_version`` is
    the agreement's current pseudonymisation key, needed if an identifier is
    pseudonymised. ``out`` is its owner's alone, and never a workspace's own file.
    """
    check_output(out, force=True)
    with _minimised(conn, extract, disclosure, minimisation, registers, subject,
                    key_version) as query:  # fmt: skip
        conn.execute(f"COPY ({query.sql}) TO {lit(str(out))} (FORMAT parquet)", query.params)
        make_private(out)
        rows_in, in_scope, unknown = _counts(conn, extract, query, subject)
        written = conn.execute(f"SELECT count(*) FROM read_parquet({lit(str(out))})").fetchall()
    rows_out, unchecked = int(written[0][0]), unknown if query.applying else 0
    return Disclosed(rows_in, rows_out, in_scope - rows_out - unchecked, unchecked,
                     tuple(optouts.ruling(s, disclosure) for s in sorted(registers.subjects)),
                     key_version if _pseudonymises(minimisation) else None,
                     rows_in - in_scope)  # fmt: skip


def disclosed_rows(
    conn: duckdb.DuckDBPyConnection,
    extract: str,
    disclosure: Disclosure,
    minimisation: Minimisation,
    registers: Registers,
    *,
    subject: str = "nhs_number",
    key_version: int | None = None,
) -> tuple[list[str], list[tuple[object, ...]]]:
    """What :func:`disclose` would write, as column names and rows in memory: for a
    small extract (one person's rows, a lookup), the same query without the file."""
    with _minimised(conn, extract, disclosure, minimisation, registers, subject,
                    key_version) as query:  # fmt: skip
        result = conn.execute(query.sql, query.params)
        names = [d[0] for d in result.description or ()]
        return names, result.fetchall()


class _Query(NamedTuple):
    """What may leave, as one query: its SQL and parameters, the row scope on its own
    (with its parameters), and the opt-out schemes it applies."""

    sql: str
    params: dict[str, object]
    scope: str
    scope_params: dict[str, object]
    applying: list[str]


@contextmanager
def _minimised(
    conn: duckdb.DuckDBPyConnection,
    extract: str,
    disclosure: Disclosure,
    minimisation: Minimisation,
    registers: Registers,
    subject: str,
    key_version: int | None,
) -> Iterator[_Query]:
    """The query of what may leave, its opt-out tables in place until the block ends."""
    tables: list[str] = []

    def register(i: int, scheme: str) -> str:
        tables.append(_register(conn, i, registers.subjects[scheme]))
        return tables[-1]

    try:
        yield _query(conn, extract, disclosure, minimisation, registers, subject,
                     key_version, register)  # fmt: skip
    finally:
        for table in tables:
            conn.execute(f"DROP TABLE IF EXISTS {table}")


def _query(
    conn: duckdb.DuckDBPyConnection,
    extract: str,
    disclosure: Disclosure,
    minimisation: Minimisation,
    registers: Registers,
    subject: str,
    key_version: int | None,
    register: Callable[[int, str], str],
    where: str = "TRUE",
) -> _Query:
    """The query of what may leave; ``register`` gives the table of a scheme's register
    (``where``: a further condition over ``e``, the caller's, e.g. one person)."""
    types = _column_types(conn, extract)
    _check(list(types), minimisation, subject)
    scope, scope_params = _scope(minimisation.rows, types)
    fields = _fields(minimisation, disclosure, key_version, registers.secret)
    select, params = _projection(fields)
    applying = _applying(disclosure, registers)
    digits = _digits(subject)
    tables = [register(i, scheme) for i, scheme in enumerate(applying)]
    joins = " ".join(f"ANTI JOIN {t} ON {t}.subject = {digits}" for t in tables)
    known = f" AND e.{ident(subject)} IS NOT NULL" if applying else ""
    kept = f"SELECT e.* FROM {extract} e {joins} WHERE ({scope}) AND ({where}){known}"
    return _Query(
        f"SELECT {select} FROM ({kept})", params | scope_params, scope, scope_params, applying
    )


def _applying(disclosure: Disclosure, registers: Registers) -> list[str]:
    """The schemes whose registers apply to ``disclosure`` (the rest are overridden)."""
    rulings = (optouts.ruling(s, disclosure) for s in sorted(registers.subjects))
    return [r.scheme for r in rulings if r.applies]


def _digits(subject: str) -> str:
    # Compared digits to digits: an extract that kept the spaces of "943 476 5919" must not
    # slip past the register.
    return f"regexp_replace(e.{ident(subject)}, '[^0-9]', '', 'g')"


@dataclass(frozen=True)
class Prepared:
    """A disclosure made ready once over a relation that stays (a node's loaded
    snapshot), then run for the few rows of one request at a time
    (:func:`prepare_disclosure`).

    Its query picks the rows in scope and the fields that may leave; for a handful of
    rows the rest is cheaper here than in the query (measured: the anti-joins and the
    hashing in SQL cost more than the lookup itself): rows of people in a register
    that applies are withheld (``withheld``: the registers' subjects, digits only, as the
    query compares them), and identifiers are pseudonymised with the same HMAC as
    :func:`pseudonym` over the same text (the column cast to VARCHAR in the query).
    ``tests/privacy/test_disclosure.py`` shows it gives what :func:`disclosed_rows` does.

    :meth:`rows` runs the query for each request; :meth:`index` runs it once for every
    row in scope, kept by one column's value, and :meth:`rows_of` answers from that
    (a query costs DuckDB more than a lookup's every other step of disclosure).
    """

    select: str
    """The fields that may leave (and, where a register applies, the subject's digits)."""
    in_scope: str
    """``FROM`` the relation ``WHERE`` its rows are in scope."""
    where: str
    params: dict[str, object]
    names: tuple[str, ...]
    checked: bool
    """Whether any register applies (the query then adds each row's subject, digits only)."""
    withheld: frozenset[str]
    keyed: tuple[tuple[int, bytes, str], ...]
    """The pseudonymised columns: (position, key, prefix)."""

    @property
    def sql(self) -> str:
        return f"SELECT {self.select} {self.in_scope} AND ({self.where})"

    def rows(
        self, conn: duckdb.DuckDBPyConnection, given: dict[str, object]
    ) -> tuple[list[str], list[tuple[object, ...]]]:
        """What may leave of the rows the prepared condition picks with ``given``."""
        found = conn.execute(self.sql, self.params | given).fetchall()
        return list(self.names), self._released(found)

    def index_query(self, column: str) -> tuple[str, dict[str, object]]:
        """The query of :meth:`index` and its parameters (what an index is kept by: every
        disclosure with the same fields and row conditions shares it)."""
        key = f"CAST(e.{ident(column)} AS VARCHAR)"
        return f"SELECT {key}, {self.select} {self.in_scope}", self.params

    def index(self, conn: duckdb.DuckDBPyConnection, column: str) -> RowIndex:
        """Every row in scope as the query gives it (not yet withheld nor pseudonymised:
        :meth:`rows_of` does that, so an index outlives a change of the registers or of
        the key), by the value of ``column`` as text."""
        sql, params = self.index_query(column)
        grouped: dict[str, list[tuple[object, ...]]] = {}
        for row in conn.execute(sql, params).fetchall():
            grouped.setdefault(row[0], []).append(row[1:])
        # Tuples, not lists: tuples of text the collector stops tracking, so its full
        # collections do not walk a snapshot's worth of lists (about 10 ms a time for
        # 100,000 rows) in the middle of a lookup.
        return {value: tuple(rows) for value, rows in grouped.items()}

    def rows_of(self, index: RowIndex, value: str) -> tuple[list[str], list[tuple[object, ...]]]:
        """What may leave of the rows whose indexed column is ``value`` (``index`` made by
        :meth:`index` of a disclosure with the same :meth:`index_query`): the same rows
        as :meth:`rows` with the condition ``column = value`` on a text column."""
        return list(self.names), self._released(index.get(value, ()))

    def _released(self, found: Iterable[tuple[object, ...]]) -> list[tuple[object, ...]]:
        kept: list[tuple[object, ...]] = []
        for row in found:
            if self.checked:
                if row[-1] in self.withheld:
                    continue
                row = row[:-1]
            if self.keyed:
                values = list(row)
                for i, key, prefix in self.keyed:
                    text = values[i]
                    if isinstance(text, str):
                        digest = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
                        values[i] = prefix + digest[:32]
                row = tuple(values)
            kept.append(row)
        return kept


RowIndex = dict[str, tuple[tuple[object, ...], ...]]
"""Rows in scope by one column's value as text (:meth:`Prepared.index`)."""


def prepare_disclosure(
    conn: duckdb.DuckDBPyConnection,
    extract: str,
    disclosure: Disclosure,
    minimisation: Minimisation,
    registers: Registers,
    *,
    where: str,
    subject: str = "nhs_number",
    key_version: int | None = None,
) -> Prepared:
    """:func:`disclosed_rows` made once over ``extract`` (a table or view that stays):
    ``where`` (SQL over ``e``, its values as parameters given to :meth:`Prepared.rows`)
    picks the rows of each run. For lookups: the query is built, the relation's types
    read and the registers gathered once, not for each person."""
    types = _column_types(conn, extract)
    _check(list(types), minimisation, subject)
    scope, params = _scope(minimisation.rows, types)
    fields = _fields(minimisation, disclosure, key_version, registers.secret)
    select = ", ".join(
        ident(f.name) if f.treatment is None
        else f"linkage_id AS {ident(f.name)}" if f.treatment is Treatment.LINKAGE_ID
        else f"CAST({ident(f.name)} AS VARCHAR) AS {ident(f.name)}"
        for f in fields
    )  # fmt: skip
    applying = _applying(disclosure, registers)
    checked = f", {_digits(subject)}" if applying else ""
    known = f" AND e.{ident(subject)} IS NOT NULL" if applying else ""
    in_scope = f"FROM {extract} e WHERE ({scope}){known}"
    withheld = frozenset(s for scheme in applying for s in registers.subjects[scheme])
    keyed = tuple((i, f.key, f.prefix) for i, f in enumerate(fields)
                  if f.treatment is Treatment.PSEUDONYMISE)  # fmt: skip
    return Prepared(f"{select}{checked}", in_scope, where, params,
                    tuple(f.name for f in fields), bool(applying), withheld, keyed)  # fmt: skip


def _counts(
    conn: duckdb.DuckDBPyConnection, extract: str, query: _Query, subject: str
) -> tuple[int, int, int]:
    """Rows in the extract, in scope, and in scope with no subject."""
    scope = query.scope
    found = conn.execute(
        f"SELECT count(*), count(*) FILTER ({scope}), "
        f"count(*) FILTER (({scope}) AND e.{ident(subject)} IS NULL) FROM {extract} e",
        query.scope_params,
    ).fetchall()[0]
    return int(found[0]), int(found[1]), int(found[2])


def _pseudonymises(minimisation: Minimisation) -> bool:
    return Treatment.PSEUDONYMISE in minimisation.identifiers.values()


def _register(conn: duckdb.DuckDBPyConnection, i: int, subjects: list[str]) -> str:
    """A temporary table of one register's subjects, to anti-join the extract with."""
    table = f"_optout_{i}"
    # A table from a list parameter: registering an Arrow table would import pandas.
    conn.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS "
                 "SELECT unnest($s::VARCHAR[]) AS subject", {"s": subjects})  # fmt: skip
    return table


def _column_types(conn: duckdb.DuckDBPyConnection, extract: str) -> dict[str, str]:
    rows = conn.execute(f"DESCRIBE SELECT * FROM {extract}").fetchall()
    return {str(r[0]): str(r[1]).upper() for r in rows}


def _check(columns: list[str], minimisation: Minimisation, subject: str) -> None:
    missing = [f for f in (*minimisation.fields, subject) if f not in columns]
    if any(t is Treatment.LINKAGE_ID for t in minimisation.identifiers.values()):
        missing += [] if "linkage_id" in columns else ["linkage_id"]
    if missing:
        raise BadExtract(f"the extract has no column {', '.join(dict.fromkeys(missing))}")
    filtered = [f.field for f in minimisation.rows if f.field not in columns]
    if filtered:
        raise BadExtract(f"the extract has no column {', '.join(dict.fromkeys(filtered))}, "
                         "which a row condition of the agreement reads")  # fmt: skip
    strays = set(minimisation.identifiers) - set(minimisation.fields)
    if strays:
        raise BadExtract(f"identifiers not among the allowed fields: {', '.join(sorted(strays))}")


class _Field(NamedTuple):
    """One field that leaves, and how: as it is, as the record's linkage id, or
    pseudonymised with ``key`` (the agreement's, at its key version) and ``prefix``."""

    name: str
    treatment: Treatment | None
    key: bytes = b""
    prefix: str = ""


def _fields(
    minimisation: Minimisation, disclosure: Disclosure, version: int | None, secret: bytes
) -> list[_Field]:
    fields: list[_Field] = []
    for name in minimisation.fields:
        treatment = minimisation.identifiers.get(name)
        if treatment is Treatment.DROP:
            continue
        if treatment is Treatment.PSEUDONYMISE:
            if version is None:
                raise BadExtract(f"{name} is to be pseudonymised: give the agreement's key version")
            key = keys.derive(secret, "pseudonym", disclosure.agreement_id, str(version))
            fields.append(_Field(name, treatment, key, keys.pseudonym_prefix(version)))
        else:
            fields.append(_Field(name, treatment))
    if not fields:
        raise BadExtract("no field is allowed to leave: nothing to disclose")
    return fields


def _projection(fields: list[_Field]) -> tuple[str, dict[str, object]]:
    """The SELECT list of the minimised extract, and the parameters its keys need."""
    parts: list[str] = []
    params: dict[str, object] = {}
    for f in fields:
        if f.treatment is None:
            parts.append(ident(f.name))
        elif f.treatment is Treatment.LINKAGE_ID:
            parts.append(f"linkage_id AS {ident(f.name)}")
        else:
            params |= hmac_params(f.key, "p")
            hashed = hmac_sql(ident(f.name), "p", 32)
            parts.append(f"{lit(f.prefix)} || {hashed} AS {ident(f.name)}")
    return ", ".join(parts), params


_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL")  # fmt: skip
_COMPARE = {RowOperator.BEFORE: "<", RowOperator.ON_OR_AFTER: ">=", RowOperator.AT_LEAST: ">=",
            RowOperator.AT_MOST: "<="}  # fmt: skip


def _scope(filters: tuple[RowFilter, ...], types: dict[str, str]) -> tuple[str, dict[str, object]]:
    """The rows that may leave, as one SQL condition over ``e``, and its parameters.

    Every value is a parameter, never text in the SQL; a blank field meets no condition.
    """
    if not filters:
        return "TRUE", {}
    parts: list[str] = []
    params: dict[str, object] = {}
    for i, f in enumerate(filters):
        column = _typed(f, f"e.{ident(f.field)}", types[f.field])
        name = f"rows_{i}"
        if f.operator is RowOperator.STARTS_WITH:
            assert isinstance(f.value, tuple)
            names = [f"{name}_{j}" for j in range(len(f.value))]
            params |= dict(zip(names, f.value, strict=True))
            test = " OR ".join(f"starts_with({column}, ${n})" for n in names)
        elif f.operator in (RowOperator.IN, RowOperator.NOT_IN):
            params[name] = list(f.value) if isinstance(f.value, tuple) else [f.value]
            negate = "NOT " if f.operator is RowOperator.NOT_IN else ""
            test = f"{negate}list_contains(${name}, {column})"
        else:
            params[name] = f.value
            test = f"{column} {_COMPARE.get(f.operator, '=')} ${name}"
        parts.append(f"coalesce(({test}), false)")
    return " AND ".join(parts), params


def _typed(f: RowFilter, column: str, kind: str) -> str:
    """The column as the filter's value compares: refused where it cannot be."""
    sample = f.value[0] if isinstance(f.value, tuple) else f.value
    numeric = kind.startswith(_NUMERIC)
    if isinstance(sample, str):
        return f"CAST({column} AS VARCHAR)"
    if isinstance(sample, bool):
        wanted, cast = kind == "BOOLEAN", "BOOLEAN"
    elif isinstance(sample, date):
        if kind.startswith("TIMESTAMP"):
            return f"CAST({column} AS DATE)"
        wanted, cast = kind == "DATE", "DATE"
    else:
        wanted, cast = numeric, "BIGINT" if isinstance(sample, int) else "DOUBLE"
    if wanted:
        return column
    if kind == "VARCHAR":
        return f"TRY_CAST({column} AS {cast})"
    raise BadExtract(f"row condition on {f.field}: {f.operator.value} compares a "
                     f"{type(sample).__name__} but the extract's {f.field} is {kind}")  # fmt: skip


def pseudonym(secret: bytes, agreement_id: str, version: int, value: str) -> str:
    """The pseudonym of one ``value`` under an agreement's key (as :func:`disclose` makes)."""
    check_name(agreement_id, "agreement id")
    key = keys.derive(secret, "pseudonym", agreement_id, str(version))
    digest = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]
    return keys.pseudonym_prefix(version) + digest


def reidentify(
    conn: duckdb.DuckDBPyConnection,
    own: str,
    column: str,
    pseudonyms: list[str],
    agreement_id: str,
    secret: bytes,
    versions: list[int],
) -> dict[str, str]:
    """Pseudonyms back to this node's own values of ``column`` in the relation ``own``.

    Only the controller can: it recomputes the pseudonyms of its own records under each
    live key version and matches them. Pseudonyms of retired versions stay unknown.
    """
    check_name(agreement_id, "agreement id")
    found: dict[str, str] = {}
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _wanted AS SELECT unnest($p::VARCHAR[]) AS pseudonym",
        {"p": pseudonyms},
    )
    try:
        for version in versions:
            key = keys.derive(secret, "pseudonym", agreement_id, str(version))
            made = f"{lit(keys.pseudonym_prefix(version))} || {hmac_sql(ident(column), 'p', 32)}"
            rows = conn.execute(
                f"SELECT w.pseudonym, o.{ident(column)} FROM _wanted w "
                f"JOIN (SELECT DISTINCT {ident(column)}, {made} AS pseudonym FROM {own}) o "
                "USING (pseudonym)",
                hmac_params(key, "p"),
            ).fetchall()
            found |= {str(p): str(v) for p, v in rows}
    finally:
        conn.execute("DROP TABLE IF EXISTS _wanted")
    return found
