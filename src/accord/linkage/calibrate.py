"""Putting a trained model's estimates right before it scores: prior, u, frequencies.

Splink estimates u (how often two records that are *not* the same person land in a
level) from random pairs, and some random pairs are the same person: one in
``1 / prior``. Where most records have their match on the other side (FEBRL's 5,000
originals and 5,000 duplicates: one pair in 5,000), those few pairs make up most of the
random pairs in the rarest levels ("address very similar, postcode too"), and the
evidence of exactly the levels that tell a match apart is understated several times
over. The sample is a mixture, ``f = prior * m + (1 - prior) * u``: with m learnt by
expectation maximisation and the prior estimated, ``u`` is taken out of it.

The prior in turn is the pairs that agree on strong rules (given and family name and
date of birth...) over all pairs, divided by the share of true matches the rules find.
Splink takes that share as given; here it comes from the learnt model: the chance that
a true pair has every field of a rule recorded on both sides and equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import combinations
from typing import Any

UNSEEN_PAIRS = 0.5
"""A level no random non-matching pair landed in is estimated as this many pairs in the
sample (the add-one-half rule), not zero: its evidence is strong but finite."""


def _exact_m(linker: Any, field: str) -> float:
    """The learnt chance that a true pair records ``field`` equal (given both recorded)."""
    comparison = _comparison(linker, field)
    level = next(level for level in comparison.comparison_levels if not level.is_null_level)
    return float(level.m_probability)


def rules_recall(
    linker: Any, rules: Iterable[tuple[str, ...]], recorded: Mapping[str, float]
) -> float:
    """The share of true pairs that agree on at least one of ``rules``.

    A pair agrees on a rule when every field of it is recorded on both sides
    (``recorded``: the chance of that, per field) and equal (the learnt m of its exact
    level); fields are taken as independent, as the model takes them, and the union of
    the rules comes by inclusion and exclusion.
    """
    rules = [tuple(rule) for rule in rules]
    agree = {f: recorded[f] * _exact_m(linker, f) for rule in rules for f in rule}
    total = 0.0
    for size in range(1, len(rules) + 1):
        for chosen in combinations(rules, size):
            fields = {f for rule in chosen for f in rule}
            product = 1.0
            for field in fields:
                product *= agree[field]
            total += product if size % 2 else -product
    return min(max(total, 1e-6), 1.0)


def remove_matches_from_u(linker: Any, sampled_pairs: int) -> None:
    """Take the true matches out of every level's u (see the module's docstring).

    ``sampled_pairs`` is how many random pairs u was estimated from; a level left with
    none is given :data:`UNSEEN_PAIRS` of them.
    """
    settings = linker._settings_obj  # Splink has no public setter for u
    prior = float(settings._probability_two_random_records_match)
    floor = UNSEEN_PAIRS / max(sampled_pairs, 1)
    for comparison in settings.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            m = level.m_probability
            if not level._u_is_trained:  # no random pair landed here
                level.u_probability = floor
            elif m is not None:
                u = float(level.u_probability)
                level.u_probability = max((u - prior * float(m)) / (1 - prior), floor)


def strangers_term_frequencies(linker: Any, records: Mapping[str, int], pairs: int) -> None:
    """Count a value's strangers, not the record itself and its match (``link_only``).

    Splink weighs two records that agree on a value by how common it is: its count over
    both sides, ``n``, of the ``N`` records that have the field. That count holds the
    record itself, and, where the same person is on the other side with the same value,
    its match: a date of birth only one person has counts twice, though no stranger
    has it. Here the count is ``n - 1 - copies``: ``copies`` is the chance that the
    record's match is among the others with the value (the share of records in a true
    pair, by the prior, times the exact level's learnt m), and no value counts less than
    :data:`UNSEEN_PAIRS` of a record. ``records`` holds ``N`` per column; ``pairs`` is
    the number of pairs of records there are.
    """
    settings = linker._settings_obj
    prior = float(settings._probability_two_random_records_match)
    columns: dict[str, float] = {}
    for comparison in settings.comparisons:
        for level in comparison.comparison_levels:
            if not level.is_null_level and level._has_tf_adjustments:
                name = level._tf_adjustment_input_column.unquote().name
                columns[name] = float(level.m_probability)
    if not columns:
        return
    linker.table_management.invalidate_cache()
    for name, m in columns.items():
        total = max(records.get(name, 0), 1)
        in_pairs = min(2 * prior * pairs / total, 1.0)
        count = f"tf_{name} * {total}"
        computed = linker.table_management.compute_tf_table(name)
        corrected = linker.misc.query_sql(
            f"SELECT {name}, greatest({count} - 1 - {in_pairs * m!r}, {UNSEEN_PAIRS!r}) "
            f"/ {total} AS tf_{name} FROM {computed.physical_name}",
            output_type="splink_df",
        )
        linker.table_management.register_term_frequency_lookup(corrected, name)


def _comparison(linker: Any, field: str) -> Any:
    settings = linker._settings_obj
    return settings._get_comparison_by_output_column_name(field)
