"""Node settings: one ``BaseSettings``, read from the environment and ``accord.toml``.

Environment variables (``ACCORD_STORE_URL`` ...) win over the workspace file, which wins
over the defaults, so CI can point a workspace at PostgreSQL without editing it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

WORKSPACE_FILE = "accord.toml"


class Settings(BaseSettings):
    """Settings of one Accord node (documented in docs/settings.md)."""

    model_config = SettingsConfigDict(env_prefix="ACCORD_", extra="forbid")

    node_name: str = Field(default="accord-node", description="This node's display name.")
    store_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the SQL store; default: SQLite accord.db in the workspace.",
    )
    duckdb_memory_limit: str = Field(
        default="2GB", description="Memory DuckDB may use before it spills work to disk."
    )
    duckdb_threads: int | None = Field(
        default=None, ge=1, description="Threads DuckDB may use; default: one per core."
    )
    chunk_rows: int = Field(
        default=50_000, ge=100, description="Rows per chunk when a reader streams rows."
    )
    spark_master: str = Field(
        default="local[*]",
        description="Spark master for `--engine spark` linkage; default: a local session.",
    )
    spark_driver_memory: str = Field(
        default="4g", description="Memory of the Spark driver for `--engine spark` linkage."
    )

    @classmethod
    def for_workspace(cls, root: Path) -> Settings:
        """Settings of the workspace at ``root``: environment, then ``accord.toml``."""
        path = root / WORKSPACE_FILE
        with path.open("rb") as fh:
            from_file = tomllib.load(fh)
        from_env = cls().model_dump(exclude_unset=True)
        return cls.model_validate({**from_file, **from_env})
