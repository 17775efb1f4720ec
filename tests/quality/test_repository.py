"""Assessments stored in the SQL store and read back, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from accord.quality import Dimension, Kitemark, assess, assessments, newest_kitemark
from accord.store import Workspace
from tests.quality.support import AS_OF, CLEAN, DIRTY, checklist, ingest_rows

MONTHLY = "include_defaults: true\nchecks: [{type: timeliness, update_frequency: monthly}]"


def test_assessments_are_stored_and_read_back_per_snapshot(workspace: Workspace) -> None:
    ingest_rows(workspace, DIRTY)
    ingest_rows(workspace, CLEAN, as_of=date(2026, 2, 28))
    chosen = checklist(MONTHLY, workspace.root)
    first = assess(workspace, "people", chosen, version=1, today=AS_OF)
    assess(workspace, "people", chosen, version=2, today=date(2026, 2, 28))
    newest = assess(workspace, "people", chosen, version=2, today=date(2026, 3, 1))
    stored = assessments(workspace.engine, "people")
    # The newest assessment of each snapshot, oldest snapshot first.
    assert [(a.version, a.kitemark) for a in stored] == [
        (1, first.kitemark),
        (2, Kitemark.SILVER),
    ]
    assert stored[0].checks == first.checks
    assert stored[0].scores == first.scores
    assert stored[1].assessed_at == newest.assessed_at
    assert stored[1].scored == dict.fromkeys(
        [Dimension.COMPLETENESS, Dimension.UNIQUENESS, Dimension.CONSISTENCY,
         Dimension.TIMELINESS, Dimension.VALIDITY], 100.0,
    )  # fmt: skip
    assert stored[1].reasons == newest.reasons
    assert "quality_postcode_reference" in stored[1].reasons[Dimension.ACCURACY]
    assert stored[0].snapshot != stored[1].snapshot
    assert newest_kitemark(workspace.engine, "people") == Kitemark.SILVER.value


def test_the_newest_kitemark_is_the_newest_snapshot_s_alone(workspace: Workspace) -> None:
    assert newest_kitemark(workspace.engine, "people") is None  # no such dataset
    ingest_rows(workspace, CLEAN)
    assert newest_kitemark(workspace.engine, "people") is None  # never assessed
    rated = assess(workspace, "people", checklist(MONTHLY, workspace.root), today=AS_OF)
    assert newest_kitemark(workspace.engine, "people") == rated.kitemark.value
    ingest_rows(workspace, DIRTY, as_of=date(2026, 2, 28))
    assert newest_kitemark(workspace.engine, "people") is None  # a new, unrated snapshot


def test_scores_keep_their_decimal_on_both_stores(workspace: Workspace) -> None:
    ingest_rows(workspace, DIRTY)
    found = assess(workspace, "people", today=AS_OF)
    assert found.scores[Dimension.CONSISTENCY] == 65.0
    assert found.scores[Dimension.VALIDITY] == 77.3
    (stored,) = assessments(workspace.engine, "people")
    assert stored.scores == found.scores
    assert stored.kitemark is Kitemark.NOT_YET_RATED


def test_no_assessments_of_an_unassessed_dataset(workspace: Workspace) -> None:
    assert assessments(workspace.engine, "people") == []


def test_an_assessment_that_is_not_saved_is_not_stored(workspace: Workspace) -> None:
    ingest_rows(workspace, CLEAN)
    assess(workspace, "people", save=False, today=AS_OF)
    assert assessments(workspace.engine, "people") == []  # (its run is in the audit log)
