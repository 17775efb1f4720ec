"""The shape every field standardiser returns: staged SQL expressions.

A field's work is split into stages so that an intermediate value (a cleaned string, a
parsed date) is computed once and read by later expressions: stage ``k`` may refer to the
raw input columns and to every column made by stages ``< k``. The service stacks the
stages of all fields into one query, so the same SQL standardises one record or a
hundred million.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FINAL = 15
"""The stage that makes the output columns; it is the query's last SELECT, so it alone
may reuse an input column's name (``given_name`` in, ``given_name`` out)."""


@dataclass
class FieldPlan:
    """Staged SQL for one field: ``stages[k]`` maps a column name to a DuckDB expression."""

    stages: list[dict[str, str]] = field(default_factory=list)

    def at(self, k: int) -> dict[str, str]:
        """The expressions of stage ``k``, creating empty stages up to it."""
        while len(self.stages) <= k:
            self.stages.append({})
        return self.stages[k]

    def merge(self, other: FieldPlan) -> FieldPlan:
        """Stage-wise union of two plans (column names must not clash)."""
        for k, exprs in enumerate(other.stages):
            stage = self.at(k)
            clash = stage.keys() & exprs.keys()
            if clash:
                raise ValueError(f"columns made twice: {sorted(clash)}")
            stage.update(exprs)
        return self


def ascii_or(expr: str, unicode_expr: str) -> str:
    """``expr`` unchanged when it is pure ASCII, else ``unicode_expr``.

    ``strlen`` counts bytes and ``length`` characters, so equality means ASCII; DuckDB
    evaluates a CASE branch only on the rows that take it, which keeps the costly
    Unicode work (and the Python UDF behind NFKC) off the common path.
    """
    return f"CASE WHEN strlen({expr}) = length({expr}) THEN {expr} ELSE {unicode_expr} END"
