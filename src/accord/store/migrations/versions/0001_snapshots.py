"""Datasets, snapshots, quarantine and per-field statistics.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_datasets"),
        sa.UniqueConstraint("name", name="uq_datasets_name"),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("read_rows", sa.BigInteger, nullable=False),
        sa.Column("quarantined_rows", sa.BigInteger, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("source_kind", sa.String(40), nullable=False),
        sa.Column("mapping", sa.Text, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_snapshots"),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name="fk_snapshots_dataset_id_datasets"
        ),
        sa.UniqueConstraint("dataset_id", "version", name="uq_snapshots_dataset_version"),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
        sa.Column("snapshot_id", sa.Integer, nullable=False),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.Column("row_number", sa.BigInteger, nullable=True),
        sa.Column("column_name", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_quarantine"),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["snapshots.id"], name="fk_quarantine_snapshot_id_snapshots"
        ),
    )
    op.create_index("ix_quarantine_snapshot_id", "quarantine", ["snapshot_id"])
    op.create_table(
        "field_stats",
        sa.Column("snapshot_id", sa.Integer, nullable=False),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("issue", sa.String(60), nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("snapshot_id", "field", "issue", name="pk_field_stats"),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["snapshots.id"], name="fk_field_stats_snapshot_id_snapshots"
        ),
    )


def downgrade() -> None:
    op.drop_table("field_stats")
    op.drop_index("ix_quarantine_snapshot_id", table_name="quarantine")
    op.drop_table("quarantine")
    op.drop_table("snapshots")
    op.drop_table("datasets")
