"""Quality as the catalogue sees it: the default checklist judged by what is declared.

Timeliness comes from the update frequency the description declares, accuracy from the
workspace's postcode reference list; without either, the dimension is in the scores as
None, with the reason.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from accord.catalog import assess_quality, describe, parse_metadata
from accord.quality import ChecklistError, Dimension, Kitemark, parse_checklist
from accord.store import Workspace, open_workspace
from tests.catalog.support import description
from tests.quality.support import AS_OF, CLEAN, ingest_rows

D = Dimension


def _describe(workspace: Workspace, frequency: str = "monthly") -> None:
    metadata = parse_metadata({**description(), "update_frequency": frequency}, "gp.yaml")
    describe(workspace, "people", metadata)


def _with_reference(
    workspace: Workspace, text: str = "pcds\nLS1 4AP\nM1 1AA\nB1 1AA\n"
) -> Workspace:
    """The workspace reopened with a postcode reference list (ONSPD's column name)."""
    (workspace.root / "postcodes.csv").write_text(text, encoding="utf-8")
    settings = workspace.root / "accord.toml"
    with settings.open("a", encoding="utf-8") as f:
        f.write('quality_postcode_reference = "postcodes.csv"\n')
    workspace.close()
    return open_workspace(workspace.root)


def test_good_data_earns_gold_with_the_default_checklist_and_what_is_declared(
    workspace: Workspace,
) -> None:
    ingest_rows(workspace, CLEAN)
    _describe(workspace)
    ws = _with_reference(workspace)

    found = assess_quality(ws, "people", today=AS_OF + timedelta(days=31))

    assert found.scores == dict.fromkeys(D, 100.0)
    assert found.reasons == {}
    assert found.kitemark is Kitemark.GOLD
    assert {(c.type, c.field) for c in found.checks} >= {
        ("timeliness", None), ("in_reference", "postcode")
    }  # fmt: skip
    ws.close()


def test_without_a_description_or_a_reference_both_dimensions_say_why(
    workspace: Workspace,
) -> None:
    ingest_rows(workspace, CLEAN)

    found = assess_quality(workspace, "people", today=AS_OF)

    assert found.scores[D.TIMELINESS] is None
    assert found.scores[D.ACCURACY] is None
    assert set(found.reasons) == {D.TIMELINESS, D.ACCURACY}
    assert "update_frequency" in found.reasons[D.TIMELINESS]
    assert "quality_postcode_reference" in found.reasons[D.ACCURACY]
    assert found.kitemark is Kitemark.BRONZE
    document = found.as_json()
    assert document["scores"]["timeliness"] is None
    assert document["reasons"]["accuracy"] == found.reasons[D.ACCURACY]


def test_stale_data_or_postcodes_missing_from_the_reference_lose_the_level(
    workspace: Workspace,
) -> None:
    ingest_rows(workspace, CLEAN)
    _describe(workspace, "weekly")
    ws = _with_reference(workspace, "postcode\nLS1 4AP\n")

    found = assess_quality(ws, "people", today=AS_OF + timedelta(days=8))

    assert found.scores[D.TIMELINESS] == 0.0
    assert found.scores[D.ACCURACY] == 33.3
    assert found.kitemark is Kitemark.NOT_YET_RATED
    ws.close()


def test_an_irregular_dataset_has_no_age_to_judge(workspace: Workspace) -> None:
    ingest_rows(workspace, CLEAN)
    _describe(workspace, "irregular")
    found = assess_quality(workspace, "people", today=AS_OF)
    assert found.scores[D.TIMELINESS] is None
    assert "irregular" in found.reasons[D.TIMELINESS]


def test_a_checklist_without_a_dimension_says_so_for_each(workspace: Workspace) -> None:
    ingest_rows(workspace, CLEAN)
    _describe(workspace)
    chosen = parse_checklist({"checks": [{"type": "unique"}]}, "one.yaml", workspace.root)

    found = assess_quality(workspace, "people", chosen, today=AS_OF)

    assert [d for d, s in found.scores.items() if s is not None] == [D.UNIQUENESS]
    assert found.reasons == {
        d: f"the checklist has no {d.value} check" for d in D if d is not D.UNIQUENESS
    }


def test_a_reference_that_is_not_there_is_refused_naming_the_setting(
    workspace: Workspace,
) -> None:
    ingest_rows(workspace, CLEAN)
    ws = _with_reference(workspace)
    (ws.root / "postcodes.csv").unlink()

    with pytest.raises(ChecklistError, match=r"setting quality_postcode_reference.*no file"):
        assess_quality(ws, "people", today=AS_OF)
    ws.close()
