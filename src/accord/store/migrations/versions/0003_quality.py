"""Quality assessments: per snapshot, the kitemark, dimension scores and check counts.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quality_assessments",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("snapshot_id", sa.Integer, nullable=False),
        sa.Column("checklist", sa.Text, nullable=False),
        sa.Column("kitemark", sa.String(20), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quality_assessments"),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["snapshots.id"], name="fk_quality_assessments_snapshot_id_snapshots"
        ),
    )
    op.create_index("ix_quality_assessments_snapshot_id", "quality_assessments", ["snapshot_id"])
    op.create_table(
        "quality_scores",
        sa.Column("assessment_id", sa.Integer, nullable=False),
        sa.Column("dimension", sa.String(20), nullable=False),
        sa.Column("score", sa.Numeric(4, 1), nullable=False),
        sa.PrimaryKeyConstraint("assessment_id", "dimension", name="pk_quality_scores"),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["quality_assessments.id"],
            name="fk_quality_scores_assessment_id_quality_assessments",
        ),
    )
    op.create_table(
        "quality_checks",
        sa.Column("assessment_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("type", sa.String(60), nullable=False),
        sa.Column("dimension", sa.String(20), nullable=False),
        sa.Column("field", sa.String(256), nullable=True),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("failed", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("assessment_id", "position", name="pk_quality_checks"),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["quality_assessments.id"],
            name="fk_quality_checks_assessment_id_quality_assessments",
        ),
    )


def downgrade() -> None:
    op.drop_table("quality_checks")
    op.drop_table("quality_scores")
    op.drop_index("ix_quality_assessments_snapshot_id", table_name="quality_assessments")
    op.drop_table("quality_assessments")
