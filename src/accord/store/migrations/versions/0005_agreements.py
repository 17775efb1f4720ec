"""Data sharing agreements and their lifecycle history.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("agreement_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("expiry_date", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agreements"),
        sa.UniqueConstraint("agreement_id", "version", name="uq_agreements_agreement_version"),
    )
    op.create_table(
        "agreement_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
        sa.Column("agreement_row", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_agreement_events"),
        sa.ForeignKeyConstraint(
            ["agreement_row"],
            ["agreements.id"],
            name="fk_agreement_events_agreement_row_agreements",
        ),
    )
    op.create_index("ix_agreement_events_agreement_row", "agreement_events", ["agreement_row"])


def downgrade() -> None:
    op.drop_index("ix_agreement_events_agreement_row", table_name="agreement_events")
    op.drop_table("agreement_events")
    op.drop_table("agreements")
