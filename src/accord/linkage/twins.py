"""Same birthday, family name and postcode: one person, or twins?

The Fellegi–Sunter model counts each field that agrees as evidence of its own, with u
probabilities from random pairs. For two records that share a birthday, a family name
and a postcode that is badly wrong: among random pairs the three together almost never
happen, but among the people of one household they do, for twins. The model adds up
some forty bits for them, and a different given name and NHS number take away a dozen:
where each twin's own record is missing from the other side, one is linked in the
other's place.

So the pairs that agree on all three (every one of them is scored: the postcode is a
blocking rule) get a model of their own. A latent-class model, fitted by expectation
maximisation to those pairs alone, learns from the comparisons that tell a twin from
the same person (the given name, alike or not; the NHS number, the same or one digit
apart, or not; sex) how often such pairs are the same person, and how each comparison
falls for each kind. A pair keeps the lower of its probability and this one: the check
can take a link away, never make one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import duckdb

from accord.linkage.encoding import EDIT_VARIANTS, NHS_DIGITS
from accord.linkage.engines import one_edit_macro
from accord.linkage.models import Encoded
from accord.people import lit

HOUSEHOLD = ("dob", "family", "postcode")
"""What a pair must share to be checked: a birthday in one household."""
TELLING = ("given", "nhs", "sex")
"""What tells twins apart; at least two must be on both sides (one alone cannot tell how
often such pairs are the same person from how the comparison falls)."""

Pattern = tuple[int | None, ...]
_ITERATIONS = 200
_PSEUDO = 0.5
"""Pairs added to every count of the model, so that no probability is 0 or 1."""


def household_check(
    conn: duckdb.DuckDBPyConnection, table: str, left: Encoded, right: Encoded
) -> str:
    """``table`` (scored pairs) with the household check applied; the new table's name.

    Returns ``table`` itself where the check cannot run (see :data:`TELLING`).
    """
    features = set(left.features) & set(right.features)
    telling = [f for f in TELLING if f in features]
    if not set(HOUSEHOLD) <= features or len(telling) < 2:
        return table
    for places in (EDIT_VARIANTS, NHS_DIGITS):
        conn.execute(one_edit_macro(places))
    levels = ", ".join(f"{_level(name, features)} AS {name}" for name in telling)
    same = " AND ".join(f"l.{f} = r.{f}" for f in HOUSEHOLD)
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE _household AS SELECT s.ref_l, s.ref_r, {levels} "
        f"FROM {table} s JOIN read_parquet({lit(str(left.path))}) l ON l.ref = s.ref_l "
        f"JOIN read_parquet({lit(str(right.path))}) r ON r.ref = s.ref_r WHERE {same}"
    )
    counts = {
        tuple(row[:-1]): int(row[-1])
        for row in conn.execute(
            f"SELECT {', '.join(telling)}, count(*) FROM _household GROUP BY ALL"
        ).fetchall()
    }
    if not counts:
        return table
    chance = same_person(counts)
    columns = {f"p{i}": [p[i] for p in chance] for i in range(len(telling))}
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _pattern AS SELECT "
        + ", ".join(f"unnest($p{i}) AS {name}" for i, name in enumerate(telling))
        + ", unnest($chance) AS chance",
        {**columns, "chance": list(chance.values())},
    )
    matched = " AND ".join(f"h.{n} IS NOT DISTINCT FROM p.{n}" for n in telling)
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _checked AS SELECT t.* REPLACE ("
        "least(t.match_probability, coalesce(c.chance, 1)) AS match_probability, "
        "CASE WHEN c.chance < t.match_probability THEN log2(c.chance / (1 - c.chance)) "
        "ELSE t.match_weight END AS match_weight) "
        f"FROM {table} t LEFT JOIN (SELECT h.ref_l, h.ref_r, p.chance FROM _household h "
        f"JOIN _pattern p ON {matched}) c USING (ref_l, ref_r)"
    )
    return "_checked"


def _level(name: str, features: set[str]) -> str:
    """0 where the two records are alike on ``name``, 1 where not, NULL where unknown."""
    alike = [f"l.{name} = r.{name}"]
    unknown = f"l.{name} IS NULL OR r.{name} IS NULL"
    if name == "given":
        if "given_var" in features:
            alike.append(f"accord_one_edit_{EDIT_VARIANTS}(l.given_var, r.given_var)")
        if "given_nick" in features:
            alike.append("len(list_intersect(l.given_nick, r.given_nick)) >= 1")
        if "given_phon" in features:
            alike.append("l.given_phon = r.given_phon")
    if name == "nhs" and "nhs_var" in features:
        # A number failing its check digit is only in ``nhs_var``: one digit apart, alike.
        alike.append(f"accord_one_edit_{NHS_DIGITS}(l.nhs_var, r.nhs_var)")
        unknown = "(l.nhs IS NULL AND l.nhs_var IS NULL) OR (r.nhs IS NULL AND r.nhs_var IS NULL)"
    return f"CASE WHEN {unknown} THEN NULL WHEN {' OR '.join(alike)} THEN 0 ELSE 1 END"


def same_person(counts: dict[Pattern, int]) -> dict[Pattern, float]:
    """For each pattern of comparisons (0 alike, 1 not, None unknown), the chance that a
    pair showing it is the same person, by a two-class model fitted to the counts.

    The class whose records are more often alike on the first comparison is the same
    person; the other, twins (or other near relations).
    """
    width = len(next(iter(counts)))
    share = 0.9
    alike_same, alike_other = [0.9] * width, [0.1] * width
    chance: dict[Pattern, float] = {}
    for _ in range(_ITERATIONS):
        chance = {p: _posterior(p, share, alike_same, alike_other) for p in counts}
        total = sum(counts.values())
        weight = sum(counts[p] * chance[p] for p in counts)
        new_share = (weight + _PSEUDO) / (total + 2 * _PSEUDO)
        alike_same = _alike(counts, chance, width, same=True)
        alike_other = _alike(counts, chance, width, same=False)
        if abs(new_share - share) < 1e-12:
            share = new_share
            break
        share = new_share
    if alike_same[0] < alike_other[0]:  # the classes came out the other way round
        chance = {p: 1 - c for p, c in chance.items()}
    return chance


def _posterior(
    pattern: Pattern, share: float, alike_same: Sequence[float], alike_other: Sequence[float]
) -> float:
    log_same, log_other = math.log(share), math.log(1 - share)
    for value, a_same, a_other in zip(pattern, alike_same, alike_other, strict=True):
        if value is None:
            continue
        log_same += math.log(a_same if value == 0 else 1 - a_same)
        log_other += math.log(a_other if value == 0 else 1 - a_other)
    return 1 / (1 + math.exp(log_other - log_same))


def _alike(
    counts: dict[Pattern, int], chance: dict[Pattern, float], width: int, *, same: bool
) -> list[float]:
    out = []
    for k in range(width):
        alike = seen = 0.0
        for pattern, n in counts.items():
            if pattern[k] is None:
                continue
            w = n * (chance[pattern] if same else 1 - chance[pattern])
            seen += w
            alike += w if pattern[k] == 0 else 0.0
        out.append((alike + _PSEUDO) / (seen + 2 * _PSEUDO))
    return out
