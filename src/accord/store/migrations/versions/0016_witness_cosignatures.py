"""Witnesses' cosignatures: those on this node's checkpoints, and, as a witness, the
newest checkpoint of each peer's log this node cosigned.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_cosignatures",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key_id", sa.String(8), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("witness", sa.String(12), nullable=False),
        sa.Column("cosigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size", "key_id", name="pk_audit_cosignatures"),
        sa.ForeignKeyConstraint(
            ["size"],
            ["audit_checkpoints.size"],
            name="fk_audit_cosignatures_size_audit_checkpoints",
        ),
    )
    op.create_table(
        "witnessed_checkpoints",
        sa.Column("peer", sa.String(12), nullable=False),
        sa.Column("origin", sa.String(300), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("peer", name="pk_witnessed_checkpoints"),
    )


def downgrade() -> None:
    op.drop_table("witnessed_checkpoints")
    op.drop_table("audit_cosignatures")
