"""Per-field statistics of a standardised snapshot, and the report made from them.

For each canonical field the mapping gives: the values read (present, not blank), the
values with a standard form, the issues flagged, the values that failed (``failures``)
and the rows quarantined. They are counted in one scan of the snapshot
(:func:`statistics_of`), stored with it as ``(field, issue, count)`` rows (the counts
that are not issues carry a label in brackets), and turned back into
:class:`FieldReport` for the ingest report (:func:`field_reports`).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

import duckdb

from accord.people import ISSUE_COLUMNS, NAME_FIELDS, blank_to_null, ident, lit
from accord.sources.failures import FAILED, VALUES, failed_condition, issue_column
from accord.sources.models import Mapping
from accord.sources.readers.base import Quarantined

PRESENT, STANDARD, QUARANTINED = "(present)", "(standard)", "(quarantined)"
REPORTED_FIELDS = (
    "record_id", "full_name", "given_name", "middle_names", "family_name", "date_of_birth",
    "sex", "nhs_number", "ni_number", "postcode", "address", "phone", "email",
)  # fmt: skip


@dataclass(frozen=True)
class FieldReport:
    """How one canonical field fared in an ingest."""

    field: str
    read: int
    standardised: int
    quarantined: int
    issues: dict[str, int] = dataclass_field(default_factory=dict)
    failed: int = 0
    """Non-blank values that failed (``failures``), counting those quarantined for it."""
    values: int = 0
    """Non-blank values in all, counting those quarantined because they failed."""

    @property
    def flagged(self) -> int:
        return sum(self.issues.values())

    @property
    def failure_rate(self) -> float:
        """The share of the field's non-blank values that failed."""
        return self.failed / self.values if self.values else 0.0


def measures_of(mapping: Mapping) -> dict[str, tuple[str, str]]:
    """Per reported field: (expression counted as read, expression counted as standardised)."""
    mapped = set(mapping.fields)
    split = "full_name" in mapped
    measures: dict[str, tuple[str, str]] = {}
    for name in REPORTED_FIELDS:
        if name == "record_id":
            measures[name] = ("record_id", "record_id")
        elif name == "full_name" and split:
            measures[name] = ("full_name_raw", "family_name")
        elif name in NAME_FIELDS and split:
            measures[name] = (name, name)
        elif name in mapped:
            measures[name] = (f"{name}_raw", name)
    return measures


def statistics_of(
    conn: duckdb.DuckDBPyConnection, out: Path, mapping: Mapping, rejected: list[Quarantined],
    unusable: list[tuple[str, Quarantined]],
) -> list[tuple[str, str, int]]:  # fmt: skip
    """``(field, issue, count)``: values read, standardised, flagged per issue, quarantined,
    failed (``failures``: ``unusable`` are the required values quarantined for failing).

    One scan of the snapshot. A value with a standard form was present, so the costly
    test for a blank raw value runs only on the others.
    """
    snap = f"read_parquet({lit(str(out))})"
    measures = measures_of(mapping)
    labels: list[tuple[str, str]] = []
    counts: list[str] = []
    for name, (read, std) in measures.items():
        labels += [(name, PRESENT), (name, STANDARD), (name, FAILED)]
        raw = ident(read) + "::VARCHAR"
        counts += [
            f"count_if(CASE WHEN {ident(std)} IS NOT NULL THEN true WHEN {raw} IS NULL "
            f"THEN false ELSE {blank_to_null(raw)} IS NOT NULL END)",
            f"count({ident(std)})",
            f"count_if({failed_condition(read, std, issue_column(name))})",
        ]
    issues = [
        ("full_name" if name == "name" else name, column)
        for name, column in ISSUE_COLUMNS.items()
        if ("full_name" if name == "name" else name) in measures
    ]
    counts += [f"histogram({ident(column)})" for _, column in issues]
    found = conn.execute(f"SELECT {', '.join(counts)} FROM {snap}").fetchall()[0]
    # count_if of no rows is NULL.
    stats = [(f, i, int(n or 0)) for (f, i), n in zip(labels, found, strict=False)]
    for (name, _), histogram in zip(issues, found[len(labels) :], strict=True):
        stats += [(name, str(issue), int(n)) for issue, n in sorted((histogram or {}).items())]
    by_column = {c: n for n, spec in mapping.fields.items() for c in spec.columns}
    per_field: dict[str, int] = {}
    for q in rejected:
        name = by_column.get(q.column or "", "(row)")
        per_field[name] = per_field.get(name, 0) + 1
    stats += [(name, QUARANTINED, n) for name, n in sorted(per_field.items())]
    return _with_unusable(stats, unusable)


def _with_unusable(
    stats: list[tuple[str, str, int]], unusable: list[tuple[str, Quarantined]]
) -> list[tuple[str, str, int]]:
    """Add the values quarantined for failing to the failures, and count every value."""
    lost: dict[str, int] = {}
    for name, _ in unusable:
        lost[name] = lost.get(name, 0) + 1
    out: list[tuple[str, str, int]] = []
    for name, issue, n in stats:
        if issue == FAILED:
            n += lost.get(name, 0)
        out.append((name, issue, n))
        if issue == PRESENT:
            out.append((name, VALUES, n + lost.get(name, 0)))
    return out


def field_reports(stats: list[tuple[str, str, int]]) -> list[FieldReport]:
    by_field: dict[str, dict[str, int]] = {}
    for name, issue, n in stats:
        by_field.setdefault(name, {})[issue] = n
    order = {f: i for i, f in enumerate((*REPORTED_FIELDS, "(row)"))}
    reports = []
    for name in sorted(by_field, key=lambda f: order.get(f, len(order))):
        counts = by_field[name]
        issues = {k: v for k, v in counts.items() if not k.startswith("(")}
        reports.append(FieldReport(
            field=name, read=counts.get(PRESENT, 0), standardised=counts.get(STANDARD, 0),
            quarantined=counts.get(QUARANTINED, 0), issues=issues,
            failed=counts.get(FAILED, 0), values=counts.get(VALUES, 0),
        ))  # fmt: skip
    return reports
