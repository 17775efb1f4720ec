"""What every check is: a small pydantic model with a stable ``type`` slug and a dimension.

A check's fields are its options in a checklist (validated, and published in the JSON
Schema). Most checks are :class:`RowCheck`: two SQL predicates over a snapshot row, which
the runner evaluates for every check in one DuckDB query, so no row becomes a Python
object; they may use window functions (duplicates, groups). A :class:`DatasetCheck`
judges the snapshot as a whole (its age) and returns its counts itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from accord.people import blank_to_null, ident
from accord.quality.models import Dimension


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


def present(column: str) -> str:
    """SQL: the column holds something other than blanks (dates and numbers as text)."""
    return f"({blank_to_null(f'{ident(column)}::VARCHAR')} IS NOT NULL)"


def given(column: str, ctx: CheckContext) -> str:
    """SQL: a value was given for a standardised field, in its standard or its raw form."""
    raw = f"{column}_raw"
    if raw in ctx.columns:
        return f"({present(column)} OR {present(raw)})"
    return present(column)


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
