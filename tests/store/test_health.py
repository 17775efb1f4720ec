"""``check_workspace``: every problem named, with its fix; a healthy workspace has none."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from accord.store import (
    NotAWorkspace,
    Workspace,
    check_workspace,
    init_workspace,
    publish,
)


def test_a_new_workspace_is_healthy_on_each_store(workspace: Workspace) -> None:
    health = check_workspace(workspace.root)
    assert health.ok, health.problems
    assert health.store is not None


def test_loose_modes_are_named_with_the_chmod_that_fixes_them(
    sqlite_workspace: Workspace,
) -> None:
    root = sqlite_workspace.root
    (root / "accord.toml").chmod(0o644)
    (root / "data").chmod(0o755)
    (root / "keys" / "node.key").chmod(0o640)
    problems = check_workspace(root).found("modes")
    fixes = sorted(p.fix for p in problems)
    assert fixes == [f"chmod 600 {root / 'accord.toml'}", f"chmod 600 {root / 'keys/node.key'}",
                     f"chmod 700 {root / 'data'}"]  # fmt: skip
    for fix in fixes:
        subprocess.run(fix.split(), check=True)
    assert check_workspace(root).ok


def test_a_snapshot_its_owner_could_change_is_named(sqlite_workspace: Workspace) -> None:
    tmp = sqlite_workspace.tmp_dir / "s.parquet"
    tmp.write_bytes(b"rows")
    _, final, _ = publish(tmp, sqlite_workspace.snapshot_dir, ".parquet")
    assert final.stat().st_mode & 0o777 == 0o400
    assert check_workspace(sqlite_workspace.root).ok
    final.chmod(0o644)
    [problem] = check_workspace(sqlite_workspace.root).problems
    assert problem.fix == f"chmod 400 {final}"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("node_name = \n", "not valid TOML"),
        ('node_name = "gp"\ncolour = "blue"\n', "colour: not a setting"),
        ('node_name = "gp"\nchunk_rows = 1\n', "chunk_rows: Input should be greater than"),
        ('node_name = "GP Practice"\n', "node_name 'GP Practice' is not a valid name"),
    ],
)
def test_bad_settings_are_named(sqlite_workspace: Workspace, text: str, says: str) -> None:
    (sqlite_workspace.root / "accord.toml").write_text(text)
    [problem] = check_workspace(sqlite_workspace.root).found("settings")
    assert says in problem.problem
    assert "accord.toml" in problem.path


def test_keys_missing_mismatched_or_malformed_are_named(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    keys = sqlite_workspace.root / "keys"
    other = init_workspace(tmp_path / "other", "other")
    (keys / "node.pub").unlink()
    (other.root / "keys" / "node.pub").replace(keys / "node.pub")
    (keys / "privacy.key").write_bytes(b"short")
    problems = {Path(p.path).name: p for p in check_workspace(sqlite_workspace.root).found("keys")}
    assert problems["node.pub"].problem == "is not the public half of node.key"
    assert problems["privacy.key"].problem == "is 5 bytes, not 32"
    (keys / "node.key").write_text("-----BEGIN PRIVATE KEY-----\nnonsense\n")
    (keys / "privacy.key").unlink()
    problems = {Path(p.path).name: p for p in check_workspace(sqlite_workspace.root).found("keys")}
    assert "is not a PEM Ed25519 key" in problems["node.key"].problem
    assert problems["privacy.key"].problem == "is missing"
    assert "restore" in problems["privacy.key"].fix


def test_an_unreachable_store_is_named_without_its_password(sqlite_workspace: Workspace) -> None:
    (sqlite_workspace.root / "accord.toml").write_text(
        'node_name = "gp"\nstore_url = '
        '"postgresql+psycopg://accord:s3cret@/x?host=/nonexistent&port=1"\n'
    )
    health = check_workspace(sqlite_workspace.root)
    [problem] = health.found("store")
    assert "cannot connect" in problem.problem
    assert "s3cret" not in problem.path + problem.problem + str(health.store)
    assert "store_url" in problem.fix


def test_a_store_of_another_schema_is_named(sqlite_workspace: Workspace, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch(mode=0o600)
    (sqlite_workspace.root / "accord.toml").write_text(
        f'node_name = "gp"\nstore_url = "sqlite:///{empty}"\n'
    )
    [problem] = check_workspace(sqlite_workspace.root).found("store")
    assert "schema is at revision none" in problem.problem


def test_an_sqlite_store_outside_the_workspace_is_checked_too(tmp_path: Path) -> None:
    db = tmp_path / "elsewhere.db"
    ws = init_workspace(tmp_path / "ws", "gp", f"sqlite:///{db}")
    db.chmod(0o644)
    [problem] = check_workspace(ws.root).found("modes")
    assert problem.path == str(db)


def test_a_folder_that_is_no_workspace_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotAWorkspace):
        check_workspace(tmp_path)
