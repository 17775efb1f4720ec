"""Uniqueness: record ids that repeat, and records that are probably the same person.

Probable persons are found exactly, on strong identifiers, by default; a ``clusters``
file written by ``accord dedupe`` (``record_id,cluster_id``) lets the linkage context's
probabilistic dedupe decide instead, without this context importing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, model_validator
from typing_extensions import override

from accord.people import ident, lit
from accord.quality.checks.base import CheckContext, RowCheck, present
from accord.quality.checks.registry import register_check
from accord.quality.models import Dimension

STRONG_KEYS: tuple[tuple[str, ...], ...] = (
    ("nhs_number", "date_of_birth"),
    ("given_name", "family_name", "date_of_birth", "postcode"),
)


def repeats(columns: tuple[str, ...]) -> str:
    """SQL: the row has every column and an earlier row (by source row) has the same values."""
    parts = ", ".join(ident(c) for c in columns)
    filled = " AND ".join(f"{ident(c)} IS NOT NULL" for c in columns)
    return f"({filled} AND row_number() OVER (PARTITION BY {parts} ORDER BY source_row) > 1)"


def _later_rows(key: tuple[str, ...]) -> str:
    """SQL: the ``source_row`` of each row that :func:`repeats` ``key``.

    Rows are first grouped by a hash of the key, one number, which is cheaper than
    grouping a million names and dates; only rows whose hash repeats (the repeats, and
    the odd collision) are grouped by the key itself.
    """
    parts = ", ".join(ident(c) for c in key)
    filled = " AND ".join(f"{ident(c)} IS NOT NULL" for c in key)
    repeated = (
        f"SELECT hash({parts}) FROM snapshot WHERE {filled} "
        "GROUP BY hash(" + parts + ") HAVING count(*) > 1"
    )
    groups = (
        f"SELECT {parts}, min(source_row) AS __first FROM snapshot "
        f"WHERE {filled} AND hash({parts}) IN ({repeated}) "
        f"GROUP BY {parts} HAVING count(*) > 1"
    )
    return (
        f"SELECT source_row FROM snapshot JOIN ({groups}) USING ({parts}) "
        "WHERE source_row <> __first"
    )


@register_check
class Unique(RowCheck):
    """Counts records with the field given; each record repeating an earlier value fails."""

    type: Literal["unique"] = "unique"
    dimension: ClassVar[Dimension] = Dimension.UNIQUENESS
    field: str = Field(default="record_id", min_length=1)

    @override
    def counted(self, ctx: CheckContext) -> str:
        return present(self.field, ctx)

    @override
    def failing(self, ctx: CheckContext) -> str:
        return repeats((self.field,))

    @override
    def count_query(self, ctx: CheckContext) -> str:
        # n copies of a value are n - 1 repeats, whichever copy came first.
        return (
            f"SELECT count(*), count(*) - count(DISTINCT {ident(self.field)}) "
            f"FROM snapshot WHERE {self.counted(ctx)}"
        )


@register_check
class DuplicatePersons(RowCheck):
    """Counts every record; a record that is probably an earlier record's person fails."""

    type: Literal["duplicate_persons"] = "duplicate_persons"
    dimension: ClassVar[Dimension] = Dimension.UNIQUENESS
    column_key: ClassVar[str] = "keys"
    keys: tuple[tuple[str, ...], ...] | None = Field(
        default=None,
        description="Sets of fields that together identify a person exactly (default: "
        "NHS number + date of birth; given + family name + date of birth + postcode).",
    )
    clusters: Path | None = Field(
        default=None,
        description="A record_id,cluster_id CSV from 'accord dedupe': its clusters decide.",
    )

    @model_validator(mode="after")
    def _one_method(self) -> DuplicatePersons:
        if self.keys is not None and self.clusters is not None:
            raise ValueError("give keys or clusters, not both")
        if self.keys is not None and not all(self.keys):
            raise ValueError("keys: every key needs at least one field")
        return self

    @override
    def reads(self) -> tuple[str, ...]:
        if self.clusters is not None:
            return ("record_id",)
        return tuple(dict.fromkeys(c for key in self.keys or STRONG_KEYS for c in key))

    @override
    def problems(self, ctx: CheckContext) -> list[str]:
        found = super().problems(ctx)
        if self.clusters is not None and not (ctx.base_dir / self.clusters).is_file():
            found.append(f"clusters: no file {ctx.base_dir / self.clusters}")
        return found

    @override
    def count_query(self, ctx: CheckContext) -> str | None:
        if self.clusters is not None:
            return None
        # Groups of a key that repeat are few: the rows after the first of each are found
        # by joining the snapshot to them, and counted once however many keys they repeat.
        later = " UNION ".join(_later_rows(key) for key in self.keys or STRONG_KEYS)
        return f"SELECT (SELECT count(*) FROM snapshot), (SELECT count(*) FROM ({later}))"

    @override
    def failing(self, ctx: CheckContext) -> str:
        if self.clusters is None:
            return " OR ".join(repeats(key) for key in self.keys or STRONG_KEYS)
        path = lit(str(ctx.base_dir / self.clusters))
        later = (
            "SELECT record_id FROM (SELECT record_id, row_number() OVER "
            "(PARTITION BY cluster_id ORDER BY record_id) AS n "
            f"FROM read_csv({path}, header = true, all_varchar = true)) WHERE n > 1"
        )
        return f"record_id IN ({later})"
