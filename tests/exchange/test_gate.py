"""What the gate writes for a refusal, and what it tells a caller who may be anyone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accord import audit
from accord.exchange import Refusal, record_refusal
from accord.exchange.gate import Gate
from accord.store import Workspace, init_workspace


def test_a_refused_path_is_logged_as_sent_and_quoted(sqlite_workspace: Workspace) -> None:
    forged = "/api/v1/catalogue/x%29%20revoked-node%3A%20RX1%20%28Trust%29"
    record_refusal(sqlite_workspace, Refusal("unsigned", "no signature"), path=forged + ")")
    [entry] = [e.event for e in audit.entries(sqlite_workspace)
               if e.event.name == "disclosure.decided"]  # fmt: skip
    [reason] = entry.fields()["reasons"]
    assert reason == f"unsigned: no signature (path {json.dumps(forged + ')')})"


def test_a_node_without_a_trust_list_tells_a_caller_nothing_of_its_files(
    tmp_path: Path,
) -> None:
    with (
        init_workspace(tmp_path / "gp", "gp", node_id="A81001") as ws,
        pytest.raises(Refusal) as refused,
    ):
        Gate(ws).admit("GET", "/api/v1/catalogue", "", [], b"")
    assert refused.value.code == "trust-list-unavailable"
    assert str(tmp_path) not in refused.value.detail
    assert "accord.toml" not in refused.value.detail
