"""The point of disclosure: opt-outs applied, fields minimised, identifiers pseudonymised.

One DuckDB query does all three over the extract, so a million rows need no Python
loop: each row's subject (its standardised NHS number, by default) is anti-joined with
the register of each scheme that applies (unsealed in memory for the query); only the
allowed fields are selected; identifiers are replaced as the minimisation says (a
pseudonym keyed to the agreement and key version, the record's linkage id, or
nothing). Rows whose subject is missing cannot be checked against a register, so where
any register applies they are withheld too.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

import duckdb

from accord.people import hmac_params, hmac_sql, ident, lit
from accord.privacy import keys, optouts
from accord.privacy.errors import BadExtract
from accord.privacy.models import Disclosed, Disclosure, Minimisation, Treatment
from accord.store import check_name, check_output, make_private


@dataclass(frozen=True)
class Registers:
    """The opt-out registers consulted at disclosure: per scheme, the identifiers of the
    people who opted out (unsealed from the store, held in memory only), and the node's
    privacy secret (pseudonym keys derive from it)."""

    subjects: dict[str, list[str]]
    secret: bytes


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
    columns = _columns(conn, extract)
    _check(columns, minimisation, subject)
    rulings = tuple(optouts.ruling(s, disclosure) for s in sorted(registers.subjects))
    applying = [r.scheme for r in rulings if r.applies]
    params: dict[str, object] = {}
    joins, checks = [], []
    for i, scheme in enumerate(applying):
        table = f"_optout_{i}"
        # A table from a list parameter: registering an Arrow table would import pandas.
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS "
                     "SELECT unnest($s::VARCHAR[]) AS subject",
                     {"s": registers.subjects[scheme]})  # fmt: skip
        # Compared digits to digits: an extract that kept the spaces of "943 476 5919"
        # must not slip past the register.
        digits = f"regexp_replace(e.{ident(subject)}, '[^0-9]', '', 'g')"
        joins.append(f"ANTI JOIN {table} ON {table}.subject = {digits}")
        checks.append(table)
    where = f"WHERE {ident(subject)} IS NOT NULL" if applying else ""
    select, pseudonymised = _projection(minimisation, disclosure, key_version, registers.secret)
    params |= pseudonymised
    kept = f"SELECT * FROM {extract} e {' '.join(joins)} {where}"
    try:
        conn.execute(f"COPY (SELECT {select} FROM ({kept})) TO {lit(str(out))} (FORMAT parquet)",
                     params)  # fmt: skip
        make_private(out)
        rows_in = conn.execute(f"SELECT count(*) FROM {extract}").fetchall()[0][0]
        rows_out = conn.execute(f"SELECT count(*) FROM read_parquet({lit(str(out))})").fetchall()
        unknown = (conn.execute(f"SELECT count(*) FROM {extract} WHERE {ident(subject)} IS NULL")
                   .fetchall()[0][0] if applying else 0)  # fmt: skip
    finally:
        for table in checks:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
    written = int(rows_out[0][0])
    return Disclosed(int(rows_in), written, int(rows_in) - written - int(unknown), int(unknown),
                     rulings, key_version if pseudonymised else None)  # fmt: skip


def _columns(conn: duckdb.DuckDBPyConnection, extract: str) -> list[str]:
    return [str(r[0]) for r in conn.execute(f"DESCRIBE SELECT * FROM {extract}").fetchall()]


def _check(columns: list[str], minimisation: Minimisation, subject: str) -> None:
    missing = [f for f in (*minimisation.fields, subject) if f not in columns]
    if any(t is Treatment.LINKAGE_ID for t in minimisation.identifiers.values()):
        missing += [] if "linkage_id" in columns else ["linkage_id"]
    if missing:
        raise BadExtract(f"the extract has no column {', '.join(dict.fromkeys(missing))}")
    strays = set(minimisation.identifiers) - set(minimisation.fields)
    if strays:
        raise BadExtract(f"identifiers not among the allowed fields: {', '.join(sorted(strays))}")


def _projection(
    minimisation: Minimisation, disclosure: Disclosure, version: int | None, secret: bytes
) -> tuple[str, dict[str, object]]:
    """The SELECT list of the minimised extract, and the parameters its keys need."""
    parts: list[str] = []
    params: dict[str, object] = {}
    for name in minimisation.fields:
        treatment = minimisation.identifiers.get(name)
        if treatment is None:
            parts.append(ident(name))
        elif treatment is Treatment.LINKAGE_ID:
            parts.append(f"linkage_id AS {ident(name)}")
        elif treatment is Treatment.PSEUDONYMISE:
            if version is None:
                raise BadExtract(f"{name} is to be pseudonymised: give the agreement's key version")
            key = keys.derive(secret, "pseudonym", disclosure.agreement_id, str(version))
            params |= hmac_params(key, "p")
            prefix = lit(keys.pseudonym_prefix(version))
            parts.append(f"{prefix} || {hmac_sql(ident(name), 'p', 32)} AS {ident(name)}")
    if not parts:
        raise BadExtract("no field is allowed to leave: nothing to disclose")
    return ", ".join(parts), params


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
