"""Back on the providers' side: references to their own record ids."""

from __future__ import annotations

from pathlib import Path

import duckdb

from accord.linkage.models import Clustered, Matched, References
from accord.people import lit


def pairs_sql(matched: Matched, left: References, right: References) -> str:
    """``left_id, right_id, match_probability`` of the decided pairs, by record id."""
    return (
        "SELECT l.record_id AS left_id, r.record_id AS right_id, "
        "round(p.match_probability, 6) AS match_probability "
        f"FROM read_parquet({lit(str(matched.path))}) p "
        f"JOIN read_parquet({lit(str(left.path))}) l ON l.ref = p.left_ref "
        f"JOIN read_parquet({lit(str(right.path))}) r ON r.ref = p.right_ref "
        "ORDER BY left_id, right_id"
    )


def write_pairs(
    conn: duckdb.DuckDBPyConnection,
    matched: Matched,
    left: References,
    right: References,
    out: Path,
) -> int:
    """Write the decided pairs as CSV (``left_id,right_id,match_probability``)."""
    conn.execute(
        f"COPY ({pairs_sql(matched, left, right)}) TO {lit(str(out))} (HEADER, DELIMITER ',')"
    )
    return matched.pairs


def write_clusters(
    conn: duckdb.DuckDBPyConnection, clustered: Clustered, refs: References, out: Path
) -> int:
    """Write ``record_id,cluster_id`` (the record id of the cluster's first reference)."""
    conn.execute(
        "COPY (SELECT k.record_id, c.record_id AS cluster_id "
        f"FROM read_parquet({lit(str(clustered.path))}) p "
        f"JOIN read_parquet({lit(str(refs.path))}) k ON k.ref = p.ref "
        f"JOIN read_parquet({lit(str(refs.path))}) c ON c.ref = p.cluster_ref "
        f"ORDER BY cluster_id, k.record_id) TO {lit(str(out))} (HEADER, DELIMITER ',')"
    )
    return clustered.clusters


def write_linkage_ids(
    conn: duckdb.DuckDBPyConnection, matched: Matched, refs: References, side: str, out: Path
) -> None:
    """Write ``record_id,linkage_id`` for one side: the provider's ids for the next run.

    Written beside ``out`` and moved into place, so a failure leaves the old file whole.
    """
    if matched.ids is None:
        raise ValueError("no linkage ids: match with LinkOptions(linkage_ids=True)")
    partial = out.with_name(out.name + ".partial")
    conn.execute(
        "COPY (SELECT k.record_id, i.linkage_id "
        f"FROM read_parquet({lit(str(matched.ids))}) i "
        f"JOIN read_parquet({lit(str(refs.path))}) k ON k.ref = i.ref "
        f"WHERE i.side = {lit(side)} ORDER BY k.record_id) TO {lit(str(partial))} "
        "(HEADER, DELIMITER ',')"
    )
    partial.replace(out)


def write_review(
    conn: duckdb.DuckDBPyConnection, report: Path, left: References, right: References
) -> int:
    """``review.csv``: the report's pairs near the threshold by record id, with an empty
    ``label`` column for a person to fill with 1 (same person) or 0 (not)."""
    review = report / "review.parquet"
    if not review.exists():
        return 0
    out = report / "review.csv"
    conn.execute(
        "COPY (SELECT l.record_id AS left_id, r.record_id AS right_id, "
        "round(p.match_probability, 6) AS match_probability, NULL::VARCHAR AS label "
        f"FROM read_parquet({lit(str(review))}) p "
        f"JOIN read_parquet({lit(str(left.path))}) l ON l.ref = p.left_ref "
        f"JOIN read_parquet({lit(str(right.path))}) r ON r.ref = p.right_ref "
        f"ORDER BY p.distance, left_id, right_id) TO {lit(str(out))} "
        "(HEADER, DELIMITER ',')"
    )
    review.unlink()
    return int(conn.execute(f"SELECT count(*) FROM read_csv({lit(str(out))})").fetchall()[0][0])
