"""``accord optout`` and ``accord protect`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from accord import audit
from accord.store import Workspace
from tests.cli.test_commands import STAFF, run


def test_opt_outs_are_registered_withdrawn_and_counted(sqlite_workspace: Workspace) -> None:
    ws = str(sqlite_workspace.root)
    code, stdout, _ = run("optout", "register", "943 476 5919", "--workspace", ws, "--json",
                          *STAFF)  # fmt: skip
    assert code == 0
    assert json.loads(stdout) == {"scheme": "national", "status": "registered"}
    assert run("optout", "register", "9434765919", "-w", ws, *STAFF)[1].strip() == (
        "national: already registered"
    )
    run("optout", "register", "9434765919", "--scheme", "objection", "-w", ws, *STAFF)
    run("optout", "withdraw", "9434765919", "-w", ws, *STAFF)
    code, stdout, _ = run("optout", "count", "-w", ws, "--json")
    assert json.loads(stdout) == {"opt_outs": {"national": 0, "objection": 1}}
    # The register holds no NHS number in the clear.
    assert b"9434765919" not in (sqlite_workspace.root / "accord.db").read_bytes()
    assert [e.event.name for e in audit.entries(sqlite_workspace)] == [
        "optout.registered", "optout.registered", "optout.withdrawn",
    ]  # fmt: skip

    code, stdout, stderr = run("optout", "register", "9434765918", "-w", ws, *STAFF)
    assert code == 2
    assert "not a valid NHS number" in stdout + stderr
    for dummy, problem in (("0000000000", "placeholder"), ("999 000 0018", "for testing")):
        code, _, stderr = run("optout", "register", dummy, "-w", ws, *STAFF)
        assert code == 2
        assert "not a valid NHS number" in stderr
        assert problem in stderr
    code, stdout, stderr = run("optout", "register", "9434765919", "--scheme", "local", "-w", ws,
                               *STAFF)  # fmt: skip
    assert code == 2
    assert "choose one of national, objection" in stdout + stderr
    code, stdout, stderr = run("optout", "register", "9434765919", "-w", ws, "--as-role", "clerk")
    assert code == 2
    assert "--reason: required" in stdout + stderr
    assert len(list(audit.entries(sqlite_workspace))) == 3


def test_protect_publishes_safe_counts(tmp_path: Path) -> None:
    table = tmp_path / "admissions.csv"
    table.write_text("area,n\nA,3\nB,50\nC,60\n", encoding="utf-8")
    out = tmp_path / "safe.csv"

    code, stdout, stderr = run("protect", str(table), "--by", "area", "--count", "n",
                               "--preset", "tre", "--out", str(out), "--json")  # fmt: skip

    assert code == 0, stderr
    result = json.loads(stdout)
    assert result["hidden_cells"] == 2
    assert out.read_text(encoding="utf-8").splitlines() == [
        "area,n", "A,*", "B,*", "C,60", "(all),113",
    ]  # fmt: skip
    code, stdout, stderr = run("protect", str(table), "--by", "region", "--count", "n")
    assert code == 2
    assert "no column region" in stdout + stderr
