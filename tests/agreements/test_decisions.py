"""Decisions on a node: the kitemark from its own assessment, the node as provider, the log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accord.agreements import (
    AgreementError,
    Decision,
    Kitemark,
    activate,
    amend_agreement,
    decide,
    kitemark_of,
    policy_index,
    record,
    sign,
    sign_in_workspace,
    suspend,
)
from accord.quality import assess, parse_checklist
from accord.store import InvalidName, Workspace
from tests.agreements.support import (
    IN_DATE,
    example,
    ingest_example,
    logged,
    org_keys,
    provider,
    trust,
)

HOSPITAL = org_keys("hospital")
ID = "gp-hospital-admission-risk"
ASK: dict[str, Any] = {
    "requester": "hospital",
    "purpose": "admission-risk-stratification",
    "dataset": "registered-patients",
    "fields": ["nhs_number", "sex"],
    "on": IN_DATE,
}


def ask(ws: Workspace, **changes: Any) -> Decision:
    """A decision on ``ws`` for the request :data:`ASK` with ``changes``."""
    return decide(ws, **{**ASK, **changes})


@pytest.fixture
def gp(tmp_path: Path, store_url: str) -> Workspace:
    """The gp's node with the example active: its dataset held, the hospital's key known."""
    ws = provider(tmp_path, "gp", store_url)
    trust(ws, HOSPITAL)
    ours, _ = sign_in_workspace(ws, example())
    record(ws, sign(ours, "hospital", HOSPITAL["hospital"]))
    activate(ws, ID, on=IN_DATE)
    return ws


def test_a_dataset_never_assessed_is_not_yet_rated(gp: Workspace) -> None:
    assert kitemark_of(gp, "registered-patients") is Kitemark.NOT_YET_RATED
    assert kitemark_of(gp, "no-such-dataset") is Kitemark.NOT_YET_RATED
    decision = ask(gp)
    assert decision.codes == ("kitemark_below_minimum",)
    assert "rated not_yet_rated; gp-hospital-admission-risk v1 needs silver" in str(
        decision.reasons[0]
    )
    gp.close()


def test_the_kitemark_is_read_from_the_latest_assessment_of_the_newest_snapshot(
    gp: Workspace,
) -> None:
    # The default checks leave timeliness unmeasured: Bronze, below the Silver needed.
    assert assess(gp, "registered-patients").kitemark.value == "bronze"
    assert kitemark_of(gp, "registered-patients") is Kitemark.BRONZE
    assert ask(gp).codes == ("kitemark_below_minimum",)
    checks = {"include_defaults": True,
              "checks": [{"type": "timeliness", "update_frequency": "monthly"}]}  # fmt: skip
    timely = parse_checklist(checks, "checklist.yaml", gp.root)
    assert assess(gp, "registered-patients", timely).kitemark.value == "silver"
    assert kitemark_of(gp, "registered-patients") is Kitemark.SILVER
    assert ask(gp).permit
    # A newer snapshot nobody has assessed is not yet rated, whatever the older one got.
    ingest_example(gp, "gp")
    assert kitemark_of(gp, "registered-patients") is Kitemark.NOT_YET_RATED
    assert ask(gp).codes == ("kitemark_below_minimum",)
    gp.close()


def test_every_decision_is_recorded_permit_or_deny(gp: Workspace) -> None:
    ask(gp)
    ask(gp, fields=["nhs_number", "ethnicity"])
    decided = [e for k, e in logged(gp) if k == "disclosure.decided"]
    assert [(e["agreement"], e["version"], e["requester"], e["purpose"], e["dataset"],
             e["requested_fields"], e["permitted"]) for e in decided] == [
        (ID, 1, "hospital", "admission-risk-stratification", "registered-patients",
         ["nhs_number", "sex"], False),
        (ID, 1, "hospital", "admission-risk-stratification", "registered-patients",
         ["nhs_number", "ethnicity"], False),
    ]  # fmt: skip
    assert decided[1]["reasons"][0].startswith("field_not_covered: ")
    gp.close()


def test_the_node_decides_only_for_the_data_it_provides(gp: Workspace) -> None:
    # The hospital's dataset is the hospital's to decide on, not the gp's.
    decision = ask(gp, requester="gp", dataset="admissions", fields=["ward"])
    assert not decision.permit
    assert "covers 'admissions' from 'hospital', not from 'gp'" in " ".join(
        r.message for r in decision.reasons
    )
    gp.close()


def test_decisions_follow_the_current_version(gp: Workspace) -> None:
    before = ask(gp)
    assert "not_active" not in before.codes
    suspend(gp, ID, "incident")
    assert "not_active" in ask(gp).codes
    activate(gp, ID, on=IN_DATE)
    amend_agreement(gp, ID)
    # An amendment in drafting is not in force: the signed version goes on deciding.
    after = ask(gp)
    assert (after.version, "not_active" in after.codes) == (1, False)
    # Under a version named, with its agreement.
    named = ask(gp, agreement_id=ID, version=2)
    assert named.version == 2
    assert "not_active" in named.codes
    with pytest.raises(AgreementError, match="name the agreement too"):
        ask(gp, version=1)
    assert len(policy_index(gp)) == 1
    gp.close()


def test_names_in_a_request_are_checked_and_a_refusal_records_nothing(gp: Workspace) -> None:
    before = len(logged(gp))
    for field, value in (("requester", "../x"), ("dataset", "DROP TABLE"),
                         ("purpose", "a\nb")):  # fmt: skip
        with pytest.raises(InvalidName, match=field):
            ask(gp, **{field: value})
    with pytest.raises(InvalidName, match="field"):
        ask(gp, fields=["nhs_number", "x y"])
    assert len(logged(gp)) == before
    gp.close()


def test_a_suspension_by_another_process_stops_the_next_decision(gp: Workspace) -> None:
    # The decision index is kept per process, read again when the store's agreement
    # revision moves: a suspension recorded by another process (another worker of the
    # node, the CLI) holds at this process's very next decision.
    import subprocess
    import sys

    assert ask(gp).permit is ask(gp).permit  # the index is built, and kept
    assert policy_index(gp) is policy_index(gp)
    assert "not_active" not in ask(gp).codes
    command = [sys.executable, "-m", "accord.cli", "agreement", "suspend", ID, "--reason",
               "a breach", "--as-role", "dpo", "-w", str(gp.root)]  # fmt: skip
    subprocess.run(command, capture_output=True, text=True, check=True)
    assert "not_active" in ask(gp).codes
    gp.close()
