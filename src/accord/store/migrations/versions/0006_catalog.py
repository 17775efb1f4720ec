"""The catalogue: dataset descriptions and OpenLineage-style run events with their datasets.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_metadata",
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", name="pk_catalog_metadata"),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name="fk_catalog_metadata_dataset_id_datasets"
        ),
    )
    op.create_table(
        "lineage_events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(10), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("job_namespace", sa.String(200), nullable=False),
        sa.Column("job_name", sa.String(200), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lineage_events"),
    )
    op.create_index("ix_lineage_events_run_id", "lineage_events", ["run_id"])
    op.create_table(
        "lineage_datasets",
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(6), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("namespace", sa.String(200), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("version", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("event_id", "role", "position", name="pk_lineage_datasets"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["lineage_events.id"], name="fk_lineage_datasets_event_id_lineage_events"
        ),
    )
    op.create_index("ix_lineage_datasets_namespace_name", "lineage_datasets", ["namespace", "name"])


def downgrade() -> None:
    op.drop_index("ix_lineage_datasets_namespace_name", table_name="lineage_datasets")
    op.drop_table("lineage_datasets")
    op.drop_index("ix_lineage_events_run_id", table_name="lineage_events")
    op.drop_table("lineage_events")
    op.drop_table("catalog_metadata")
