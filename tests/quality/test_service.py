"""An assessment is recorded in the node's log in the transaction that stores it."""

from __future__ import annotations

import pytest

from accord import audit
from accord.quality import ChecklistError, assess, assessments
from accord.store import Workspace
from tests.quality.support import AS_OF, DIRTY, checklist, ingest_rows


def assessed(ws: Workspace) -> list[audit.Event]:
    return [e.event for e in audit.entries(ws) if e.event.name == "quality.assessed"]


def test_an_assessment_is_recorded_with_its_kitemark_scores_and_samples_kept(
    workspace: Workspace,
) -> None:
    ingest_rows(workspace, DIRTY)

    found = assess(workspace, "people", today=AS_OF, samples=2)
    assess(workspace, "people", today=AS_OF, save=False)

    kept = sum(len(s.rows) for s in found.samples.values())
    assert kept > 0
    scores = {d.value: s for d, s in found.scored.items()}
    assert assessed(workspace) == [
        audit.QualityAssessed(dataset="people", version=1, kitemark=found.kitemark.value,
                              scores=scores, samples=n)
        for n in (kept, 0)
    ]  # fmt: skip
    assert len(assessments(workspace.engine, "people")) == 1


def test_a_failed_assessment_records_nothing(workspace: Workspace) -> None:
    ingest_rows(workspace, DIRTY)
    misfit = checklist("checks: [{type: completeness, field: shoe_size}]", workspace.root)

    with pytest.raises(ChecklistError):
        assess(workspace, "people", misfit, today=AS_OF)

    assert assessed(workspace) == []
    assert assessments(workspace.engine, "people") == []
