"""Opt-out registers and pseudonymisation key versions.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opt_outs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
        sa.Column("scheme", sa.String(60), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_opt_outs"),
    )
    op.create_index("ix_opt_outs_scheme_subject", "opt_outs", ["scheme", "subject"])
    op.create_table(
        "pseudonym_keys",
        sa.Column("agreement_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("agreement_id", "version", name="pk_pseudonym_keys"),
    )


def downgrade() -> None:
    op.drop_table("pseudonym_keys")
    op.drop_index("ix_opt_outs_scheme_subject", table_name="opt_outs")
    op.drop_table("opt_outs")
