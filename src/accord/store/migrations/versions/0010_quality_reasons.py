"""Every quality dimension in an assessment: a score, or none with the reason why.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite cannot drop NOT NULL in place: batch mode copies the table.
    with op.batch_alter_table("quality_scores") as batch:
        batch.alter_column("score", existing_type=sa.Numeric(4, 1), nullable=True)
        batch.add_column(sa.Column("reason", sa.Text, nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM quality_scores WHERE score IS NULL")
    with op.batch_alter_table("quality_scores") as batch:
        batch.drop_column("reason")
        batch.alter_column("score", existing_type=sa.Numeric(4, 1), nullable=False)
