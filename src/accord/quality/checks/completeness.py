"""Completeness: is each field filled in?"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field
from typing_extensions import override

from accord.quality.checks.base import CheckContext, RowCheck, given
from accord.quality.checks.registry import register_check
from accord.quality.models import Dimension


@register_check
class Completeness(RowCheck):
    """Every record counts; a record whose field is blank (standard and raw value) fails."""

    type: Literal["completeness"] = "completeness"
    dimension: ClassVar[Dimension] = Dimension.COMPLETENESS
    field: str = Field(min_length=1, description="A snapshot column: a field or an attribute.")

    @override
    def failing(self, ctx: CheckContext) -> str:
        # A value given but unreadable (a date like 31/02/1990) is complete, and invalid.
        return f"NOT {given(self.field, ctx)}"
