"""Workspaces and migrations on both stores."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from accord.store import (
    NotAWorkspace,
    Workspace,
    WorkspaceExists,
    init_workspace,
    metadata,
    migrate,
    open_workspace,
)


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


def test_open_clears_scratch_of_dead_runs(sqlite_workspace: Workspace) -> None:
    leftover = sqlite_workspace.tmp_dir / "dead-run"
    leftover.mkdir()
    (leftover / "half.parquet").write_bytes(b"x")
    open_workspace(sqlite_workspace.root)
    assert not leftover.exists()


def test_environment_overrides_workspace_file(
    sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCORD_NODE_NAME", "from-env")
    assert open_workspace(sqlite_workspace.root).settings.node_name == "from-env"
    monkeypatch.delenv("ACCORD_NODE_NAME")
    assert open_workspace(sqlite_workspace.root).settings.node_name == "test-node"
