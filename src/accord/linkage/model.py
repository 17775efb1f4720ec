"""The Fellegi-Sunter model, as Splink settings, chosen from the features both sides have.

The same comparisons serve both modes: in ``private`` mode equality is between keyed
tokens (equal values give equal tokens) and fuzzy similarity is the Dice coefficient of
Bloom filters; in ``plaintext`` mode it is Jaro-Winkler on the standardised text.
"""

from __future__ import annotations

from typing import Any, Literal

import splink.comparison_level_library as cll
from splink import SettingsCreator, block_on
from splink import comparison_library as cl

from accord.linkage.encoding import EDIT_VARIANTS, NHS_DIGITS
from accord.linkage.engines import Engine
from accord.linkage.models import Mode


def _similar(sql: Engine, name: str, mode: Mode, private: float, plain: float) -> str:
    if mode is Mode.PRIVATE:
        return f"{sql.dice(name)} >= {private}"
    return f"{sql.similarity(name)} >= {plain}"


def _crossed(sql: Engine, part: str, other: str, mode: Mode) -> str:
    """``part`` on one side very similar to ``other`` on the other: swapped and mistyped."""
    if mode is Mode.PRIVATE:
        return f"{sql.dice(part, other)} >= 0.8"
    return f"{sql.similarity(part, other)} >= 0.92"


def _null(name: str) -> Any:
    return cll.NullLevel(name)


def _m(level: Any, m: float) -> Any:
    """``level`` with a starting m probability: how often a true match lands there."""
    return level.configure(m_probability=m)


def _rarely(m: float) -> Any:
    """The last level, for a value the same person almost never records differently.

    Its m probability is fixed rather than learnt: where true matches are few, EM can
    take twins (same birthday, surname and address) for the matches and learn that a
    different first name or NI number is common.
    """
    return cll.ElseLevel().configure(m_probability=m, fix_m_probability=True)


def _fuzzy(sql: Engine, name: str, mode: Mode, m: tuple[float, float]) -> list[Any]:
    """The two similarity levels below exact, for names and addresses."""
    return [
        _m(cll.CustomLevel(_similar(sql, name, mode, 0.8, 0.92), "Very similar"), m[0]),
        _m(cll.CustomLevel(_similar(sql, name, mode, 0.6, 0.8), "Similar"), m[1]),
    ]


def _comparison(name: str, levels: list[Any]) -> Any:
    return cl.CustomComparison(output_column_name=name, comparison_levels=[_null(name), *levels])


def _comparisons(features: set[str], mode: Mode, sql: Engine) -> list[Any]:
    """The comparisons, each level with a starting m probability (a prior from how UK
    records of one person differ): EM refines them when linking; dedupe keeps them."""
    out: list[Any] = []
    if "nhs" in features:
        out.append(_comparison("nhs", [
            _m(cll.ExactMatchLevel("nhs"), 0.96),
            # A masked digit's place is in its variant: lists agree place by place.
            _m(cll.CustomLevel(sql.one_edit("nhs_var", NHS_DIGITS), "One digit different"),
               0.03),
            _rarely(0.01),
        ]))  # fmt: skip
    if "dob" in features:
        out.append(_comparison("dob", [
            _m(cll.ExactMatchLevel("dob").configure(tf_adjustment_column="dob"), 0.9),
            _m(cll.CustomLevel("dob_l = dob_swap_r OR dob_swap_l = dob_r",
                               "Day and month swapped"), 0.03),
            _m(cll.CustomLevel(sql.one_edit("dob_var"),
                               "One digit different or two swapped"), 0.03),
            _m(cll.CustomLevel("md_l = md_r", "Same day and month, another year"), 0.02),
            _m(cll.CustomLevel("yob_l = yob_r", "Same year"), 0.03),
            _m(cll.ElseLevel(), 0.02),
        ]))  # fmt: skip
    for part, other in (("given", "family"), ("family", "given")):
        if part not in features:
            continue
        levels: list[Any] = [
            _m(cll.ExactMatchLevel(part).configure(tf_adjustment_column=part), 0.8),
        ]
        if part == "given" and "given_nick" in features:
            levels.append(_m(cll.CustomLevel(sql.overlap("given_nick"),
                                             "Nickname of each other"), 0.06))  # fmt: skip
        if f"{part}_var" in features:
            levels.append(_m(cll.CustomLevel(sql.one_edit(f"{part}_var"),
                                             "One letter apart or two swapped"), 0.04))  # fmt: skip
        if f"{part}_phon" in features:
            levels.append(_m(cll.CustomLevel(f"{part}_phon_l = {part}_phon_r",
                                             "Sounds alike"), 0.03))  # fmt: skip
        levels += _fuzzy(sql, part, mode, (0.05, 0.03))
        if other in features:
            levels.append(_m(cll.CustomLevel(f"{part}_l = {other}_r",
                                             f"Swapped with {other} name"), 0.02))  # fmt: skip
            levels.append(_m(cll.CustomLevel(_crossed(sql, part, other, mode),
                                             f"Similar to {other} name"), 0.01))  # fmt: skip
        # A given name is changed far less often than a family name (marriage).
        levels.append(_m(cll.ElseLevel(), 0.01) if part == "given" else _m(cll.ElseLevel(), 0.1))
        out.append(_comparison(part, levels))
    # Postcode and address are one piece of evidence (where someone lives), not two:
    # counted apart, a household's twins would score as one person twice over.
    if "postcode" in features or "address" in features:
        out.append(_residence(features, mode, sql))
    # Identifiers a person keeps but does not share: agreement is strong evidence, and
    # disagreement tells twins apart (same birthday, surname and address).
    for name, same, differ in (
        ("sex", 0.98, _rarely(0.02)),
        ("ni", 0.995, _rarely(0.005)),
        ("phone", 0.6, _m(cll.ElseLevel(), 0.4)),
        ("email", 0.6, _m(cll.ElseLevel(), 0.4)),
    ):
        if name in features:
            out.append(_comparison(name, [_m(cll.ExactMatchLevel(name), same), differ]))
    return out


def _residence(features: set[str], mode: Mode, sql: Engine) -> Any:
    """Where someone lives, from the address and postcode together.

    An address only fairly similar is common between strangers (bigrams such as ``st``
    and ``road`` are everywhere); with the postcode agreeing too it is good evidence.
    """
    address, postcode = "address" in features, "postcode" in features
    typo = "postcode_var" in features
    same_postcode = "postcode_l = postcode_r"
    if typo:
        same_postcode += f" OR {sql.one_edit('postcode_var')}"
    levels: list[Any] = []
    if address:
        levels.append(_m(cll.ExactMatchLevel("address"), 0.45))
        very = _similar(sql, "address", mode, 0.8, 0.92)
        if postcode:
            # The postcode first: most candidate pairs fail it, and then no Dice is computed.
            both = f"({same_postcode}) AND {very}"
            levels.append(_m(cll.CustomLevel(both, "Address very similar, postcode too"), 0.15))
        levels.append(_m(cll.CustomLevel(very, "Address very similar"), 0.05))
        if postcode:
            levels.append(_m(cll.CustomLevel(
                f"({same_postcode}) AND {_similar(sql, 'address', mode, 0.6, 0.8)}",
                "Address similar, postcode too"), 0.03))  # fmt: skip
    if postcode:
        levels.append(
            _m(cll.ExactMatchLevel("postcode").configure(tf_adjustment_column="postcode"), 0.1)
        )
        if typo:
            levels.append(_m(cll.CustomLevel(sql.one_edit("postcode_var"),
                                             "Postcode one character apart"), 0.02))  # fmt: skip
        levels += [
            _m(cll.CustomLevel("sector_l = sector_r", "Same sector"), 0.03),
            _m(cll.CustomLevel("district_l = district_r", "Same district"), 0.03),
        ]
    if address:
        levels.append(_m(cll.CustomLevel(_similar(sql, "address", mode, 0.6, 0.8),
                                         "Address similar"), 0.04))  # fmt: skip
    levels.append(_m(cll.ElseLevel(), 0.15))
    null = " AND ".join(f"({c}_l IS NULL OR {c}_r IS NULL)" for c in ("postcode", "address")
                        if c in features)  # fmt: skip
    return cl.CustomComparison(output_column_name="residence", comparison_levels=[
        cll.CustomLevel(null, "Null").configure(is_null_level=True), *levels,
    ])  # fmt: skip


BlockingKey = tuple[tuple[str, str], ...]
"""A blocking rule as the columns it equates: (left column, right column) pairs."""


def _same(*columns: str) -> BlockingKey:
    return tuple((c, c) for c in columns)


def blocking_keys(features: set[str]) -> list[BlockingKey]:
    """Rules for candidate pairs: any one shared strong value brings a pair in.

    A date of birth or a full postcode alone keeps blocks small (a few dozen people a
    day, a few households a postcode) and finds pairs whose names were both mistyped.
    A date with day and month swapped meets the other side's date (the two share a key).
    A postcode one character apart with the same family name finds movers' and typists'
    pairs the others miss. Without an NHS number, which finds most pairs whatever else
    differs, it runs with the given name too: on FEBRL4 that finds some ten more true
    pairs of 5,000; with NHS numbers, it found none more in 200,000 people and cost a
    fifth more time.
    """
    # With sex on both sides, a date of birth blocks with it: half the pairs of a date
    # alone (some 13,000,000 at a million people), and a true pair rarely differs in both.
    dob = _same("dob", "sex") if "sex" in features else _same("dob")
    keys = [
        _same("nhs"), dob, _same("postcode"), _same("given", "family", "yob"),
        (("dob", "dob_swap"), ("family", "family")), (("dob_swap", "dob"), ("family", "family")),
        _same("given", "family", "district"), _same("address"),
        _same("postcode_var", "family"),
    ]  # fmt: skip
    if "nhs" not in features:
        keys.append(_same("postcode_var", "given"))
    return [key for key in keys if {c for pair in key for c in pair} <= features]


def blocking_rules(features: set[str], sql: Engine) -> list[Any]:
    """:func:`blocking_keys` as Splink rules.

    A rule on typo variants (a list per record) becomes one rule per place in the list
    (the same variant at the same place): exploding the lists instead makes Splink
    group every candidate pair of every rule to drop duplicates, which at a million
    people does not fit in memory.
    """
    rules: list[Any] = []
    for key in blocking_keys(features):
        lists = [left for left, _ in key if left.endswith("_var")]
        if all(left == right for left, right in key) and not lists:
            rules.append(block_on(*(left for left, _ in key)))
            continue
        for place in range(EDIT_VARIANTS if lists else 1):
            rules.append(" AND ".join(
                f"{sql.item('l.' + left, place)} = {sql.item('r.' + right, place)}"
                if left in lists else f"l.{left} = r.{right}"
                for left, right in key
            ))  # fmt: skip
    return rules


def training_rules(features: set[str]) -> list[tuple[str, ...]]:
    """Blocking rules for EM sessions: each leaves other comparisons free to learn."""
    options: tuple[tuple[str, ...], ...] = (("dob",), ("postcode",), ("given", "family"))
    rules = [r for r in options if set(r) <= features]
    return rules or [tuple(sorted(features))[:1]]


LinkType = Literal["link_only", "link_and_dedupe", "dedupe_only"]


def settings(
    features: set[str],
    mode: Mode,
    sql: Engine,
    link_type: LinkType = "link_only",
    prior: float = 1e-4,
    explain: bool = False,
) -> SettingsCreator:
    """Splink settings, with SQL spelt for ``sql``'s backend; ``explain`` keeps what the
    report's waterfall chart needs."""
    return SettingsCreator(
        link_type=link_type,
        probability_two_random_records_match=prior,
        unique_id_column_name="ref",
        comparisons=_comparisons(features, mode, sql),
        blocking_rules_to_generate_predictions=blocking_rules(features, sql),
        retain_matching_columns=explain,
        retain_intermediate_calculation_columns=explain,
    )
