"""The exchange: the replay window's nonces and the federation trust lists adopted.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_nonces",
        sa.Column("key_id", sa.String(12), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "nonce", name="pk_exchange_nonces"),
    )
    op.create_index("ix_exchange_nonces_expires_at", "exchange_nonces", ["expires_at"])
    op.create_table(
        "trust_lists",
        sa.Column("serial", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("federation", sa.String(253), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("source", sa.String(2000), nullable=False),
        sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("serial", name="pk_trust_lists"),
    )


def downgrade() -> None:
    op.drop_table("trust_lists")
    op.drop_index("ix_exchange_nonces_expires_at", table_name="exchange_nonces")
    op.drop_table("exchange_nonces")
