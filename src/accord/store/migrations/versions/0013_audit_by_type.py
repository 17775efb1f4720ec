"""The audit log read by type and time: an index on the bodies' type and recorded time.

Usage metering reads one month of a few event types (``exchange.served``,
``exchange.received``, ``disclosure.decided``) from a log of millions of entries; without
this index it would read every body. Bodies are one row per staged row (a bulk use is
one body), so the index stays small beside the entries.

Revision ID: 0013
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_bodies_type_recorded_at", "audit_bodies", ["type", "recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_bodies_type_recorded_at", table_name="audit_bodies")
