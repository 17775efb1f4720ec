"""Statistical disclosure control: counts safe to publish, record-level outputs checked.

Aggregate tables (:func:`protect`, :func:`protect_csv` for a file): every count must be
a whole number of zero or more (anything else is refused, by row). Small counts are
suppressed (primary), then more cells are suppressed until no hidden cell can be worked
out from the published totals (secondary), then every published count is rounded.
Totals are the margins of every dimension and the grand total, each computed from the
true counts and protected by the same preset. A line of the table (the cells sharing
every dimension but one) whose total is published must hide two cells or none: with
one hidden, the total gives it away. So a line with one hidden cell hides its smallest
other non-zero cell too, or, if it has no other, its total; this repeats until nothing
changes.

Record-level pseudonymised outputs (:func:`k_anonymity`): every combination of the
agreement's quasi-identifiers must be shared by at least k rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import duckdb

from accord.people import ident, lit
from accord.privacy.errors import BadTable
from accord.privacy.models import KAnonymity
from accord.store import excerpt


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
    *,
    where: str | None = None,
) -> Protected:
    """Protect the counts in ``table`` (a relation with one row per cell).

    Every count must be a whole number of zero or more (a number held as text is
    read, ``12.0`` is 12); anything else is refused with its row: a fraction, a
    negative or a blank count is plausible nonsense, not a count. ``where`` names the
    table in messages (default: its name); rows are numbered from 1, or as a file's
    lines when ``where`` is a CSV file (header = 1).
    """
    cells = _cells(conn, table, dimensions, count, where or table)
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


def protect_csv(path: Path, dimensions: list[str], count: str, preset: Preset) -> Protected:
    """Protect the counts in the CSV file at ``path`` (a header, then one row per cell)."""
    with duckdb.connect() as conn:
        try:
            conn.execute(f"CREATE TABLE counts AS SELECT * FROM read_csv({lit(str(path))}, "
                         "header = true, all_varchar = true)")  # fmt: skip
        except duckdb.Error as exc:
            reason = " ".join(line.strip() for line in str(exc).strip().splitlines()[:2])
            raise BadTable(f"{path}: cannot be read as a CSV table of counts ({reason})") from None
        return protect(conn, "counts", dimensions, count, preset, where=str(path))


_WHOLE = r"[0-9]+(\.0*)?"
"""A count as text: digits, and at most a fraction of zeros (``12.0`` from a float column)."""


def _cells(
    conn: duckdb.DuckDBPyConnection, table: str, dimensions: list[str], count: str, where: str
) -> dict[Cell, int]:
    if not dimensions:
        raise BadTable("a table to protect needs at least one dimension")
    names = [str(r[0]) for r in conn.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()]
    missing = [c for c in (*dimensions, count) if c not in names]
    if missing:
        raise BadTable(f"{where}: no column {', '.join(missing)} (it has "
                       f"{', '.join(names[:20])}{', …' if len(names) > 20 else ''})")  # fmt: skip
    _check_counts(conn, table, count, where)
    value = f"regexp_replace(trim({ident(count)}::VARCHAR), '\\.0*$', '')::HUGEINT"
    rows = conn.execute(
        f"SELECT {', '.join(ident(d) for d in dimensions)}, sum({value}) FROM {table} GROUP BY ALL"
    ).fetchall()
    if any(v is None for r in rows for v in r[:-1]):
        raise BadTable(f"{where}: a dimension is blank in some row; name the group instead")
    return {tuple(r[:-1]): int(r[-1]) for r in rows}


def _check_counts(conn: duckdb.DuckDBPyConnection, table: str, count: str, where: str) -> None:
    """Refuse the first count that is not a whole number of zero or more, by its row."""
    bad = conn.execute(
        f"SELECT n, v FROM (SELECT row_number() OVER () AS n, trim({ident(count)}::VARCHAR) "
        f"AS v FROM {table}) WHERE v IS NULL OR NOT regexp_full_match(v, '{_WHOLE}') "
        "ORDER BY n LIMIT 1"
    ).fetchall()
    if not bad:
        return
    n, v = bad[0]
    row = f"line {n + 1}" if where.lower().endswith(".csv") else f"row {n}"
    if v is None or v == "":
        problem = "is blank; a count is a whole number (0 for none)"
    elif re.fullmatch(r"-\s*[0-9]+(\.[0-9]*)?", v):
        problem = f"{excerpt(v)} is a negative count"
    elif re.fullmatch(r"[0-9]*\.[0-9]+", v):
        problem = f"{excerpt(v)} is not a whole number: counts of people or events are 0, 1, 2 …"
    else:
        problem = f"{excerpt(v)} is not a number"
    raise BadTable(f"{where}, {row}, column {count}: {problem}")


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
