"""Which node's log records ``accord link`` and ``accord dedupe``: the one named, else the
current folder when it is a workspace, else none (and the run still works on bare files)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord import audit
from accord.cli import app
from accord.scenarios import generate
from accord.store import Workspace


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenario")
    generate("gp-hospital-council", 200, folder, seed=3, organisations=["gp"],
             as_of=date(2026, 11, 22))  # fmt: skip
    return folder


def _dedupe(scenario: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> None:
    result = CliRunner().invoke(app, ["dedupe", str(scenario / "gp.csv"), "-m",
                                      str(scenario / "gp.mapping.yaml"), "-o", str(out),
                                      "--as-of", "2026-11-22", *extra], env=env)  # fmt: skip
    assert result.exit_code == 0, result.stdout + result.stderr
    assert out.is_file()


def _runs(ws: Workspace) -> int:
    return sum(e.event.name == "linkage.run" for e in audit.entries(ws))


def test_the_run_is_recorded_in_the_node_named_or_the_current_one_or_none(
    scenario: Path, sqlite_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = sqlite_workspace
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    _dedupe(scenario, tmp_path / "bare.csv")
    assert _runs(ws) == 0  # no workspace named, the current folder is none: not recorded
    _dedupe(scenario, tmp_path / "named.csv", "--workspace", str(ws.root))
    assert _runs(ws) == 1
    _dedupe(scenario, tmp_path / "env.csv", env={"ACCORD_WORKSPACE": str(ws.root)})
    assert _runs(ws) == 2
    monkeypatch.chdir(ws.root)
    _dedupe(scenario, tmp_path / "here.csv")
    assert _runs(ws) == 3
