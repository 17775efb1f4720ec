"""accord user add / reset / disable / enable / roles / list, on both stores."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from accord import accounts, audit
from accord.cli import app
from accord.store import init_workspace

runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_accounts_are_managed_from_the_command_line(tmp_path: Path, store_url: str) -> None:
    ws = init_workspace(tmp_path / "gp", "gp", store_url=store_url)
    w = ["-w", str(ws.root)]
    code, stdout, stderr = run("user", "add", "jo.bloggs", "--role", "steward", "--role",
                               "approver", *w)  # fmt: skip
    assert code == 0, stderr
    generated = stdout.strip()  # printed once, on stdout alone
    assert len(generated) >= accounts.MIN_LENGTH
    assert "shown once" in stderr
    assert accounts.sign_in(ws, "jo.bloggs", generated, address="::1")
    code, stdout, stderr = run("user", "add", "sam", "--role", "auditor", "--password-stdin",
                               "--json", *w, stdin="a long enough password\n")  # fmt: skip
    assert code == 0, stderr
    made = json.loads(stdout)
    assert made["roles"] == ["auditor"]
    assert "password" not in made
    assert made["must_change"]
    code, stdout, _ = run("user", "reset", "sam", "--json", *w)
    assert code == 0
    assert json.loads(stdout)["password"]
    assert run("user", "roles", "sam", "--role", "analyst", "--role", "auditor", *w)[0] == 0
    code, _, stderr = run("user", "disable", "sam", "--reason", "left", *w)
    assert (code, stderr.strip()) == (0, "sam: disabled")
    code, _, stderr = run("user", "disable", "sam", *w)
    assert (code, stderr.strip()) == (0, "sam: was already disabled")
    code, stdout, _ = run("user", "list", "--json", *w)
    listed = {a["name"]: a for a in json.loads(stdout)["accounts"]}
    assert listed["sam"]["roles"] == ["analyst", "auditor"]
    assert listed["sam"]["disabled_at"]
    code, stdout, _ = run("user", "list", *w)
    assert "jo.bloggs" in stdout
    assert "disabled" in stdout
    assert run("user", "enable", "sam", *w)[0] == 0
    kinds = [e.event.name for e in audit.entries(ws) if e.event.name.startswith("user.")]
    assert kinds == ["user.added", "user.signed_in", "user.added", "user.reset",
                     "user.roles_changed", "user.disabled", "user.enabled"]  # fmt: skip
    ws.close()


def test_bad_input_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "gp", "gp")
    w = ["-w", str(ws.root)]
    code, _, stderr = run("user", "add", "jo", "--role", "boss", *w)
    assert code == 2
    assert "'boss' is not a role; choose from steward" in stderr
    code, _, stderr = run("user", "add", "jo", "--role", "steward", "--password-stdin", *w,
                          stdin="short\n")  # fmt: skip
    assert code == 2
    assert "at least 12 characters" in stderr
    code, _, stderr = run("user", "add", "jo", "--role", "steward", "--password-stdin", *w,
                          stdin="")  # fmt: skip
    assert code == 2
    assert "stdin held no password" in stderr
    code, _, stderr = run("user", "disable", "nobody", *w)
    assert code == 2
    assert "no account named nobody" in stderr
    assert not accounts.has_accounts(ws)
    ws.close()
