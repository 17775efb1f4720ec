"""A lookup answered from what a worker holds (``lookups.answer_lookup``): cold, it says
so before it records or claims anything, and a thread's answer leaves it warm."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import pytest

from accord.exchange import fetch, lookups, trust
from accord.exchange.models import Caller, LookupRequest
from accord.store import Workspace
from tests.exchange.support import Spec, agreed, federation, named, node
from tests.exchange.test_shares import AGREEMENT, NUMBERS, PURPOSE


@pytest.fixture
def parties(tmp_path: Path) -> tuple[Workspace, Workspace]:
    fed = federation(tmp_path)
    gp = node(fed, Spec("gp", "A81001", "Riverside Medical Practice"), port=8101)
    hospital = node(fed, Spec("hospital", "RX1", "Riverside Hospitals"), port=8102)
    fed.publish()
    for ws in (gp, hospital):
        fetch(ws, str(fed.list_path))
    agreed(gp, hospital, NUMBERS, lookups=True)
    return gp, hospital


def test_a_cold_lookup_records_and_claims_nothing_and_a_warm_one_answers(
    parties: tuple[Workspace, Workspace],
) -> None:
    _, hospital = parties
    found = trust.cached(hospital)
    assert found is not None
    member = found.trust_list.member("A81001")
    assert member is not None
    asked = LookupRequest.model_validate({
        "context": {"agreement": AGREEMENT, "purpose": PURPOSE, "role": "care-coordinator",
                    "case": "RISK/2026/7"},
        "dataset": "admissions", "person": {"nhs_number": NUMBERS[5]},
    })  # fmt: skip
    claims: list[bool] = []

    def claim(_conn: object) -> None:
        claims.append(True)

    def caller() -> Caller:
        return Caller(member, secrets.token_urlsafe(16), int(time.time()))

    decided = len(named(hospital, "disclosure.decided"))
    with pytest.raises(lookups.Cold, match="not loaded"):
        lookups.answer_lookup(hospital, caller(), asked, "RX1", claim=claim)
    assert claims == []
    assert len(named(hospital, "disclosure.decided")) == decided
    # A thread answers it, loading the snapshot, preparing and indexing (serve_lookup) ...
    lookups.serve_lookup(hospital, caller(), asked, None, "RX1")
    # ... and the next is answered from what the worker holds, its claim in the commit.
    answered = lookups.answer_lookup(hospital, caller(), asked, "RX1", claim=claim)
    body = answered.result()
    assert claims == [True]
    assert NUMBERS[5] not in body.decode()  # pseudonymised
    assert len(named(hospital, "disclosure.decided")) == decided + 2
