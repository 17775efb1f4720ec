"""Fields that mostly fail: what counts as a failure, and the refusal before publishing.

A value *fails* when it is not blank and either has no standard form (an unparseable
date) or carries an issue code saying it is wrong (an invalid postcode, an NHS number
failing its check digit, a date in the future); the few codes in :data:`WARNINGS` only
ask a person to look. A required field's value that could not be standardised fails
too, though its row went to quarantine. Ingest counts failures per field in the same
scan as its other statistics (:func:`failed_condition`), and before anything is published
:func:`check_failures` refuses an ingest in which some field's share of failures is
over the limit, naming the field, the format it was read with and three example
values, unless the caller accepted that field's issues.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from accord.people import ISSUE_COLUMNS, NAME_FIELDS, blank_to_null, ident, lit
from accord.sources.errors import FieldsMostlyFailed, MappingError
from accord.sources.models import Mapping
from accord.sources.readers.base import Quarantined

FAILED, VALUES = "(failed)", "(values)"
"""Statistics labels: non-blank values that failed, and non-blank values in all (both
counting a required field's values whose rows were quarantined for failing)."""
WARNINGS = frozenset({"ambiguous_day_month", "single_token"})
"""Issue codes that flag a value to look at, not a value that is wrong."""
EXAMPLES = 3


def issue_column(field: str) -> str | None:
    """The issue column that says whether ``field``'s value is wrong, if it has one.

    Names split from a full name, or read from their own columns, have only the
    full name's warning; a name with no standard form still fails (see :func:`failed_condition`).
    """
    if field == "full_name":
        return ISSUE_COLUMNS["name"]
    if field in NAME_FIELDS:
        return None
    return ISSUE_COLUMNS.get(field)


def failed_condition(raw: str, standard: str, issue: str | None) -> str:
    """Whether a field read from column ``raw`` into column ``standard``, with issue
    column ``issue``, failed: SQL over a snapshot's row."""
    present = f"{blank_to_null(ident(raw) + '::VARCHAR')} IS NOT NULL"
    wrong = "false"
    if issue is not None:
        codes = ", ".join(lit(code) for code in sorted(WARNINGS))
        wrong = f"coalesce({ident(issue)} NOT IN ({codes}), false)"
    return f"CASE WHEN {ident(standard)} IS NULL THEN {present} ELSE {wrong} END"


def unusable_reason(name: str, why: str | None) -> str:
    """Quarantine's reason for a required field's value that could not be standardised."""
    return f"{_UNUSABLE.format(name=name)} ({why or 'no value'})"


_UNUSABLE = "required field {name} could not be standardised"


@dataclass(frozen=True)
class _Failing:
    field: str
    failed: int
    values: int
    issues: dict[str, int]


def check_failures(
    conn: duckdb.DuckDBPyConnection,
    snapshot: Path,
    mapping: Mapping,
    where: str,
    measures: dict[str, tuple[str, str]],
    stats: Sequence[tuple[str, str, int]],
    rejected: Sequence[Quarantined],
    *,
    max_rate: float,
    accepted: Collection[str] = (),
) -> None:
    """Refuse (:class:`FieldsMostlyFailed`) when a field not in ``accepted`` has more
    than ``max_rate`` of its non-blank values failing.

    ``measures`` are the columns each field is counted on (raw, standard), ``stats`` the
    counts made on them, ``where`` names the mapping.
    """
    failing = [
        f for f in _rates(stats) if f.field not in accepted and f.failed > max_rate * f.values
    ]
    if not failing:
        return
    lines = [
        f"{where}: fields.{f.field}{_columns(mapping, f.field)}: {f.failed:,} of "
        f"{f.values:,} values ({f.failed / f.values:.0%}) fail as {expected(f.field, mapping)}"
        f"{_why(f)}; e.g. "
        + ", ".join(repr(v) for v in _examples(conn, snapshot, f.field, measures, rejected))
        for f in failing
    ]
    names = " ".join(f"--accept-issues {f.field}" for f in failing)
    lines.append(
        f"nothing was stored: more than {max_rate:.0%} of a field failing is most often a "
        f"wrong mapping (a date format, a column); fix it, or ingest anyway with {names}"
    )
    raise FieldsMostlyFailed("\n".join(lines))


def check_accepted(mapping: Mapping, accepted: Collection[str], where: str) -> None:
    """Refuse accepted fields the mapping does not map, before any row is read."""
    unknown = sorted(set(accepted) - set(mapping.fields))
    if unknown:
        raise MappingError(
            f"{where}: issues accepted for {', '.join(unknown)}, which the mapping does not "
            f"map (fields: {', '.join(mapping.fields)})"
        )


def _rates(stats: Sequence[tuple[str, str, int]]) -> list[_Failing]:
    by_field: dict[str, dict[str, int]] = {}
    for name, issue, n in stats:
        by_field.setdefault(name, {})[issue] = n
    return [
        _Failing(name, counts.get(FAILED, 0), counts.get(VALUES, 0),
                 {k: v for k, v in counts.items() if not k.startswith("(")})
        for name, counts in by_field.items()
        if counts.get(VALUES)
    ]  # fmt: skip


def _columns(mapping: Mapping, name: str) -> str:
    spec = mapping.fields.get(name)
    return f" (column {', '.join(repr(c) for c in spec.columns)})" if spec else ""


def _why(failing: _Failing) -> str:
    issues = [f"{k} {v:,}" for k, v in sorted(failing.issues.items()) if k not in WARNINGS]
    return f" ({', '.join(issues)})" if issues else ""


def expected(name: str, mapping: Mapping) -> str:
    """The format a field's values were read as, in words."""
    if name == "date_of_birth":
        fmt = mapping.date_format
        return f"dates in format {fmt!r}" if fmt else "dates (format inferred, UK day-first)"
    if name == "sex":
        own = ", ".join(f"{k!r}" for k in mapping.sex_codes)
        codes = f"the mapping's codes ({own}) or " if own else ""
        return f"sex codes ({codes}the NHS codes 1, 2, 0, 9, m, f, u, i ...)"
    return _FORMATS.get(name, "text")


_FORMATS = {
    "nhs_number": "NHS numbers (10 digits passing the check digit)",
    "ni_number": "National Insurance numbers (AB123456C)",
    "postcode": "UK postcodes",
    "phone": "phone numbers (UK, or international with +)",
    "email": "e-mail addresses",
    "full_name": "names",
    "given_name": "names",
    "middle_names": "names",
    "family_name": "names",
    "address": "addresses",
}


def _examples(
    conn: duckdb.DuckDBPyConnection,
    snapshot: Path,
    name: str,
    measures: dict[str, tuple[str, str]],
    rejected: Sequence[Quarantined],
) -> list[str]:
    """Up to three distinct failing raw values, in source order: from the snapshot and
    from the rows quarantined because the field could not be standardised."""
    raw, standard = measures[name]
    failed = failed_condition(raw, standard, issue_column(name))
    # No ORDER BY: DuckDB keeps the file's order, and the first rows are enough.
    found = [
        (int(row), str(value))
        for row, value in conn.execute(
            f"SELECT source_row, {ident(raw)}::VARCHAR FROM read_parquet({lit(str(snapshot))}) "
            f"WHERE {failed} LIMIT 50"
        ).fetchall()
    ]
    prefix = _UNUSABLE.format(name=name) + " ("
    found += [(q.row_number or 0, q.raw or "") for q in rejected if q.reason.startswith(prefix)]
    seen: dict[str, None] = {}
    for _row, value in sorted(found):
        seen.setdefault(value[:80], None)
        if len(seen) == EXAMPLES:
            break
    return list(seen)
