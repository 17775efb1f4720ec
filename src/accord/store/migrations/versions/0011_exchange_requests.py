"""Idempotency keys of shares and lookups: claimed before anything is disclosed, the
first answer kept for a retry.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_requests",
        sa.Column("caller", sa.String(12), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("media_type", sa.String(100), nullable=True),
        sa.Column("file", sa.String(300), nullable=True),
        sa.Column("digest", sa.String(100), nullable=True),
        sa.Column("bytes", sa.BigInteger, nullable=True),
        sa.Column("records", sa.BigInteger, nullable=True),
        sa.Column("body", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("caller", "key", name="pk_exchange_requests"),
    )
    op.create_index("ix_exchange_requests_claimed_at", "exchange_requests", ["claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_exchange_requests_claimed_at", table_name="exchange_requests")
    op.drop_table("exchange_requests")
