"""Accuracy: do values exist in an authoritative reference list (a postcode directory)?"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field
from typing_extensions import override

from accord.people import ident, lit
from accord.quality.checks.base import CheckContext, RowCheck, present
from accord.quality.checks.registry import register_check
from accord.quality.models import Dimension


def _compact(expr: str) -> str:
    return f"upper(regexp_replace({expr}::VARCHAR, '\\s+', '', 'g'))"


@register_check
class InReference(RowCheck):
    """Counts values given and valid; a value not in the reference list fails."""

    type: Literal["in_reference"] = "in_reference"
    dimension: ClassVar[Dimension] = Dimension.ACCURACY
    field: str = Field(min_length=1)
    reference: Path = Field(
        description="A CSV (with a header) or Parquet file; relative to the checklist."
    )
    column: str = Field(min_length=1, description="The reference file's column of values.")
    compare: Literal["compact", "exact"] = Field(
        default="compact",
        description="compact: ignore case and spaces (LS1 4AP = ls14ap); exact: as stored.",
    )

    @override
    def problems(self, ctx: CheckContext) -> list[str]:
        found = super().problems(ctx)
        if not (ctx.base_dir / self.reference).is_file():
            found.append(f"reference: no file {ctx.base_dir / self.reference}")
        return found

    @override
    def counted(self, ctx: CheckContext) -> str:
        issue = f"{self.field}_issue"
        valid = f" AND {ident(issue)} IS NULL" if issue in ctx.columns else ""
        return f"({present(self.field)}{valid})"

    @override
    def failing(self, ctx: CheckContext) -> str:
        path = ctx.base_dir / self.reference
        reader = "read_parquet" if path.suffix.lower() == ".parquet" else "read_csv"
        options = "" if reader == "read_parquet" else ", header = true, all_varchar = true"
        source = f"{reader}({lit(str(path))}{options})"
        value, listed = ident(self.field), ident(self.column)
        if self.compare == "compact":
            value, listed = _compact(value), _compact(listed)
        return f"NOT coalesce({value} IN (SELECT {listed} FROM {source}), false)"
