"""The Fellegi-Sunter model, as Splink settings, chosen from the features both sides have.

The same comparisons serve both modes: in ``private`` mode equality is between keyed
tokens (equal values give equal tokens) and fuzzy similarity is the Dice coefficient of
Bloom filters; in ``plaintext`` mode it is Jaro-Winkler on the standardised text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import splink.comparison_level_library as cll
from splink import SettingsCreator, block_on
from splink import comparison_library as cl

from accord.linkage.models import Mode

DICE_MACRO = (
    "CREATE OR REPLACE MACRO accord_dice(a, b) AS "
    "2.0 * bit_count(a & b) / nullif(bit_count(a) + bit_count(b), 0)"
)
"""Dice coefficient of two Bloom filters, defined on the linking party's connection."""


def _similar(name: str, mode: Mode, private: float, plain: float) -> str:
    if mode is Mode.PRIVATE:
        return f"accord_dice({name}_bf_l, {name}_bf_r) >= {private}"
    return f"jaro_winkler_similarity({name}_l, {name}_r) >= {plain}"


def _null(name: str) -> Any:
    return cll.NullLevel(name)


def _fuzzy(name: str, mode: Mode) -> list[Any]:
    """The two similarity levels below exact, for names and addresses."""
    return [
        cll.CustomLevel(_similar(name, mode, 0.8, 0.92), "Very similar"),
        cll.CustomLevel(_similar(name, mode, 0.6, 0.8), "Similar"),
    ]


def _comparisons(features: set[str], mode: Mode) -> list[Any]:
    out: list[Any] = []
    if "nhs" in features:
        out.append(cl.CustomComparison(output_column_name="nhs", comparison_levels=[
            _null("nhs"),
            cll.ExactMatchLevel("nhs"),
            cll.CustomLevel("len(list_intersect(nhs_var_l, nhs_var_r)) >= 1",
                            "One digit different"),
            cll.ElseLevel(),
        ]))  # fmt: skip
    if "dob" in features:
        out.append(cl.CustomComparison(output_column_name="dob", comparison_levels=[
            _null("dob"),
            cll.ExactMatchLevel("dob").configure(tf_adjustment_column="dob"),
            cll.CustomLevel("dob_l = dob_swap_r OR dob_swap_l = dob_r", "Day and month swapped"),
            cll.CustomLevel("md_l = md_r", "Same day and month, another year"),
            cll.CustomLevel("yob_l = yob_r", "Same year"),
            cll.ElseLevel(),
        ]))  # fmt: skip
    for part, other in (("given", "family"), ("family", "given")):
        if part not in features:
            continue
        levels: list[Any] = [
            _null(part),
            cll.ExactMatchLevel(part).configure(tf_adjustment_column=part),
        ]
        if part == "given" and "given_nick" in features:
            levels.append(cll.CustomLevel(
                "len(list_intersect(given_nick_l, given_nick_r)) >= 1", "Nickname of each other"
            ))  # fmt: skip
        levels += _fuzzy(part, mode)
        if other in features:
            levels.append(cll.CustomLevel(f"{part}_l = {other}_r", f"Swapped with {other} name"))
        levels.append(cll.ElseLevel())
        out.append(cl.CustomComparison(output_column_name=part, comparison_levels=levels))
    if "postcode" in features:
        out.append(cl.CustomComparison(output_column_name="postcode", comparison_levels=[
            _null("postcode"),
            cll.ExactMatchLevel("postcode").configure(tf_adjustment_column="postcode"),
            cll.CustomLevel("sector_l = sector_r", "Same sector"),
            cll.CustomLevel("district_l = district_r", "Same district"),
            cll.ElseLevel(),
        ]))  # fmt: skip
    if "address" in features:
        out.append(cl.CustomComparison(output_column_name="address", comparison_levels=[
            _null("address"),
            cll.ExactMatchLevel("address"),
            *_fuzzy("address", mode),
            cll.ElseLevel(),
        ]))  # fmt: skip
    if "sex" in features:
        out.append(cl.CustomComparison(output_column_name="sex", comparison_levels=[
            _null("sex"), cll.ExactMatchLevel("sex"), cll.ElseLevel(),
        ]))  # fmt: skip
    return out


def blocking_rules(features: set[str]) -> list[Any]:
    """Rules for candidate pairs: any one shared strong value brings a pair in."""
    candidates: Sequence[tuple[str, ...]] = (
        ("nhs",), ("dob", "family"), ("dob", "given"), ("postcode", "family"),
        ("postcode", "given"), ("given", "family", "yob"), ("dob", "postcode"),
        ("dob_swap", "family"), ("given", "family", "district"),
    )  # fmt: skip
    return [block_on(*rule) for rule in candidates if set(rule) <= features]


def training_rules(features: set[str]) -> list[tuple[str, ...]]:
    """Blocking rules for EM sessions: each leaves other comparisons free to learn."""
    options: tuple[tuple[str, ...], ...] = (("dob",), ("postcode",), ("given", "family"))
    rules = [r for r in options if set(r) <= features]
    return rules or [tuple(sorted(features))[:1]]


LinkType = Literal["link_only", "link_and_dedupe", "dedupe_only"]


def settings(
    features: set[str], mode: Mode, link_type: LinkType = "link_only", prior: float = 1e-4
) -> SettingsCreator:
    return SettingsCreator(
        link_type=link_type,
        probability_two_random_records_match=prior,
        unique_id_column_name="ref",
        comparisons=_comparisons(features, mode),
        blocking_rules_to_generate_predictions=blocking_rules(features),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
