"""Persistence: the node workspace, the SQL store (SQLite or PostgreSQL), content-named files.

Public face: :class:`Workspace` with :func:`init_workspace` / :func:`open_workspace`,
:class:`Settings`, the schema (:data:`metadata` and its tables), :func:`migrate`,
:func:`publish` for immutable files, and the error tree under :class:`StoreError`.
"""

from accord.store.database import create_engine, mask_url, migrate
from accord.store.errors import DatabaseError, NotAWorkspace, StoreError, WorkspaceExists
from accord.store.files import publish, sha256_file
from accord.store.settings import WORKSPACE_FILE, Settings
from accord.store.tables import (
    agreement_events,
    agreements,
    datasets,
    field_stats,
    metadata,
    quarantine,
    snapshots,
)
from accord.store.workspace import (
    Workspace,
    duckdb_connect,
    duckdb_session,
    init_workspace,
    open_workspace,
)

__all__ = [
    "WORKSPACE_FILE",
    "DatabaseError",
    "NotAWorkspace",
    "Settings",
    "StoreError",
    "Workspace",
    "WorkspaceExists",
    "agreement_events",
    "agreements",
    "create_engine",
    "datasets",
    "duckdb_connect",
    "duckdb_session",
    "field_stats",
    "init_workspace",
    "mask_url",
    "metadata",
    "migrate",
    "open_workspace",
    "publish",
    "quarantine",
    "sha256_file",
    "snapshots",
]
