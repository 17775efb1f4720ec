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
    catalog_metadata,
    datasets,
    field_stats,
    lineage_datasets,
    lineage_events,
    metadata,
    opt_outs,
    pseudonym_keys,
    quality_assessments,
    quality_checks,
    quality_scores,
    quarantine,
    snapshots,
)
from accord.store.workspace import (
    PRIVACY_SECRET,
    Workspace,
    duckdb_connect,
    duckdb_session,
    init_workspace,
    open_workspace,
    write_private,
)

__all__ = [
    "PRIVACY_SECRET",
    "WORKSPACE_FILE",
    "DatabaseError",
    "NotAWorkspace",
    "Settings",
    "StoreError",
    "Workspace",
    "WorkspaceExists",
    "catalog_metadata",
    "create_engine",
    "datasets",
    "duckdb_connect",
    "duckdb_session",
    "field_stats",
    "init_workspace",
    "lineage_datasets",
    "lineage_events",
    "mask_url",
    "metadata",
    "migrate",
    "open_workspace",
    "opt_outs",
    "pseudonym_keys",
    "publish",
    "quality_assessments",
    "quality_checks",
    "quality_scores",
    "quarantine",
    "sha256_file",
    "snapshots",
    "write_private",
]
