"""Clerical labels fed back: a person's verdict on pairs, used by the next run.

The report's ``review.csv`` lists pairs near the threshold by record id with an empty
``label`` column; a reviewer writes 1 (same person) or 0 (not). On the next run:

- each provider turns the record ids into this run's references (:func:`to_refs`), so
  the linking party still sees no record id;
- the linking party (:func:`tuned_threshold`, :func:`decided_sql`) moves the threshold
  to where it best agrees with the labels the model scored, and takes every label as
  decided: a pair labelled 1 is linked (probability 1), a pair labelled 0 never is.

Labels do not re-estimate m probabilities: pairs near the threshold are the hard
cases, and m learnt from them alone would describe hard cases, not true matches.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from accord.linkage.errors import LinkageError
from accord.linkage.models import References
from accord.people import lit

_YES = {"1", "y", "yes", "true", "match", "same"}
_NO = {"0", "n", "no", "false", "non-match", "nonmatch", "different"}
MIN_LABELS = 20
"""Labels the model scored, of both kinds, needed before the threshold moves."""


class BadLabels(LinkageError):
    """A labels file that cannot be read as ``left_id,right_id,label``."""


@dataclass(frozen=True)
class Tuned:
    """The threshold after the labels, and how many labels it was chosen on."""

    threshold: float
    scored_labels: int
    moved: bool


def read(path: Path) -> list[tuple[str, str, bool]]:
    """``(left_id, right_id, same)`` from a CSV with those columns; blank labels skipped."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = {"left_id", "right_id", "label"} - set(reader.fieldnames or [])
            if missing:
                raise BadLabels(f"{path}: no column {', '.join(sorted(missing))}")
            rows = []
            for line, row in enumerate(reader, start=2):
                label = (row["label"] or "").strip().lower()
                if not label:
                    continue
                if label not in _YES | _NO:
                    raise BadLabels(f"{path}, row {line}, column label: {row['label']!r} is "
                                    "not 1 (same person) or 0 (not)")  # fmt: skip
                left, right = (row["left_id"] or "").strip(), (row["right_id"] or "").strip()
                if not left or not right:
                    raise BadLabels(f"{path}, row {line}: a labelled pair needs both ids")
                rows.append((left, right, label in _YES))
            return rows
    except OSError as exc:
        raise BadLabels(f"{path}: cannot read the labels ({exc.strerror})") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BadLabels(f"{path}: not a UTF-8 CSV file ({exc})") from exc


@dataclass(frozen=True)
class Found:
    """How many labelled pairs name a record of each source (:func:`to_refs`)."""

    given: int
    kept: int
    """Labelled pairs whose two records are both there: the ones that count."""
    unknown_left: int
    """Labelled pairs whose left id is no record of the left source."""
    unknown_right: int
    """Labelled pairs whose right id is no record of the right source."""

    def problem(self, path: Path, left: str, right: str) -> str | None:
        """What is wrong with the labels, in words, or None when every pair was found."""
        if self.kept == self.given:
            return None
        missing = (f"{self.unknown_left:,} left ids are no record of {left}, "
                   f"{self.unknown_right:,} right ids no record of {right}")  # fmt: skip
        if self.kept == 0:
            return (f"{path}: none of its {self.given:,} labelled pairs names a record of "
                    f"both sources ({missing}): is it the review of another link, or are "
                    "the sources given the other way round?")  # fmt: skip
        return (f"{path}: {self.given - self.kept:,} of {self.given:,} labelled pairs were "
                f"ignored, naming records the sources do not have ({missing})")  # fmt: skip


def to_refs(
    conn: duckdb.DuckDBPyConnection,
    labels: list[tuple[str, str, bool]],
    left: References,
    right: References,
    out: Path,
) -> Found:
    """The providers' part: labelled pairs by this run's references, as Parquet
    (``left_ref, right_ref, same``). Pairs whose records are gone are dropped and
    counted: a file of labels that names no record is a mistake to report, not a
    silent no-op."""
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE _labels AS SELECT unnest($l::VARCHAR[]) AS left_id, "
        "unnest($r::VARCHAR[]) AS right_id, unnest($s::BOOLEAN[]) AS same",
        {"l": [x[0] for x in labels], "r": [x[1] for x in labels], "s": [x[2] for x in labels]},
    )
    lefts, rights = f"read_parquet({lit(str(left.path))})", f"read_parquet({lit(str(right.path))})"
    unknown = conn.execute(
        "SELECT count(*) FILTER (WHERE left_id NOT IN (SELECT record_id FROM "
        f"{lefts} WHERE record_id IS NOT NULL)), count(*) FILTER (WHERE right_id NOT IN "
        f"(SELECT record_id FROM {rights} WHERE record_id IS NOT NULL)), "
        "count(*) FILTER (WHERE left_id IN (SELECT record_id FROM "
        f"{lefts}) AND right_id IN (SELECT record_id FROM {rights})) FROM _labels"
    ).fetchall()[0]
    conn.execute(
        "COPY (SELECT l.ref AS left_ref, r.ref AS right_ref, bool_and(x.same) AS same "
        f"FROM _labels x JOIN {lefts} l ON l.record_id = x.left_id "
        f"JOIN {rights} r ON r.record_id = x.right_id "
        f"GROUP BY ALL ORDER BY ALL) TO {lit(str(out))} (FORMAT parquet)"
    )
    conn.execute("DROP TABLE _labels")
    return Found(len(labels), int(unknown[2]), int(unknown[0]), int(unknown[1]))


def tuned_threshold(
    conn: duckdb.DuckDBPyConnection,
    scored: str,
    labels: Path,
    threshold: float,
    one_to_one: bool = True,
) -> Tuned:
    """The threshold at which the model's decisions disagree least with the labels it
    scored (nearest to ``threshold`` among equals); ``threshold`` itself with fewer than
    :data:`MIN_LABELS` such labels or only one kind.

    One-to-one, a pair that is not the best of both its records is settled by the
    assignment, whatever the threshold: only the others say where the threshold goes.
    """
    pairs = scored
    if one_to_one:
        pairs = (
            "(SELECT * FROM (SELECT ref_l, ref_r, match_probability, "
            "match_probability = max(match_probability) OVER (PARTITION BY ref_l) "
            "AND match_probability = max(match_probability) OVER (PARTITION BY ref_r) "
            f"AS best FROM {scored}) WHERE best)"
        )
    rows = conn.execute(
        f"SELECT s.match_probability, x.same FROM read_parquet({lit(str(labels))}) x "
        f"JOIN {pairs} s ON s.ref_l = x.left_ref AND s.ref_r = x.right_ref"
    ).fetchall()
    kinds = {same for _, same in rows}
    if len(rows) < MIN_LABELS or len(kinds) < 2:
        return Tuned(threshold, len(rows), moved=False)

    def errors(t: float) -> int:
        return sum(1 for p, same in rows if (p >= t) != same)

    candidates = sorted({threshold, *(float(p) for p, _ in rows)})
    best = min(candidates, key=lambda t: (errors(t), abs(t - threshold)))
    return Tuned(best, len(rows), moved=best != threshold)


def decided_sql(scored: str, threshold: float, labels: Path | None) -> str:
    """The pairs decided before one-to-one: ``left_ref, right_ref, match_probability,
    match_weight``; labelled pairs as labelled."""
    above = (
        "SELECT ref_l AS left_ref, ref_r AS right_ref, match_probability, match_weight "
        f"FROM {scored} WHERE match_probability >= {float(threshold)}"
    )
    if labels is None:
        return above
    source = f"read_parquet({lit(str(labels))})"
    return (
        f"SELECT d.* FROM ({above}) d ANTI JOIN {source} x "
        "ON x.left_ref = d.left_ref AND x.right_ref = d.right_ref "
        "UNION ALL SELECT left_ref, right_ref, 1.0::DOUBLE AS match_probability, "
        f"NULL::DOUBLE AS match_weight FROM {source} WHERE same"
    )
