"""Assessing a snapshot: run a checklist inside DuckDB, score it, award the kitemark, store it.

An assessment reads every row of a snapshot (and keeps failing rows when samples are
asked for): it records ``quality.assessed`` in the transaction that stores it. The
default checklist follows what the node knows of the dataset: its mapped fields (the
snapshot's statistics), its update frequency (given by the caller: the catalogue holds
it, and passes it in, since the catalogue imports this context and not the other way
round) and the workspace's postcode reference list (a setting).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from accord import audit
from accord.people import lit
from accord.quality.checklist import Checklist, Declared, default_checks, missing_from_defaults
from accord.quality.checks import Check, CheckContext, RowCheck
from accord.quality.checks.accuracy import InReference, reference_source
from accord.quality.errors import ChecklistError
from accord.quality.kitemark import kitemark, reasons, scores
from accord.quality.models import Assessment, CheckResult, Dimension, Sample
from accord.quality.repository import save_assessment
from accord.quality.runner import SNAPSHOT, run_checks, sample
from accord.sources import SnapshotInfo, get_snapshot, statistics
from accord.store import Workspace, duckdb_connect

REFERENCE_SETTING = "quality_postcode_reference"


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
    update_frequency: str | None = None,
) -> Assessment:
    """Run ``checklist`` (default: the checks for the dataset's mapped fields) over a snapshot.

    ``version`` picks a snapshot (default: the newest); ``today`` is the day timeliness is
    judged on; ``samples`` failing rows per check are kept for the report (none by
    default: they are personal data). ``update_frequency`` is the dataset's declared
    frequency (a Dublin Core term, as the catalogue holds it): the default checklist
    judges timeliness by it (``accord.catalog.assess_quality`` passes it in). The
    assessment is stored unless ``save`` is False; it is recorded in the audit log either
    way.
    """
    snap = get_snapshot(workspace.engine, dataset, version)
    labelled, missing = _checks(workspace, snap, checklist, update_frequency)
    chosen = checklist or Checklist((), base_dir=workspace.root)
    results, kept = _run(workspace, snap, labelled, chosen, today or date.today(), samples)
    assessment = _assessment(snap, results, kept, missing)
    assessed = audit.QualityAssessed(
        dataset=snap.dataset, version=snap.version, kitemark=assessment.kitemark.value,
        scores={d.value: s for d, s in assessment.scored.items()},
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
    workspace: Workspace, snap: SnapshotInfo, checklist: Checklist | None, frequency: str | None
) -> tuple[list[tuple[str, Check]], dict[Dimension, str]]:
    """The checks to run, each with the label that names it in errors, and why the
    default checklist has no check of a dimension, where it has none."""
    labelled = [(f"checks[{i}]", c) for i, c in enumerate(checklist.checks)] if checklist else []
    if checklist is not None and not checklist.include_defaults:
        return labelled, {}
    mapped = {f for f, _, _ in statistics(workspace.engine, snap.id)}
    declared = _declared(workspace, frequency)
    defaults = [(_label(c), c) for c in default_checks(mapped, declared)]
    return defaults + labelled, missing_from_defaults(mapped, declared)


def _label(check: Check) -> str:
    if isinstance(check, InReference):
        return f"default check {check.type} (setting {REFERENCE_SETTING})"
    return f"default check {check.type}"


def _declared(workspace: Workspace, frequency: str | None) -> Declared:
    """The update frequency given, and the workspace's reference list of postcodes."""
    settings = workspace.settings
    if settings.quality_postcode_reference is None:
        return Declared(update_frequency=frequency)
    reference = workspace.root / settings.quality_postcode_reference
    column = settings.quality_postcode_reference_column or _first_column(reference)
    return Declared(frequency, reference, column)


def _first_column(path: Path) -> str:
    """The file's first column; a placeholder when unreadable (the check then says why)."""
    try:
        with duckdb.connect() as conn:
            found = conn.execute(f"DESCRIBE SELECT * FROM {reference_source(path)}").fetchone()
    except duckdb.Error:
        return "postcode"
    return str(found[0]) if found else "postcode"


def _refuse_misfits(labelled: list[tuple[str, Check]], ctx: CheckContext, where: str) -> None:
    problems = [f"{where}: {label}.{p}" for label, c in labelled for p in c.problems(ctx)]
    if problems:
        raise ChecklistError("\n".join(problems))


def _assessment(
    snap: SnapshotInfo,
    results: list[CheckResult],
    kept: dict[int, Sample],
    missing: dict[Dimension, str],
) -> Assessment:
    dimension_scores = scores(results)
    return Assessment(
        dataset=snap.dataset, snapshot=snap.content_hash, version=snap.version,
        as_of=snap.as_of, assessed_at=datetime.now(UTC), checks=tuple(results),
        scores=dimension_scores, kitemark=kitemark(dimension_scores), samples=kept,
        reasons=reasons(results, missing),
    )  # fmt: skip
