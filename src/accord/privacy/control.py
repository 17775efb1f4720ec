"""Statistical disclosure control: counts safe to publish, record-level outputs checked.

Aggregate tables (:func:`protect`): small counts are suppressed (primary), then more
cells are suppressed until no hidden cell can be worked out from the published totals
(secondary), then every published count is rounded. Totals are the margins of every
dimension and the grand total, each computed from the true counts and protected by the
same preset. A line of the table (the cells sharing every dimension but one) whose
total is published must hide two cells or none: with one hidden, the total gives it
away. So a line with one hidden cell hides its smallest other non-zero cell too, or, if
it has no other, its total; this repeats until nothing changes.

Record-level pseudonymised outputs (:func:`k_anonymity`): every combination of the
agreement's quasi-identifiers must be shared by at least k rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import product

import duckdb

from accord.people import ident
from accord.privacy.errors import BadTable
from accord.privacy.models import KAnonymity


@dataclass(frozen=True)
class Preset:
    """A suppression and rounding rule."""

    name: str
    suppress_below: int
    """Counts from 1 to ``suppress_below - 1`` are hidden (zero is published)."""
    round_to: int
    """Published counts are rounded to the nearest multiple (halves up); 1 leaves them."""
    description: str


PRESETS: dict[str, Preset] = {
    "hes": Preset("hes", 8, 5, "counts of 1 to 7 suppressed, others rounded to the nearest 5, "
                  "as Hospital Episode Statistics are published"),
    "tre": Preset("tre", 10, 1, "counts of 1 to 9 suppressed, as trusted research "
                  "environments check outputs"),
}  # fmt: skip
"""The presets by name."""

Cell = tuple[object, ...]


@dataclass(frozen=True)
class Published:
    """One published count: its dimensions' values (None for "all"), the count or None
    where hidden, and why it is hidden (``primary``, ``secondary``) or None."""

    key: Cell
    count: int | None
    hidden: str | None


@dataclass(frozen=True)
class Protected:
    """A protected table: its cells, then the totals (margins and grand total)."""

    dimensions: tuple[str, ...]
    cells: tuple[Published, ...]
    totals: tuple[Published, ...]

    @property
    def hidden_cells(self) -> int:
        return sum(1 for c in self.cells if c.hidden)


def protect(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    dimensions: list[str],
    count: str,
    preset: Preset,
) -> Protected:
    """Protect the counts in ``table`` (a relation with one row per cell)."""
    cells = _cells(conn, table, dimensions, count)
    counts = _with_totals(cells, len(dimensions))
    hidden = {k: "primary" for k, n in counts.items() if 0 < n < preset.suppress_below}
    _secondary(counts, _relations(counts, len(dimensions)), hidden)
    ordered = sorted(counts.items(), key=lambda kv: _order(kv[0]))
    published = [_publish(k, n, hidden.get(k), preset) for k, n in ordered]
    return Protected(
        tuple(dimensions),
        tuple(p for p in published if None not in p.key),
        tuple(p for p in published if None in p.key),
    )


def _cells(
    conn: duckdb.DuckDBPyConnection, table: str, dimensions: list[str], count: str
) -> dict[Cell, int]:
    if not dimensions:
        raise BadTable("a table to protect needs at least one dimension")
    names = {str(r[0]) for r in conn.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()}
    missing = [c for c in (*dimensions, count) if c not in names]
    if missing:
        raise BadTable(f"{table}: no column {', '.join(missing)}")
    rows = conn.execute(
        f"SELECT {', '.join(ident(d) for d in dimensions)}, sum({ident(count)})::BIGINT "
        f"FROM {table} GROUP BY ALL"
    ).fetchall()
    if any(v is None for r in rows for v in r[:-1]):
        raise BadTable(f"{table}: a dimension is blank in some row; name the group instead")
    cells = {tuple(r[:-1]): int(r[-1] or 0) for r in rows}
    if any(n < 0 for n in cells.values()):
        raise BadTable(f"{table}: column {count} has a negative count")
    return cells


def _with_totals(cells: dict[Cell, int], width: int) -> dict[Cell, int]:
    """The cells and every total: each set of dimensions summed over (None in its place)."""
    counts: dict[Cell, int] = defaultdict(int)
    for key, n in cells.items():
        for over in product((False, True), repeat=width):
            counts[tuple(None if o else v for v, o in zip(key, over, strict=True))] += n
    return dict(counts)


def _relations(counts: dict[Cell, int], width: int) -> list[tuple[Cell, list[Cell]]]:
    """Each total with the counts it sums along one dimension (a line of the table)."""
    members: dict[tuple[Cell, int], list[Cell]] = defaultdict(list)
    for key in counts:
        for d in range(width):
            if key[d] is not None:
                members[((*key[:d], None, *key[d + 1 :]), d)].append(key)
    return sorted(((total, sorted(keys, key=_order)) for (total, _d), keys in members.items()),
                  key=lambda r: _order(r[0]))  # fmt: skip


def _secondary(
    counts: dict[Cell, int], relations: list[tuple[Cell, list[Cell]]], hidden: dict[Cell, str]
) -> None:
    """Hide more until no published total sums a line with exactly one hidden count."""
    changed = True
    while changed:
        changed = False
        for total, line in relations:
            if total in hidden or sum(1 for k in line if k in hidden) != 1:
                continue
            others = [k for k in line if k not in hidden and counts[k] > 0]
            smallest = min(others, key=lambda k: (counts[k], _order(k)), default=None)
            hidden[smallest if smallest is not None else total] = "secondary"
            changed = True


def _publish(key: Cell, count: int, hidden: str | None, preset: Preset) -> Published:
    if hidden:
        return Published(key, None, hidden)
    step = preset.round_to
    return Published(key, (count + step // 2) // step * step if step > 1 else count, None)


def _order(key: Cell) -> tuple[tuple[int, str], ...]:
    return tuple((0, "") if v is None else (1, str(v)) for v in key)


def k_anonymity(
    conn: duckdb.DuckDBPyConnection, table: str, quasi_identifiers: list[str], k: int
) -> KAnonymity:
    """Whether every combination of ``quasi_identifiers`` in ``table`` has k rows or more."""
    if k < 2 or not quasi_identifiers:
        raise BadTable("k-anonymity needs k of at least 2 and one quasi-identifier or more")
    names = {str(r[0]) for r in conn.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()}
    missing = [c for c in quasi_identifiers if c not in names]
    if missing:
        raise BadTable(f"{table}: no quasi-identifier column {', '.join(missing)}")
    cols = ", ".join(ident(c) for c in quasi_identifiers)
    row = conn.execute(
        f"SELECT coalesce(min(n), 0), count(*) FILTER (n < {int(k)}), "
        f"coalesce(sum(n) FILTER (n < {int(k)}), 0) "
        f"FROM (SELECT count(*) AS n FROM {table} GROUP BY {cols})"
    ).fetchall()[0]
    return KAnonymity(k, int(row[0]), int(row[1]), int(row[2]))
