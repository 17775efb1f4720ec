"""Outputs are checked before the work: never a workspace's own files, never a silent overwrite."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.store import UnsafeOutput, Workspace, check_output


@pytest.mark.parametrize(
    "inside", ["keys/node.key", "keys/new.pem", "accord.toml", "accord.db", "data/snapshots/x"]
)
def test_a_workspace_s_own_files_are_never_outputs(
    sqlite_workspace: Workspace, inside: str
) -> None:
    with pytest.raises(UnsafeOutput, match="workspace's own files"):
        check_output(sqlite_workspace.root / inside, force=True)


def test_a_workspace_folder_itself_is_refused(sqlite_workspace: Workspace) -> None:
    with pytest.raises(UnsafeOutput, match="workspace folder"):
        check_output(sqlite_workspace.root, directory=True)


def test_other_files_in_a_workspace_folder_are_fine(sqlite_workspace: Workspace) -> None:
    assert (
        check_output(sqlite_workspace.root / "export.csv") == sqlite_workspace.root / "export.csv"
    )


def test_existing_file_needs_force(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("kept")
    with pytest.raises(UnsafeOutput, match="exists; pass --force"):
        check_output(target)
    assert check_output(target, force=True) == target
    assert target.read_text() == "kept"


def test_missing_parent_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(UnsafeOutput, match="does not exist; create it first"):
        check_output(tmp_path / "nowhere" / "out.csv")


def test_file_and_folder_are_not_confused(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(UnsafeOutput, match="is a folder"):
        check_output(tmp_path / "folder", force=True)
    with pytest.raises(UnsafeOutput, match="is a file"):
        check_output(tmp_path / "file", directory=True)
    assert check_output(tmp_path / "folder", directory=True) == tmp_path / "folder"
