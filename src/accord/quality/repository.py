"""Assessments in the SQL store: saved after each run, read back for the trend over snapshots."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.quality.models import Assessment, CheckResult, Dimension, Kitemark
from accord.store import (
    Governed,
    check_name,
    connection,
    datasets,
    quality_assessments,
    quality_checks,
    quality_scores,
    snapshots,
)


def save_assessment(
    conn: sa.Connection, snapshot_id: int, checklist: str, assessment: Assessment
) -> int:
    """Store an assessment, its scores and its checks in the caller's transaction (the
    one that records it); returns its id."""
    assessment_id = int(
        conn.execute(
            quality_assessments.insert().returning(quality_assessments.c.id),
            {"snapshot_id": snapshot_id, "checklist": checklist,
             "kitemark": assessment.kitemark.value, "assessed_at": assessment.assessed_at},
        ).scalar_one()
    )  # fmt: skip
    if assessment.scores:
        conn.execute(quality_scores.insert(), [
            {"assessment_id": assessment_id, "dimension": d.value, "score": s,
             "reason": assessment.reasons.get(d)}
            for d, s in assessment.scores.items()
        ])  # fmt: skip
    if assessment.checks:
        conn.execute(quality_checks.insert(), [
            {"assessment_id": assessment_id, "position": n, "type": c.type,
             "dimension": c.dimension.value, "field": c.field, "total": c.total,
             "failed": c.failed}
            for n, c in enumerate(assessment.checks)
        ])  # fmt: skip
    return assessment_id


def assessments(engine: Engine, dataset: str) -> list[Assessment]:
    """The newest stored assessment of each snapshot of ``dataset``, oldest snapshot first."""
    check_name(dataset, "dataset name")
    query = (
        sa.select(quality_assessments, snapshots.c.version, snapshots.c.content_hash,
                  snapshots.c.as_of)
        .join(snapshots, snapshots.c.id == quality_assessments.c.snapshot_id)
        .join(datasets, datasets.c.id == snapshots.c.dataset_id)
        .where(datasets.c.name == dataset)
        .order_by(snapshots.c.version, quality_assessments.c.assessed_at,
                  quality_assessments.c.id)
    )  # fmt: skip
    with engine.connect() as conn:
        newest = {row.snapshot_id: row for row in conn.execute(query)}
        ids = [row.id for row in newest.values()]
        scores, reasons = _scores(conn, ids)
        checks = _checks(conn, ids)
    return [
        Assessment(
            dataset=dataset,
            snapshot=row.content_hash,
            version=row.version,
            as_of=row.as_of,
            assessed_at=row.assessed_at,
            checks=tuple(checks.get(row.id, ())),
            scores=scores.get(row.id, {}),
            kitemark=Kitemark(row.kitemark),
            reasons=reasons.get(row.id, {}),
        )
        for row in newest.values()
    ]


_NEWEST_SNAPSHOT = (
    sa.select(snapshots.c.id)
    .join(datasets, datasets.c.id == snapshots.c.dataset_id)
    .where(datasets.c.name == sa.bindparam("dataset"))
    .order_by(snapshots.c.version.desc())
    .limit(1)
    .scalar_subquery()
)
_NEWEST_KITEMARK = (
    sa.select(quality_assessments.c.kitemark)
    .where(quality_assessments.c.snapshot_id == _NEWEST_SNAPSHOT)
    .order_by(quality_assessments.c.assessed_at.desc(), quality_assessments.c.id.desc())
    .limit(1)
)
"""Built once: every decision reads it, and a statement made for each call costs
SQLAlchemy more than running it."""


def newest_kitemark(engine: Engine, dataset: str) -> str | None:
    """The kitemark of the latest assessment of ``dataset``'s newest snapshot, in one
    query; None when that snapshot (or the dataset) was never assessed. Kept per process
    while the store's governance revision stays (a new snapshot or assessment moves it)."""
    check_name(dataset, "dataset name")

    def read() -> str | None:
        with connection(engine) as conn:
            found = conn.execute(_NEWEST_KITEMARK, {"dataset": dataset}).scalar()
        return None if found is None else str(found)

    return _kitemarks.get(engine, dataset, read)


_kitemarks: Governed[str, str] = Governed()


def _scores(
    conn: sa.Connection, ids: Sequence[int]
) -> tuple[dict[int, dict[Dimension, float | None]], dict[int, dict[Dimension, str]]]:
    """Each assessment's scores (every dimension) and the reasons of those it has none of.

    An assessment stored before every dimension was kept has rows only for those scored.
    """
    found: dict[int, dict[Dimension, float | None]] = {i: {} for i in ids}
    why: dict[int, dict[Dimension, str]] = {i: {} for i in ids}
    query = sa.select(quality_scores).where(quality_scores.c.assessment_id.in_(ids))
    for row in conn.execute(query):
        dimension = Dimension(row.dimension)
        found[row.assessment_id][dimension] = None if row.score is None else float(row.score)
        if row.reason is not None:
            why[row.assessment_id][dimension] = row.reason
    for i, scored in found.items():
        for d in Dimension:
            if scored.get(d) is None and d not in why[i]:
                why[i][d] = "not assessed"
    # The framework's order, whatever order the store returned.
    return {i: {d: s.get(d) for d in Dimension} for i, s in found.items()}, why


def _checks(conn: sa.Connection, ids: Sequence[int]) -> dict[int, list[CheckResult]]:
    found: dict[int, list[CheckResult]] = {}
    query = (
        sa.select(quality_checks)
        .where(quality_checks.c.assessment_id.in_(ids))
        .order_by(quality_checks.c.assessment_id, quality_checks.c.position)
    )
    for row in conn.execute(query):
        found.setdefault(row.assessment_id, []).append(
            CheckResult(
                row.type, Dimension(row.dimension), row.field, int(row.total), int(row.failed)
            )
        )
    return found
