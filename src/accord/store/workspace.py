"""A node workspace: settings, the SQL store, snapshot files, keys and scratch space.

Layout::

    accord.toml              settings (see docs/settings.md)
    accord.db                the SQLite store, unless store_url points elsewhere
    data/snapshots/<sha256>.parquet   immutable snapshot files, named by content
    data/tmp/                scratch for work in progress; emptied on every open
    keys/node.key, node.pub  the node's Ed25519 identity, made at init (0600)
    keys/privacy.key         the node's privacy secret (32 random bytes), made at init (0600)
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from uuid import uuid4

import duckdb
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

from accord.store.database import create_engine, migrate
from accord.store.errors import InvalidSettings, NotAWorkspace, WorkspaceExists
from accord.store.settings import WORKSPACE_FILE, Settings


@dataclass(frozen=True)
class Workspace:
    """An opened node workspace."""

    root: Path
    settings: Settings

    @property
    def store_url(self) -> str:
        return self.settings.store_url or f"sqlite:///{self.root / 'accord.db'}"

    @cached_property
    def engine(self) -> Engine:
        return create_engine(self.store_url)

    @property
    def snapshot_dir(self) -> Path:
        return self.root / "data" / "snapshots"

    @property
    def tmp_dir(self) -> Path:
        return self.root / "data" / "tmp"

    def close(self) -> None:
        """Release the SQL store's connections (if any were opened)."""
        engine = self.__dict__.pop("engine", None)
        if engine is not None:
            engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def scratch(self) -> Iterator[Path]:
        """A private scratch directory, removed afterwards whatever happens."""
        path = self.tmp_dir / uuid4().hex
        path.mkdir(parents=True)
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)


PRIVACY_SECRET = "privacy.key"  # noqa: S105 - a file name
"""The node's privacy secret in ``keys/``: the privacy context derives its keys from it."""


def init_workspace(root: Path, node_name: str, store_url: str | None = None) -> Workspace:
    """Create a workspace at ``root``: settings, directories, node keys and the schema."""
    root = root.resolve()
    if (root / WORKSPACE_FILE).exists():
        raise WorkspaceExists(f"{root} is already an Accord workspace")
    for sub in ("data/snapshots", "data/tmp", "keys"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    lines = [f"node_name = {_toml_string(node_name)}"]
    if store_url:
        lines.append(f"store_url = {_toml_string(store_url)}")
    (root / WORKSPACE_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    _write_node_key(root / "keys")
    # The node's privacy secret: opt-out registers and pseudonym keys derive from it.
    write_private(root / "keys" / PRIVACY_SECRET, secrets.token_bytes(32))
    workspace = open_workspace(root)
    migrate(workspace.engine)
    workspace.close()
    return workspace


def open_workspace(root: Path) -> Workspace:
    """Open the workspace at ``root``, clearing scratch left by an interrupted run."""
    root = root.resolve()
    if not (root / WORKSPACE_FILE).is_file():
        raise NotAWorkspace(
            f"{root} is not an Accord workspace (no {WORKSPACE_FILE}); "
            f"run 'accord init {root}' first or pass --workspace"
        )
    workspace = Workspace(root=root, settings=Settings.for_workspace(root))
    _clear(workspace.tmp_dir)
    return workspace


def _clear(tmp: Path) -> None:
    """Remove scratch of runs that died: nothing there is referenced by the store."""
    if tmp.is_dir():
        for child in tmp.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    tmp.mkdir(parents=True, exist_ok=True)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def write_private(path: Path, data: bytes) -> None:
    """A new file readable by its owner only (keys); never replaces one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _write_node_key(keys: Path) -> None:
    """The node's Ed25519 identity key, private part readable by the owner only."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private(keys / "node.key", private)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (keys / "node.pub").write_bytes(public)


def duckdb_connect(workspace: Workspace, database: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the workspace's limits: bounded memory, spill to scratch."""
    return duckdb_session(workspace.settings, workspace.tmp_dir / "duckdb-spill", database)


def duckdb_session(
    settings: Settings, spill_dir: Path, database: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with ``settings``' limits, spilling to ``spill_dir``.

    For work outside a workspace (``accord link`` on two files); inside one, use
    :func:`duckdb_connect`.
    """
    conn = duckdb.connect(str(database) if database else ":memory:")
    try:
        conn.execute(f"SET memory_limit = {_sql_text(settings.duckdb_memory_limit)}")
    except duckdb.Error as exc:
        conn.close()
        message = str(exc).split("\n", 1)[0].split(": ", 1)[-1]
        raise InvalidSettings(
            f"duckdb_memory_limit {settings.duckdb_memory_limit!r} (accord.toml or "
            f"ACCORD_DUCKDB_MEMORY_LIMIT): {message}"
        ) from None
    conn.execute(f"SET temp_directory = {_sql_text(str(spill_dir))}")
    # The default, stated because ingest relies on it: rows leave a query without ORDER BY
    # in the order they entered, whatever the threads did.
    conn.execute("SET preserve_insertion_order = true")
    # Track progress for callers that poll query_progress(), but never print it.
    conn.execute("SET enable_progress_bar = true")
    conn.execute("SET enable_progress_bar_print = false")
    conn.execute("SET progress_bar_time = 0")
    if settings.duckdb_threads:
        conn.execute(f"SET threads = {int(settings.duckdb_threads)}")
    return conn


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
