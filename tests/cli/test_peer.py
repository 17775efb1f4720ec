"""accord peer add / list / remove, on both stores, each act in the log."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from accord.agreements import key_id, load_public_key
from accord.cli import app
from accord.store import init_workspace
from tests.agreements.support import logged

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_add_list_remove(tmp_path: Path, store_url: str) -> None:
    gp = init_workspace(tmp_path / "gp", "gp", store_url=store_url)
    hospital = init_workspace(tmp_path / "hospital", "hospital")
    pub = hospital.root / "keys" / "node.pub"
    kid = key_id(load_public_key(pub))
    w = ["-w", str(gp.root)]
    add = ["peer", "add", "hospital", "--key", str(pub), "--as-role", "ig lead"]
    code, stdout, stderr = run(*add, "--reason", "admission risk", *w, "--json")
    assert code == 0, stderr
    assert json.loads(stdout)["key_id"] == kid
    code, stdout, _ = run("peer", "list", *w, "--json")
    listed = json.loads(stdout)["peers"]
    assert [(p["org"], p["own"], p["added_by"]) for p in listed] == [
        ("gp", True, None), ("hospital", False, "ig lead")]  # fmt: skip
    code, stdout, _ = run("peer", "list", *w)
    assert "this node" in stdout
    assert kid in stdout
    # Another key for the hospital needs --replace; the same key again is fine.
    other = tmp_path / "other.pub"
    other.write_text((gp.root / "keys" / "node.pub").read_text())
    code, _, stderr = run("peer", "add", "hospital", "--key", str(other), *w)
    assert code == 2
    assert f"already has key {kid}" in stderr
    assert run("peer", "add", "hospital", "--key", str(pub), *w)[0] == 0
    code, _, stderr = run("peer", "remove", "hospital", *w)
    assert code == 2  # a reason is required
    assert run("peer", "remove", "hospital", "--reason", "ended", *w)[0] == 0
    code, _, stderr = run("peer", "remove", "hospital", "--reason", "again", *w)
    assert code == 2
    assert "no key for 'hospital'" in stderr
    assert [(k, e["org"], e["by_role"]) for k, e in logged(gp)] == [
        ("peer.added", "hospital", "ig lead"),
        ("peer.removed", "hospital", "information governance lead")]  # fmt: skip
    gp.close()
    hospital.close()


def test_bad_input_is_one_clear_error(tmp_path: Path) -> None:
    gp = init_workspace(tmp_path / "gp", "gp")
    w = ["-w", str(gp.root)]
    not_a_key = tmp_path / "junk.pub"
    not_a_key.write_bytes(b"\x00\x01binary")
    for args, says in [
        (("peer", "add", "hospital", "--key", str(tmp_path / "missing.pub")), "missing.pub"),
        (("peer", "add", "hospital", "--key", str(not_a_key)), "not an Ed25519 public key"),
        (("peer", "add", "../etc", "--key", str(gp.root / "keys/node.pub")), "organisation id"),
        (("peer", "add", "gp", "--key", str(gp.root / "keys/node.pub")), "own organisation"),
    ]:
        code, stdout, stderr = run(*args, *w)
        assert code == 2, (args, stdout, stderr)
        assert says in stderr, (args, stderr)
        assert "Traceback" not in stderr
    assert logged(gp) == []
    gp.close()
