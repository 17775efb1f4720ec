"""A node workspace: settings, the SQL store, snapshot files, keys and scratch space.

Layout::

    accord.toml              settings (see docs/settings.md)
    accord.db                the SQLite store, unless store_url points elsewhere
    data/snapshots/<sha256>.parquet   immutable snapshot files, named by content
    data/tmp/                scratch for work in progress; emptied on every open
    keys/node.key, node.pub  the node's Ed25519 identity, made at init
    keys/privacy.key         the node's privacy secret (32 random bytes), made at init
    keys/portal.key          the portal's secret (cookies, CSRF tokens), made at init or first use

Everything is its owner's alone (docs/security.md): folders 0700, files 0600, snapshots
0400, whatever the umask; ``open_workspace`` warns when that no longer holds.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import warnings
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

from accord.store.database import create_engine, migrate, upgrade_if_behind
from accord.store.errors import InitRefused, InvalidSettings, NotAWorkspace, WorkspaceExists
from accord.store.layout import WORKSPACE_FILE
from accord.store.names import check_name, check_node_id
from accord.store.outputs import workspace_part
from accord.store.permissions import (
    PRIVATE_DIR,
    STORE_FILES,
    LooseModes,
    create_private_file,
    loose_modes,
    private_dir,
    sqlite_file,
)
from accord.store.settings import Settings, check_log_origin, new_log_origin


@dataclass(frozen=True)
class Workspace:
    """An opened node workspace."""

    root: Path
    settings: Settings

    @cached_property
    def store_url(self) -> str:
        return self.settings.store_url or f"sqlite:///{self.root / 'accord.db'}"

    @cached_property
    def engine(self) -> Engine:
        engine = create_engine(self.store_url)
        upgrade_if_behind(engine)
        return engine

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
        """A private scratch directory, removed afterwards whatever happens. Its name
        starts with this process's id, so another process opening the workspace (a
        server's worker, an operator's command) leaves it alone while this one lives."""
        path = self.tmp_dir / f"{os.getpid()}-{uuid4().hex}"
        path.mkdir(mode=PRIVATE_DIR, parents=True)
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)


PRIVACY_SECRET = "privacy.key"  # noqa: S105 - a file name
"""The node's privacy secret in ``keys/``: the privacy context derives its keys from it."""
PORTAL_SECRET = "portal.key"  # noqa: S105 - a file name
"""The portal's secret in ``keys/``: it signs session cookies and CSRF tokens."""
SECRET_BYTES = 32


def node_secret(ws: Workspace, name: str) -> bytes:
    """The workspace's secret ``keys/<name>`` (32 random bytes), made now if it is missing.

    A workspace made before a secret existed gets it at first use. Several processes (a
    server's workers) may start at once: each writes its own candidate, owner-only, and
    hard-links it into place, which never replaces a file; the one that loses reads the
    winner's, so every process ends with the same secret and none sees a half-written one.
    """
    if "/" in name or name.startswith("."):
        raise ValueError(f"not a key file name: {name!r}")
    path = ws.root / "keys" / name
    if not path.exists():
        candidate = path.with_name(f".{name}.{os.getpid()}-{uuid4().hex}")
        create_private_file(candidate, secrets.token_bytes(SECRET_BYTES))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process made it first: its secret is the node's
        finally:
            candidate.unlink(missing_ok=True)
    return path.read_bytes()


def init_workspace(
    root: Path,
    node_name: str,
    store_url: str | None = None,
    log_origin: str | None = None,
    node_id: str | None = None,
) -> Workspace:
    """Create a workspace at ``root``: settings, directories, node keys and the schema.

    All or nothing: the workspace is built in a hidden folder inside ``root`` and its
    store migrated; only then are its parts moved into place, ``accord.toml`` (which
    makes the folder a workspace) last. A bad store URL, a full disk or a refused folder
    leaves nothing behind: no workspace, and no folder that ``init`` made. ``root`` must
    be new or an empty folder. ``log_origin`` names the audit log in its checkpoints
    (default: a new unique one). ``node_id`` is the organisation's code the exchange
    names the node by (none: the node can work alone but not serve or call peers).
    """
    check_name(node_name, "node name")
    if node_id is not None:
        check_node_id(node_id, "node id")
    origin = check_log_origin(log_origin) if log_origin else new_log_origin(node_name)
    root = root.expanduser().resolve()
    _refuse_target(root)
    made = _make_folders(root)
    staging = root / f"{_STAGING}{uuid4().hex[:12]}"
    try:
        private_dir(staging)
        _build(staging, node_name, store_url, origin, node_id)
        root.chmod(PRIVATE_DIR)
        for made_part in sorted(staging.iterdir(), key=lambda p: p.name == WORKSPACE_FILE):
            made_part.rename(root / made_part.name)
        staging.rmdir()
        return open_workspace(root)
    except OSError as exc:
        raise InitRefused(f"{root}: cannot create the workspace ({exc.strerror or exc})") from exc
    finally:
        if not (root / WORKSPACE_FILE).is_file():
            shutil.rmtree(staging, ignore_errors=True)
            for part in _PARTS:
                _remove(root / part)
            _remove_empty(made)


_STAGING = ".accord-init-"
_PARTS = ("keys", "data", *STORE_FILES)
"""What a workspace adds to its folder besides ``accord.toml``."""


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _refuse_target(root: Path) -> None:
    if (root / WORKSPACE_FILE).exists():
        raise WorkspaceExists(f"{root} is already an Accord workspace")
    owned = workspace_part(root)
    if owned is not None:
        raise InitRefused(
            f"{root}: is inside the workspace {owned[0]}'s own files; choose another folder"
        )
    if root.exists() and not root.is_dir():
        raise InitRefused(f"{root}: is a file; give a new or empty folder")
    if not root.is_dir():
        return
    found = list(root.iterdir())
    if any(not p.name.startswith(_STAGING) for p in found):
        raise InitRefused(
            f"{root}: the folder is not empty and is not an Accord workspace; "
            "give a new or empty folder"
        )
    for stale in found:  # what an init that was killed left: never a workspace
        shutil.rmtree(stale, ignore_errors=True)


def _make_folders(root: Path) -> list[Path]:
    """Create ``root`` and its missing ancestors; the ones made, outermost first."""
    missing = [p for p in (root, *root.parents) if not p.exists()]
    try:
        root.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    except OSError as exc:
        raise InitRefused(f"{root}: cannot create the folder ({exc.strerror})") from exc
    return missing[::-1]


def _remove_empty(made: list[Path]) -> None:
    for folder in reversed(made):
        try:
            folder.rmdir()
        except OSError:
            return


def _build(
    root: Path, node_name: str, store_url: str | None, origin: str, node_id: str | None
) -> None:
    """The whole workspace at ``root`` (a fresh owner-only folder), its schema migrated."""
    for sub in ("data", "data/snapshots", "data/tmp", "keys"):
        private_dir(root / sub)
    lines = [f"node_name = {_toml_string(node_name)}"]
    if store_url:
        lines.append(f"store_url = {_toml_string(store_url)}")
    lines.append(f"log_origin = {_toml_string(origin)}")
    if node_id:
        lines.append(f"node_id = {_toml_string(node_id)}")
    create_private_file(root / WORKSPACE_FILE, ("\n".join(lines) + "\n").encode("utf-8"))
    _write_node_key(root / "keys")
    # The node's privacy secret: opt-out registers and pseudonym keys derive from it.
    create_private_file(root / "keys" / PRIVACY_SECRET, secrets.token_bytes(32))
    create_private_file(root / "keys" / PORTAL_SECRET, secrets.token_bytes(SECRET_BYTES))
    workspace = Workspace(root=root, settings=Settings.for_workspace(root))
    # SQLite makes its -wal and -shm files with the database file's mode.
    database = sqlite_file(workspace.store_url)
    made = None
    if database is not None and database.parent.is_dir() and not database.exists():
        made = database
        create_private_file(made, b"")
    try:
        migrate(workspace.engine)
    except BaseException:
        if made is not None:  # the file is this init's own: take it away with the rest
            for suffix in ("", "-wal", "-shm"):
                made.with_name(made.name + suffix).unlink(missing_ok=True)
        raise
    finally:
        workspace.close()


def open_workspace(root: Path) -> Workspace:
    """Open the workspace at ``root``, clearing scratch left by an interrupted run.

    Warns (:class:`LooseModes`) when others may read or change its keys, settings, store
    or data; ``accord doctor`` says how to fix each.
    """
    root = root.resolve()
    if not (root / WORKSPACE_FILE).is_file():
        raise NotAWorkspace(
            f"{root} is not an Accord workspace (no {WORKSPACE_FILE}); "
            f"run 'accord init {root}' first or pass --workspace"
        )
    workspace = Workspace(root=root, settings=Settings.for_workspace(root))
    _clear(workspace.tmp_dir)
    loose = loose_modes(root)
    if loose:
        shown = "; ".join(str(item) for item in loose[:3])
        more = f" and {len(loose) - 3} more" if len(loose) > 3 else ""
        warnings.warn(
            LooseModes(f"{root}: other users may read or change it: {shown}{more}; "
                       "run 'accord doctor' for the fix"),
            stacklevel=2,
        )  # fmt: skip
    return workspace


def _clear(tmp: Path) -> None:
    """Remove scratch of runs that died: nothing there is referenced by the store. Each
    entry is named after the process that made it (``<pid>-...``); a living process's
    is kept, since several processes work in one workspace at once (a server's workers,
    a command an operator runs beside them)."""
    if tmp.is_dir():
        for child in tmp.iterdir():
            if _owner_alive(child.name):
                continue
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    tmp.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)


def _owner_alive(name: str) -> bool:
    """Whether the process whose id begins ``name`` is running (this one included)."""
    pid, _, rest = name.partition("-")
    if not rest or not pid.isdigit():
        return False  # not a name this version gives: left by an older run
    try:
        os.kill(int(pid), 0)
    except PermissionError:
        return True  # alive, another user's: kept to be safe
    except (ProcessLookupError, OverflowError, ValueError):
        return False
    return True


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string: control characters escaped, not raw.
    return json.dumps(value)


def write_private(path: Path, data: bytes) -> None:
    """A new file readable by its owner only (keys); never replaces one."""
    create_private_file(path, data)


def _write_node_key(keys: Path) -> None:
    """The node's Ed25519 identity key; both halves owner-only, like the folder."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    create_private_file(keys / "node.key", private)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    create_private_file(keys / "node.pub", public)


def duckdb_connect(workspace: Workspace, database: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the workspace's limits: bounded memory, spill to scratch."""
    spill = workspace.tmp_dir / f"{os.getpid()}-duckdb-spill"
    return duckdb_session(workspace.settings, spill, database)


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
