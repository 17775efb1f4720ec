"""The linking party's side: match two providers' encodings, knowing nothing else.

Splink (on the engine chosen: DuckDB by default, see ``engines``) estimates the model
without labels: u from random pairs (seeded), m by expectation maximisation over a few
blocking rules, the chance that two random records match from the pairs that strong
rules find and the share of true pairs the learnt m say they find; the true pairs among
the random ones are then taken out of u and of the term frequencies (``calibrate``). It
then scores every pair the prediction rules bring together. Decisions are the pairs at
or above the threshold, one-to-one by default (best first). Whichever engine scored
them, the pairs come back to the linking party's DuckDB connection and are decided there.
"""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
from splink import Linker, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.exceptions import EMTrainingException

from accord.linkage import calibrate, constraints, labels, model, recall, twins
from accord.linkage.engines import DuckDBEngine, Engine
from accord.linkage.errors import BadEncoding, NothingToCompare
from accord.linkage.models import Clustered, Encoded, LinkOptions, Matched
from accord.linkage.report import amend_summary, write_report
from accord.people import ident, lit

_U_SAMPLE_PAIRS = 1_000_000
"""Random pairs sampled to estimate u probabilities (seeded, so a re-run agrees)..."""
_U_PAIRS_PER_RECORD = 10
"""...or fewer for small inputs: ten per record, at least 100,000. Sampling costs as
much per pair as scoring a candidate, and for ten thousand records a million random
pairs took longer than the whole of the rest of the match."""
_U_MIN_PAIRS = 100_000


_EM_MAX_PAIRS = 2_000_000
"""Pairs each EM session learns from at most: a sample of records (hashed, so a re-run
agrees) past that. At a million people, blocking on date of birth alone gives some
13,000,000 pairs, and m probabilities are as well estimated from two million."""

_PREDICTED = 0.01
"""Pairs kept from prediction: down to this match probability, before the prior's step."""
_KEPT = 0.5
"""Pairs kept from a dedupe's prediction: at least this match probability (the
threshold, if lower, wins)."""


def match(
    conn: duckdb.DuckDBPyConnection,
    left: Encoded,
    right: Encoded,
    out: Path,
    options: LinkOptions | None = None,
    engine: Engine | None = None,
) -> Matched:
    """Decide which references of ``left`` and ``right`` are the same person.

    ``engine`` scores the pairs (default: DuckDB on ``conn``); ``conn`` decides them.
    """
    options = options or LinkOptions()
    engine = engine or DuckDBEngine(conn, out.parent)
    if left.mode is not right.mode or left.run != right.run:
        raise BadEncoding(
            f"{left.path} and {right.path} were not encoded for the same run and mode"
        )
    features = set(left.features) & set(right.features)
    # Scored down to a low probability: the prior's step (``_prior_shift``) may raise it.
    linker, scored, scored_pairs = _scored(engine, {"left": left, "right": right}, features,
                                           "link_only", options, _PREDICTED)  # fmt: skip
    table = engine.collect(scored)
    prior = float(linker.misc.save_model_to_json()["probability_two_random_records_match"])
    shift = _prior_shift(conn, table, prior, left.rows * right.rows)
    weight = f"(match_weight + {shift!r})"
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE _shifted AS SELECT * REPLACE ({weight} AS match_weight, "
        f"1 / (1 + pow(2, -{weight})) AS match_probability) FROM {table}"
    )
    table = twins.household_check(conn, "_shifted", left, right)
    kept_apart = 0
    if not options.nhs_numbers_reused:
        table, kept_apart = constraints.drop_conflicts(conn, table, left, right,
                                                       options.threshold)  # fmt: skip
    if options.one_to_one:
        table = _one_match_each(conn, table, left.rows, right.rows)
    threshold, scored_labels = options.threshold, 0
    if options.labels is not None:
        tuned = labels.tuned_threshold(conn, table, options.labels, options.threshold,
                                       options.one_to_one)  # fmt: skip
        threshold, scored_labels = tuned.threshold, tuned.scored_labels
    if options.report is not None:
        write_report(conn, linker, scored, table, replace(options, threshold=threshold),
                     options.report, scored_pairs, kept_apart)  # fmt: skip
    decided = labels.decided_sql(table, threshold, options.labels)
    if options.one_to_one:
        decided = _one_to_one(conn, decided)
    conn.execute(
        f"COPY ({decided} ORDER BY left_ref, right_ref) TO {lit(str(out))} (FORMAT parquet)"
    )
    pairs = conn.execute(f"SELECT count(*) FROM read_parquet({lit(str(out))})").fetchall()[0][0]
    engine.release()
    ids = None
    if options.linkage_ids:
        ids = out.with_name(out.stem + ".ids.parquet")
        _linkage_ids(conn, left, right, out, ids)
    caught = recall.estimate(conn, left, right, out, model.blocking_keys(features))
    if options.report is not None:
        caught_json = caught.to_json() if caught else {}
        amend_summary(options.report, labels_scored=scored_labels,
                      estimated_blocking_recall=caught_json.get("estimate"),
                      blocking_rules_recall=caught_json.get("rules"))  # fmt: skip
    return Matched(out, int(pairs), scored_pairs, ids, threshold, scored_labels, caught,
                   kept_apart)  # fmt: skip


def _prior_shift(conn: duckdb.DuckDBPyConnection, table: str, prior: float, pairs: int) -> float:
    """Bits to add to every match weight so that the prior agrees with the pairs found.

    The prior (the chance that two random records match) comes from pairs agreeing on
    strong rules, assuming the rules find 80% of matches; where records are noisier
    they find fewer and the prior is too low, every weight with it. One step of
    expectation maximisation puts it right: the prior becomes the share of all pairs
    that the model, scored once, finds to match (at most one per record).
    """
    found = conn.execute(
        "SELECT least(count(DISTINCT ref_l), count(DISTINCT ref_r)) "
        f"FROM {table} WHERE match_probability >= 0.5"
    ).fetchall()[0][0]
    if not found or pairs <= found:
        return 0.0
    estimate = found / pairs
    return math.log2(estimate / (1 - estimate)) - math.log2(prior / (1 - prior))


def _one_match_each(conn: duckdb.DuckDBPyConnection, table: str, left: int, right: int) -> str:
    """Each pair's probability given the other candidates of both its records.

    Scored alone, a pair's chance is its odds against those of any two records. Linked
    one to one, a record has at most one match on the other side, and some share of
    records have one (``M / N`` by the pairs found, ``M``): for a left record, either
    it has no match (``1 - M / N_left``) or its match is one of its candidates, each as
    likely as its odds (``2 ** match_weight``), so

        P(l and r match) = odds(l, r) / (1 - M / N_left + sum of odds(l, r') over r')

    and the same from the right record; a pair keeps the lower of the two. A record
    with one good candidate where nearly every record has a match is more surely
    linked than the pair alone says; one with two candidates as good, less.
    """
    (found,), *_ = conn.execute(
        "SELECT least(count(DISTINCT ref_l), count(DISTINCT ref_r)) "
        f"FROM {table} WHERE match_probability >= 0.5"
    ).fetchall()
    # However many are found, at least half a record on each side has no match.
    unmatched_l = max(1 - found / max(left, 1), 0.5 / max(left, 1))
    unmatched_r = max(1 - found / max(right, 1), 0.5 / max(right, 1))
    odds = "pow(2, match_weight)"
    posterior = (
        f"least({odds} / ({unmatched_l!r} + sum({odds}) OVER (PARTITION BY ref_l)), "
        f"{odds} / ({unmatched_r!r} + sum({odds}) OVER (PARTITION BY ref_r)))"
    )
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _posterior AS SELECT * EXCLUDE (p) REPLACE ("
        "p AS match_probability, log2(p / greatest(1 - p, 1e-300)) AS match_weight) "
        f"FROM (SELECT *, {posterior} AS p FROM {table})"
    )
    return "_posterior"


def _linkage_ids(
    conn: duckdb.DuckDBPyConnection, left: Encoded, right: Encoded, pairs: Path, out: Path
) -> None:
    """Give every reference a linkage id: shared by a pair, the earlier one kept if it can.

    Pairs go first, best first: a pair takes the earlier id of its left record, else of
    its right one, unless another pair took it already. Then records on their own keep
    their earlier ids when still free. Whatever is left gets a new random id.
    """
    prior: dict[tuple[str, str], str | None] = {}
    for side, enc in (("left", left), ("right", right)):
        for ref, prior_id in conn.execute(
            f"SELECT ref, prior_id FROM read_parquet({lit(str(enc.path))})"
        ).fetchall():
            prior[(side, ref)] = prior_id
    decided = conn.execute(
        f"SELECT left_ref, right_ref FROM read_parquet({lit(str(pairs))}) "
        "ORDER BY match_probability DESC, left_ref, right_ref"
    ).fetchall()
    taken: set[str] = set()
    given: dict[tuple[str, str], str] = {}

    def claim(*candidates: str | None) -> str:
        for candidate in candidates:
            if candidate and candidate not in taken:
                taken.add(candidate)
                return candidate
        fresh = "L" + secrets.token_hex(8)
        taken.add(fresh)
        return fresh

    for left_ref, right_ref in decided:
        l_key, r_key = ("left", left_ref), ("right", right_ref)
        if l_key in given or r_key in given:  # many-to-many: join the pair's first id
            shared = given.get(l_key) or given[r_key]
            given.setdefault(l_key, shared)
            given.setdefault(r_key, shared)
            continue
        given[l_key] = given[r_key] = claim(prior[l_key], prior[r_key])
    for key, prior_id in prior.items():
        if key not in given:
            given[key] = claim(prior_id)
    sides, refs, ids = (
        zip(*((k[0], k[1], v) for k, v in given.items()), strict=True) if given else ((), (), ())
    )
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _ids AS SELECT unnest($s) AS side, unnest($r) AS ref, "
        "unnest($i) AS linkage_id",
        {"s": list(sides), "r": list(refs), "i": list(ids)},
    )
    conn.execute(
        f"COPY (SELECT * FROM _ids ORDER BY side, ref) TO {lit(str(out))} (FORMAT parquet)"
    )


def cluster(
    conn: duckdb.DuckDBPyConnection,
    encoded: Encoded,
    out: Path,
    options: LinkOptions | None = None,
    engine: Engine | None = None,
) -> Clustered:
    """Group the references of one source that are the same person (dedupe).

    Clusters join the pairs at or above the threshold, after the twins check, best first
    (connected components), except where a join would put two different valid NHS
    numbers in one cluster (``constraints``); each cluster is named by its smallest
    reference.
    """
    options = options or LinkOptions()
    engine = engine or DuckDBEngine(conn, out.parent)
    _linker, scored, scored_pairs = _scored(engine, {"source": encoded}, set(encoded.features),
                                            "dedupe_only", options)  # fmt: skip
    table = twins.household_check(conn, engine.collect(scored), encoded, encoded)
    joined = conn.execute(
        f"SELECT ref_l, ref_r FROM {table} WHERE match_probability >= {options.threshold!r} "
        "ORDER BY match_probability DESC, ref_l, ref_r"
    ).fetchall()
    engine.release()
    refs = [r for (r,) in conn.execute(
        f"SELECT ref FROM read_parquet({lit(str(encoded.path))}) ORDER BY ref"
    ).fetchall()]  # fmt: skip
    numbers = {} if options.nhs_numbers_reused else constraints.labels(conn, encoded)
    named, kept_apart = constraints.components(refs, joined, numbers)
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _clusters AS "
        "SELECT unnest($r) AS ref, unnest($c) AS cluster_ref",
        {"r": refs, "c": [named[r] for r in refs]},
    )
    conn.execute(f"COPY (SELECT * FROM _clusters ORDER BY ref) TO {lit(str(out))} (FORMAT parquet)")
    return Clustered(out, len(refs), len(set(named.values())), scored_pairs, kept_apart)


def _scored(
    engine: Engine,
    sides: dict[str, Encoded],
    features: set[str],
    link_type: model.LinkType,
    options: LinkOptions,
    floor: float = _KEPT,
) -> tuple[Linker, Any, int]:
    """Load the encodings, train the model without labels, score the candidate pairs.

    Returns the model, the scored pairs at or over ``floor`` (or the threshold) and how
    many pairs were scored in all: the one count of pairs scored that every report gives.
    """
    if not features - {"sex"}:
        raise NothingToCompare("no identifying field to compare on both sides")
    _db, frames = engine.load(sides, features)
    mode = next(iter(sides.values())).mode
    # Until estimated: most records of the smaller side have their match on the other.
    prior = 1 / max(*(e.rows for e in sides.values()), 2)
    explain = options.report is not None
    linker = Linker(frames, model.settings(features, mode, engine, link_type, prior=prior,
                                           explain=explain),
                    log_level=logging.ERROR)  # fmt: skip
    strong: tuple[tuple[str, ...], ...] = (("nhs", "dob"), ("given", "family", "dob"), ("nhs",))
    rules = [r for r in strong if set(r) <= features]
    agreeing = bool(rules) and _agreeing(engine, list(sides), rules)
    records = sum(e.rows for e in sides.values())
    pairs = max(_U_MIN_PAIRS, min(_U_SAMPLE_PAIRS, _U_PAIRS_PER_RECORD * records))
    # One chunk: every sampled pair counts (Splink stops chunking once each level has a
    # hundred pairs, which leaves rare levels rough), and a cluster runs one job, not ten.
    linker.training.estimate_u_using_random_sampling(
        max_pairs=pairs, seed=options.seed, num_chunks=1
    )
    # EM needs true matches to learn from: between two organisations there are many;
    # within one source there may be none, and EM would learn twins as matches. Dedupe
    # keeps the starting m probabilities.
    training = model.training_rules(features) if link_type != "dedupe_only" else []
    for rule in training:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*rule), max_pairs=_EM_MAX_PAIRS
            )
        except EMTrainingException:
            # No pair agrees on this rule's fields (with a wrong secret, none agrees on
            # anything): nothing to learn here, and nothing for the rule to bring in.
            continue
    if agreeing:
        # The prior from the pairs the strong rules find, over the share of true pairs
        # the learnt model says they find; then u without the true pairs in its sample.
        deterministic: list[str | BlockingRuleCreator] = [block_on(*r) for r in rules]
        counts = _counts(sides, features)
        found = calibrate.rules_recall(linker, rules, _recorded(_pair_sides(sides), counts))
        try:
            linker.training.estimate_probability_two_random_records_match(deterministic, found)
        except ValueError:  # the rules found more pairs than that share allows: take all
            linker.training.estimate_probability_two_random_records_match(deterministic, 1.0)
        calibrate.remove_matches_from_u(linker, pairs)
        if link_type == "link_only":
            left, right = sides.values()
            calibrate.strangers_term_frequencies(
                linker, {f: sum(c) for f, c in counts.items()}, left.rows * right.rows
            )
    # The candidate pairs first, to count them: predict scores this same table.
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    scored_pairs = engine.count(blocked)
    scored = linker.inference.predict(threshold_match_probability=min(floor, options.threshold))
    blocked.drop_table_from_database_and_remove_from_cache()
    return linker, scored, scored_pairs


def _pair_sides(sides: dict[str, Encoded]) -> list[Encoded]:
    """The two sides a pair's records come from: a dedupe's source twice."""
    return list(sides.values()) * (2 if len(sides) == 1 else 1)


def _counts(sides: dict[str, Encoded], fields: set[str]) -> dict[str, list[int]]:
    """Per field present: how many records of each of a pair's sides have it."""
    present = sorted(f for f in fields if all(f in e.features for e in sides.values()))
    counts: dict[str, list[int]] = {f: [] for f in present}
    if not present:
        return counts
    with duckdb.connect() as conn:
        for side in sides.values():
            row = conn.execute(
                "SELECT "
                + ", ".join(f"count({ident(f)})" for f in present)
                + f" FROM read_parquet({lit(str(side.path))})"
            ).fetchall()[0]
            for field, count in zip(present, row, strict=True):
                counts[field].append(int(count))
    twice = 2 if len(sides) == 1 else 1  # a dedupe's pairs have the source on both sides
    return {f: n * twice for f, n in counts.items()}


def _recorded(sides: list[Encoded], counts: dict[str, list[int]]) -> dict[str, float]:
    """Per field: the chance that a pair has it recorded on both its sides."""
    return {f: math.prod(c / max(e.rows, 1) for c, e in zip(n, sides, strict=True))
            for f, n in counts.items()}  # fmt: skip


def _agreeing(engine: Engine, sides: list[str], rules: list[tuple[str, ...]]) -> bool:
    """Whether any pair agrees on one of ``rules`` (none does under a wrong secret)."""
    left, right = (sides[0], sides[-1])
    distinct = " AND l.ref < r.ref" if left == right else ""
    for rule in rules:
        on = " AND ".join(f"l.{engine.ident(c)} = r.{engine.ident(c)}" for c in rule)
        if engine.any_row(
            f"SELECT 1 FROM _link_{left} l JOIN _link_{right} r ON {on}{distinct} LIMIT 1"
        ):
            return True
    return False


def _one_to_one(conn: duckdb.DuckDBPyConnection, decided: str) -> str:
    """Best pairs first, each reference used once: greedy, which a clear best pair wins."""
    rows = conn.execute(
        f"SELECT left_ref, right_ref FROM ({decided}) "
        "ORDER BY match_probability DESC, match_weight DESC, left_ref, right_ref"
    ).fetchall()
    used_l: set[str] = set()
    used_r: set[str] = set()
    kept_l, kept_r = [], []
    for left_ref, right_ref in rows:
        if left_ref in used_l or right_ref in used_r:
            continue
        used_l.add(left_ref)
        used_r.add(right_ref)
        kept_l.append(left_ref)
        kept_r.append(right_ref)
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _kept AS "
        "SELECT unnest($l) AS left_ref, unnest($r) AS right_ref",
        {"l": kept_l, "r": kept_r},
    )
    return f"SELECT d.* FROM ({decided}) d JOIN _kept USING (left_ref, right_ref)"
