"""Validity: does each given value pass its field's rules (check digit, format, plausibility)?

The rules are the people context's: standardisation writes an ``X_issue`` code beside
each value that fails one, so validity counts issue codes and re-implements nothing.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field
from typing_extensions import override

from accord.people import ident, lit
from accord.quality.checks.base import CheckContext, RowCheck, present
from accord.quality.checks.registry import register_check
from accord.quality.models import Dimension

ValidatedField = Literal[
    "date_of_birth", "sex", "nhs_number", "ni_number", "postcode", "phone", "email"
]
# Issue codes that warn rather than invalidate: 03/04/1990 is a real date, read day-first.
NOT_INVALID: dict[str, tuple[str, ...]] = {"date_of_birth": ("ambiguous_day_month",)}


@register_check
class Validity(RowCheck):
    """Counts values given (raw value not blank); a value with an issue code fails."""

    type: Literal["validity"] = "validity"
    dimension: ClassVar[Dimension] = Dimension.VALIDITY
    field: ValidatedField
    ignore: tuple[str, ...] | None = Field(
        default=None,
        description="Issue codes that do not make a value invalid "
        "(default: ambiguous_day_month for date_of_birth, none otherwise).",
    )

    @override
    def reads(self) -> tuple[str, ...]:
        return (self.field, f"{self.field}_raw", f"{self.field}_issue")

    @override
    def counted(self, ctx: CheckContext) -> str:
        return present(f"{self.field}_raw", ctx)

    @override
    def failing(self, ctx: CheckContext) -> str:
        issue = ident(f"{self.field}_issue")
        ignored = NOT_INVALID.get(self.field, ()) if self.ignore is None else self.ignore
        if not ignored:
            return f"{issue} IS NOT NULL"
        return f"{issue} IS NOT NULL AND {issue} NOT IN ({', '.join(map(lit, ignored))})"
