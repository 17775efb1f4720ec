"""What every check is: a small pydantic model with a stable ``type`` slug and a dimension.

A check's fields are its options in a checklist (validated, and published in the JSON
Schema). Most checks are :class:`RowCheck`: two SQL predicates over a snapshot row, which
the runner evaluates for every check in as few DuckDB scans as it can, so no row becomes
a Python object. A row check names the costly expressions its predicates share
(:meth:`RowCheck.derived`, referred to as :func:`derived_column`), which the runner
computes once per row whatever the number of checks using them; it may use window
functions (duplicates, groups), and may offer an exact grouped count
(:meth:`RowCheck.count_query`) that is cheaper than its windows. A :class:`DatasetCheck`
judges the snapshot as a whole (its age) and returns its counts itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from accord.people import ident, not_blank
from accord.quality.models import Dimension

# Column types whose text form is never blank: a value of one is given when not NULL, and
# is not cast to text to find out (a million dates cast to text cost more than the check).
_NEVER_BLANK = ("DATE", "TIME", "TIMESTAMP", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER",
                "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
                "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "UUID", "INTERVAL")  # fmt: skip


@dataclass(frozen=True)
class CheckContext:
    """What a check may know about the snapshot it runs over."""

    columns: frozenset[str]
    """The snapshot's columns."""
    as_of: date
    """The snapshot's reference date."""
    today: date
    """The day of the assessment."""
    base_dir: Path
    """Where relative file names in the checklist are resolved: the checklist's folder."""
    types: Mapping[str, str] = field(default_factory=dict)
    """Each column's DuckDB type, where known (``VARCHAR``, ``DATE``, ...)."""

    def is_text(self, column: str) -> bool:
        """Whether a value of ``column`` may be blank: text, or a type not known here."""
        kind = self.types.get(column, "VARCHAR").upper()
        return not kind.startswith(_NEVER_BLANK)


def present(column: str, ctx: CheckContext | None = None) -> str:
    """SQL, never NULL: the column holds something other than blanks.

    Text is judged as the people context judges blanks; with ``ctx``, a column of a type
    that cannot be blank (a date, a number) is present when it is not NULL, and any other
    is judged by its text form.
    """
    if ctx is not None and not ctx.is_text(column):
        return f"({ident(column)} IS NOT NULL)"
    return not_blank(_text(column, ctx))


def _text(column: str, ctx: CheckContext | None) -> str:
    kind = ctx.types.get(column) if ctx is not None else None
    return ident(column) if kind == "VARCHAR" else f"{ident(column)}::VARCHAR"


def given(column: str, ctx: CheckContext) -> str:
    """SQL, never NULL: a value was given for a field, in its standard or its raw form."""
    raw = f"{column}_raw"
    if raw not in ctx.columns:
        return present(column, ctx)
    if not ctx.is_text(column):
        # The raw value is looked at only where there is no standard one (a few rows).
        return f"(CASE WHEN {ident(column)} IS NOT NULL THEN true ELSE {present(raw, ctx)} END)"
    return not_blank(_text(column, ctx), _text(raw, ctx))


def derived_column(expr: str) -> str:
    """The column that holds the derived expression ``expr`` (see :meth:`RowCheck.derived`).

    Named by the expression itself, so two checks deriving the same value share one
    column, and two checks with different options never collide.
    """
    return ident(f"__derived_{hashlib.sha256(expr.encode()).hexdigest()[:16]}")


def _type_required(schema: dict[str, Any]) -> None:
    """In a checklist the type is what picks the check: the published schema requires it."""
    required = schema.setdefault("required", [])
    if "type" not in required:
        required.insert(0, "type")


class Check(BaseModel):
    """Base of every check. Subclasses declare ``type: Literal["slug"] = "slug"``."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_type_required)

    type: str
    dimension: ClassVar[Dimension]
    column_key: ClassVar[str] = "field"
    """The checklist key naming the columns of :meth:`reads`, for error messages."""

    @property
    def target(self) -> str | None:
        """The field the check is about, as the report names it (None: the whole dataset)."""
        value = getattr(self, "field", None)
        return value if isinstance(value, str) else None

    def reads(self) -> tuple[str, ...]:
        """Snapshot columns the check needs; the runner refuses a checklist naming others."""
        return (self.target,) if self.target else ()

    def problems(self, ctx: CheckContext) -> list[str]:
        """``key: message`` for each way the check does not fit this snapshot."""
        return [
            f"{self.column_key}: no column {c!r} in this snapshot"
            for c in self.reads()
            if c not in ctx.columns
        ]

    def sample_columns(self, ctx: CheckContext) -> tuple[str, ...]:
        """Columns shown beside ``source_row`` and ``record_id`` for a failing row."""
        shown = []
        for column in self.reads():
            shown += [c for c in (column, f"{column}_raw", f"{column}_issue") if c in ctx.columns]
        return tuple(dict.fromkeys(shown))


class RowCheck(Check):
    """A check decided row by row, in SQL."""

    def derived(self, ctx: CheckContext) -> tuple[str, ...]:  # noqa: ARG002 - for checks that need it
        """SQL expressions over a snapshot row that the predicates read as
        :func:`derived_column` ``(expr)`` rather than repeat.

        The runner computes each distinct expression once per row, in a layer below the
        checks; an expression may read the columns of those before it. Put anything
        costly here (a regular expression, a lookup) that a predicate uses more than
        once, or that another check may share: DuckDB does not share an expression
        between the arms of a ``CASE``, nor between checks.
        """
        return ()

    def count_query(self, ctx: CheckContext) -> str | None:  # noqa: ARG002 - for checks that need it
        """An exact query of one row, ``(total, failed)``, over the view ``snapshot``.

        For a check whose predicates need other rows (windows): grouping is cheaper than
        a window's sort. The predicates still define the check and pick sample rows; the
        two must agree. None (the default): count with the predicates.
        """
        return None

    def counted(self, ctx: CheckContext) -> str:  # noqa: ARG002 - for checks that need it
        """SQL predicate: the row counts towards ``total`` (default: every row)."""
        return "true"

    def failing(self, ctx: CheckContext) -> str:
        """SQL predicate: a counted row fails the check."""
        raise NotImplementedError


class DatasetCheck(Check):
    """A check about the snapshot as a whole."""

    def measure(self, ctx: CheckContext) -> tuple[int, int]:
        """``(total, failed)``."""
        raise NotImplementedError
