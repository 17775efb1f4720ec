"""``accord doctor``: 0 when healthy, 1 naming each problem and its fix, 2 when it cannot check."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from accord.cli import app

runner = CliRunner()


def test_doctor_reports_a_healthy_workspace_and_then_its_problems(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    result = runner.invoke(app, ["doctor", "-w", str(ws)])
    assert result.exit_code == 0, result.stderr
    assert "modes     ok" in result.stdout
    (ws / "accord.toml").chmod(0o644)
    result = runner.invoke(app, ["doctor", "-w", str(ws), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["checks"] == {"settings": True, "modes": False, "keys": True, "store": True}
    assert report["problems"] == [{
        "check": "modes", "path": str(ws / "accord.toml"),
        "problem": "mode 644 lets other users in (should be 600)",
        "fix": f"chmod 600 {ws / 'accord.toml'}",
    }]  # fmt: skip
    result = runner.invoke(app, ["doctor", "-w", str(ws)])
    assert result.exit_code == 1
    assert f"fix: chmod 600 {ws / 'accord.toml'}" in result.stdout


def test_other_commands_warn_about_loose_modes_on_stderr(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    runner.invoke(app, ["init", str(ws)])
    (ws / "keys").chmod(0o755)
    result = runner.invoke(app, ["datasets", "-w", str(ws), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"datasets": []}
    assert result.stderr.count("warning:") == 1
    assert "keys is mode 755, should be 700" in result.stderr


def test_doctor_outside_a_workspace_could_not_check(tmp_path: Path) -> None:
    result = runner.invoke(app, ["doctor", "-w", str(tmp_path)])
    assert result.exit_code == 2
    assert "not an Accord workspace" in result.stderr
