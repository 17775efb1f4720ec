"""Agreements between nodes: the proposals, signatures and acts sent and received.

Revision ID: 0012
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreement_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("agreement_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("peer_org", sa.String(100), nullable=False),
        sa.Column("peer_node", sa.String(12), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agreement_messages"),
    )
    op.create_index(
        "ix_agreement_messages_agreement", "agreement_messages", ["agreement_id", "version"]
    )
    op.create_index("ix_agreement_messages_state", "agreement_messages", ["direction", "state"])


def downgrade() -> None:
    op.drop_index("ix_agreement_messages_state", table_name="agreement_messages")
    op.drop_index("ix_agreement_messages_agreement", table_name="agreement_messages")
    op.drop_table("agreement_messages")
