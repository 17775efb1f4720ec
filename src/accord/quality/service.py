"""Assessing a snapshot: run a checklist inside DuckDB, score it, award the kitemark, store it.

An assessment reads every row of a snapshot (and keeps failing rows when samples are
asked for): it records ``quality.assessed`` in the transaction that stores it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from accord import audit
from accord.people import lit
from accord.quality.checklist import Checklist, default_checks
from accord.quality.checks import Check, CheckContext, RowCheck
from accord.quality.errors import ChecklistError
from accord.quality.kitemark import kitemark, scores
from accord.quality.models import Assessment, CheckResult, Sample
from accord.quality.repository import save_assessment
from accord.quality.runner import SNAPSHOT, run_checks, sample
from accord.sources import SnapshotInfo, get_snapshot, statistics
from accord.store import Workspace, duckdb_connect


@audit.audited(audit.QualityAssessed)
def assess(
    workspace: Workspace,
    dataset: str,
    checklist: Checklist | None = None,
    *,
    version: int | None = None,
    today: date | None = None,
    samples: int = 0,
    save: bool = True,
) -> Assessment:
    """Run ``checklist`` (default: the checks for the dataset's mapped fields) over a snapshot.

    ``version`` picks a snapshot (default: the newest); ``today`` is the day timeliness is
    judged on; ``samples`` failing rows per check are kept for the report (none by
    default: they are personal data). The assessment is stored unless ``save`` is False;
    it is recorded in the audit log either way.
    """
    snap = get_snapshot(workspace.engine, dataset, version)
    labelled = _checks(workspace, snap, checklist)
    chosen = checklist or Checklist((), base_dir=workspace.root)
    results, kept = _run(workspace, snap, labelled, chosen, today or date.today(), samples)
    assessment = _assessment(snap, results, kept)
    assessed = audit.QualityAssessed(
        dataset=snap.dataset, version=snap.version, kitemark=assessment.kitemark.value,
        scores={d.value: s for d, s in assessment.scores.items()},
        samples=sum(len(s.rows) for s in kept.values()),
    )  # fmt: skip
    with audit.transaction(workspace) as tx:
        if save:
            save_assessment(tx.conn, snap.id, chosen.where, assessment)
        tx.record(assessed)
    return assessment


def _run(
    workspace: Workspace,
    snap: SnapshotInfo,
    labelled: list[tuple[str, Check]],
    checklist: Checklist,
    today: date,
    samples: int,
) -> tuple[list[CheckResult], dict[int, Sample]]:
    """Counts of every check, and samples of the failing ones, in one DuckDB session."""
    conn = duckdb_connect(workspace)
    try:
        path = workspace.root / snap.path
        conn.execute(f"CREATE VIEW {SNAPSHOT} AS SELECT * FROM read_parquet({lit(str(path))})")
        types = {str(r[0]): str(r[1]) for r in conn.execute(f"DESCRIBE {SNAPSHOT}").fetchall()}
        ctx = CheckContext(frozenset(types), snap.as_of, today, checklist.base_dir, types)
        _refuse_misfits(labelled, ctx, checklist.where)
        checks = [c for _, c in labelled]
        results = run_checks(conn, checks, ctx)
        kept = {
            i: sample(conn, c, ctx, samples)
            for i, (c, r) in enumerate(zip(checks, results, strict=True))
            if samples > 0 and isinstance(c, RowCheck) and r.failed > 0
        }
    finally:
        conn.close()
    return results, kept


def _checks(
    workspace: Workspace, snap: SnapshotInfo, checklist: Checklist | None
) -> list[tuple[str, Check]]:
    """The checks to run, each with the label that names it in errors."""
    labelled = [(f"checks[{i}]", c) for i, c in enumerate(checklist.checks)] if checklist else []
    if checklist is None or checklist.include_defaults:
        mapped = {f for f, _, _ in statistics(workspace.engine, snap.id)}
        defaults = [(f"default check {c.type}", c) for c in default_checks(mapped)]
        labelled = defaults + labelled
    return labelled


def _refuse_misfits(labelled: list[tuple[str, Check]], ctx: CheckContext, where: str) -> None:
    problems = [f"{where}: {label}.{p}" for label, c in labelled for p in c.problems(ctx)]
    if problems:
        raise ChecklistError("\n".join(problems))


def _assessment(
    snap: SnapshotInfo, results: list[CheckResult], kept: dict[int, Sample]
) -> Assessment:
    dimension_scores = scores(results)
    return Assessment(
        dataset=snap.dataset, snapshot=snap.content_hash, version=snap.version,
        as_of=snap.as_of, assessed_at=datetime.now(UTC), checks=tuple(results),
        scores=dimension_scores, kitemark=kitemark(dimension_scores), samples=kept,
    )  # fmt: skip
