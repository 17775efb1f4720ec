"""Timeliness: is the snapshot recent enough for how often the dataset should be updated?"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator
from typing_extensions import override

from accord.quality.checks.base import CheckContext, DatasetCheck
from accord.quality.checks.registry import register_check
from accord.quality.models import Dimension

Frequency = Literal[
    "triennial", "biennial", "annual", "annually", "semiannual", "threeTimesAYear",
    "quarterly", "bimonthly", "monthly", "semimonthly", "biweekly", "threeTimesAMonth",
    "weekly", "semiweekly", "threeTimesAWeek", "daily", "continuous",
]  # fmt: skip
"""The Dublin Core frequency terms a catalogue description declares (``irregular``, which
sets no limit, aside), and ``annually`` as checklists wrote ``annual`` before."""
# The longest gap each frequency allows, in days: a period's longest calendar length.
FREQUENCY_DAYS: dict[str, int] = {
    "triennial": 1096, "biennial": 731, "annual": 366, "annually": 366, "semiannual": 184,
    "threeTimesAYear": 123, "quarterly": 92, "bimonthly": 62, "monthly": 31,
    "semimonthly": 16, "biweekly": 14, "threeTimesAMonth": 11, "weekly": 7,
    "semiweekly": 4, "threeTimesAWeek": 3, "daily": 1, "continuous": 1,
}  # fmt: skip


@register_check
class Timeliness(DatasetCheck):
    """Counts the snapshot (total 1); it fails when its reference date is older than the
    declared update frequency allows on the day of the assessment."""

    type: Literal["timeliness"] = "timeliness"
    dimension: ClassVar[Dimension] = Dimension.TIMELINESS
    update_frequency: Frequency | None = Field(
        default=None, description="How often the dataset is meant to be refreshed."
    )
    max_age_days: int | None = Field(
        default=None, ge=0, description="The oldest a snapshot may be, in days, instead."
    )

    @model_validator(mode="after")
    def _one_limit(self) -> Timeliness:
        if (self.update_frequency is None) == (self.max_age_days is None):
            raise ValueError("give update_frequency or max_age_days (one of them)")
        return self

    @property
    def limit_days(self) -> int:
        if self.max_age_days is not None:
            return self.max_age_days
        return FREQUENCY_DAYS[self.update_frequency or "daily"]

    @override
    def measure(self, ctx: CheckContext) -> tuple[int, int]:
        age = (ctx.today - ctx.as_of).days
        return 1, int(age > self.limit_days)
