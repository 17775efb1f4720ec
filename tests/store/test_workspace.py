"""Workspaces and migrations on both stores."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from accord.store import (
    PRIVATE_DIR,
    PRIVATE_FILE,
    DatabaseError,
    InitRefused,
    InvalidName,
    LooseModes,
    NotAWorkspace,
    Workspace,
    WorkspaceExists,
    init_workspace,
    loose_modes,
    metadata,
    migrate,
    open_workspace,
)
from accord.store.database import _config


def test_init_creates_layout_keys_and_schema(workspace: Workspace) -> None:
    root = workspace.root
    assert (root / "accord.toml").is_file()
    assert workspace.snapshot_dir.is_dir()
    key = root / "keys" / "node.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key.read_bytes()
    tables = set(sa.inspect(workspace.engine).get_table_names())
    assert {"datasets", "snapshots", "quarantine", "field_stats"} <= tables


def test_migrations_build_exactly_the_declared_schema(workspace: Workspace) -> None:
    with workspace.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrate_is_idempotent(workspace: Workspace) -> None:
    migrate(workspace.engine)
    migrate(workspace.engine)


def test_init_refuses_existing_workspace(workspace: Workspace) -> None:
    with pytest.raises(WorkspaceExists):
        init_workspace(workspace.root, "again")


def test_open_refuses_plain_directory(tmp_path: Path) -> None:
    with pytest.raises(NotAWorkspace, match="accord init"):
        open_workspace(tmp_path)


def test_open_clears_scratch_of_dead_runs_and_keeps_the_living(
    sqlite_workspace: Workspace,
) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    living = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        old = sqlite_workspace.tmp_dir / "dead-run"  # named by a version before pids
        gone = sqlite_workspace.tmp_dir / f"{dead.pid}-0123abcd"
        kept = sqlite_workspace.tmp_dir / f"{living.pid}-0123abcd"
        for leftover in (old, gone, kept):
            leftover.mkdir()
            (leftover / "half.parquet").write_bytes(b"x")
        with sqlite_workspace.scratch() as mine:
            open_workspace(sqlite_workspace.root)  # another process's open, as it were
            assert mine.is_dir()
        assert not old.exists()
        assert not gone.exists()
        assert (kept / "half.parquet").exists()
    finally:
        living.kill()
        living.wait()


def test_environment_overrides_workspace_file(
    sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCORD_NODE_NAME", "from-env")
    assert open_workspace(sqlite_workspace.root).settings.node_name == "from-env"
    monkeypatch.delenv("ACCORD_NODE_NAME")
    assert open_workspace(sqlite_workspace.root).settings.node_name == "test-node"


# --- init is all or nothing -------------------------------------------------------------


def _tree(path: Path) -> list[str]:
    """Every path under ``path`` (and whether it exists), to compare before and after."""
    if not path.exists():
        return ["(absent)"]
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def test_init_with_a_bad_store_url_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "new" / "nodes" / "gp"
    with pytest.raises(DatabaseError):
        init_workspace(target, "gp", "postgresql+psycopg://nobody@/x?host=/nonexistent&port=1")
    # Not the workspace, not the folders made for it.
    assert list(tmp_path.iterdir()) == []
    assert init_workspace(target, "gp").root == target


def test_a_failure_after_the_keys_are_made_leaves_nothing(tmp_path: Path) -> None:
    # A store URL naming a folder: the keys and settings are written, then migration fails.
    (tmp_path / "in-the-way").mkdir()
    target = tmp_path / "gp"
    target.mkdir()
    with pytest.raises(DatabaseError):
        init_workspace(target, "gp", f"sqlite:///{tmp_path / 'in-the-way'}")
    assert _tree(target) == []
    init_workspace(target, "gp")
    assert (target / "keys" / "node.key").is_file()


def test_a_file_in_the_way_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("kept")
    with pytest.raises(InitRefused, match="cannot create the folder"):
        init_workspace(tmp_path / "file" / "ws", "gp")
    with pytest.raises(InitRefused, match="is a file"):
        init_workspace(tmp_path / "file", "gp")
    assert _tree(tmp_path) == ["file"]
    assert (tmp_path / "file").read_text() == "kept"


def test_a_folder_with_other_files_is_refused_unchanged(tmp_path: Path) -> None:
    half = tmp_path / "half"
    (half / "keys").mkdir(parents=True)
    (half / "keys" / "node.key").write_bytes(b"someone's key")
    with pytest.raises(InitRefused, match="not empty and is not an Accord workspace"):
        init_workspace(half, "gp")
    assert _tree(half) == ["keys", "keys/node.key"]
    assert (half / "keys" / "node.key").read_bytes() == b"someone's key"


def test_an_empty_folder_becomes_the_workspace_in_place(tmp_path: Path) -> None:
    # The same folder (a shell may be standing in it), not one renamed over it.
    empty = tmp_path / "gp"
    empty.mkdir()
    inode = empty.stat().st_ino
    ws = init_workspace(empty, "gp")
    assert ws.root.stat().st_ino == inode
    assert not [p for p in empty.iterdir() if p.name.startswith(".")]


def test_what_a_killed_init_left_does_not_stop_the_next(tmp_path: Path) -> None:
    stale = tmp_path / "gp" / ".accord-init-0123456789ab" / "keys"
    stale.mkdir(parents=True)
    init_workspace(tmp_path / "gp", "gp")
    assert not stale.parent.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through a read-only folder")
def test_a_read_only_folder_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(InitRefused, match="cannot create the folder"):
            init_workspace(locked / "nodes" / "gp", "gp")
        assert _tree(locked) == []
    finally:
        locked.chmod(0o700)


def test_init_inside_a_workspace_s_own_files_is_refused(sqlite_workspace: Workspace) -> None:
    with pytest.raises(InitRefused, match="own files"):
        init_workspace(sqlite_workspace.root / "keys" / "other", "gp")
    assert not (sqlite_workspace.root / "keys" / "other").exists()


@pytest.mark.parametrize("name", ["GP Practice", "../x", "a" * 101, ""])
def test_a_bad_node_name_is_refused_before_anything_is_made(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidName, match=r"^node name"):
        init_workspace(tmp_path / "ws", name)
    assert list(tmp_path.iterdir()) == []


def test_settings_with_quotes_and_control_characters_round_trip(tmp_path: Path) -> None:
    odd = tmp_path / 'odd "name" \\ tab\there'
    odd.mkdir()
    url = f"sqlite:///{odd / 'x.db'}"
    ws = init_workspace(tmp_path / "ws", "gp", url)
    assert ws.settings.store_url == url


# --- owner-only files ---------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_everything_init_makes_is_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        ws = init_workspace(tmp_path / "ws", "gp")
        with ws.engine.begin() as conn:  # SQLite's -wal and -shm appear on first use
            conn.execute(sa.text("SELECT 1"))
            for folder in ("", "keys", "data", "data/snapshots", "data/tmp"):
                assert _mode(ws.root / folder) == PRIVATE_DIR, folder
            for file in ("accord.toml", "keys/node.key", "keys/node.pub", "keys/privacy.key",
                         "accord.db", "accord.db-wal", "accord.db-shm"):  # fmt: skip
                assert _mode(ws.root / file) == PRIVATE_FILE, file
        ws.close()
    finally:
        os.umask(old)
    assert loose_modes(ws.root, thorough=True) == []


def test_opening_warns_once_about_loose_modes(sqlite_workspace: Workspace) -> None:
    (sqlite_workspace.root / "accord.toml").chmod(0o644)
    (sqlite_workspace.root / "keys").chmod(0o755)
    with pytest.warns(LooseModes) as caught:
        open_workspace(sqlite_workspace.root)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "accord.toml is mode 644, should be 600" in message
    assert "keys is mode 755, should be 700" in message
    assert "accord doctor" in message


def test_a_store_an_older_accord_made_is_brought_up_to_date_on_first_use(
    tmp_path: Path, store_url: str
) -> None:
    made = init_workspace(tmp_path / "old", "old", store_url=store_url)
    with made.engine.begin() as conn:  # as a workspace from before the peer registry was
        config = _config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
        assert "peers" not in sa.inspect(conn).get_table_names()
    made.close()

    with open_workspace(tmp_path / "old") as ws, ws.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM peers")).scalar_one() == 0
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == (
            ScriptDirectory.from_config(_config()).get_current_head()
        )


def test_a_database_no_accord_made_is_left_alone(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.db"
    with sa.create_engine(f"sqlite:///{foreign}").begin() as conn:
        conn.execute(sa.text("CREATE TABLE theirs (x INTEGER)"))
    ws = init_workspace(tmp_path / "ws", "ws")
    ws.close()
    (tmp_path / "ws" / "accord.toml").write_text(
        f'node_name = "ws"\nstore_url = "sqlite:///{foreign}"\n', encoding="utf-8"
    )
    with open_workspace(tmp_path / "ws") as opened, opened.engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
    assert tables == ["theirs"]
