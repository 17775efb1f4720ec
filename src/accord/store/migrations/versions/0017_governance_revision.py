"""The governance revision: one counter that triggers move with every change to the
tables that decide a disclosure, so a worker keeps what it read of them while the
counter stays, and a request reads one row, not six.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# As store.tables.GOVERNED was when this migration was written (a later table joins by a
# migration of its own).
GOVERNED = (
    "trust_lists",
    "agreements",
    "agreement_events",
    "opt_outs",
    "pseudonym_keys",
    "datasets",
    "snapshots",
    "quality_assessments",
)
_BUMP = "UPDATE governance_revision SET revision = revision + 1 WHERE id = 1"
_FUNCTION = "accord_governance_changed"


def upgrade() -> None:
    op.create_table(
        "governance_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_governance_revision"),
    )
    op.execute("INSERT INTO governance_revision (id, revision) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_BUMP}; RETURN NULL; END $$"
        )
        for table in GOVERNED:
            op.execute(
                f"CREATE TRIGGER {table}_governance AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()"
            )
        return
    for table in GOVERNED:
        for change in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_governance_{change.lower()} AFTER {change} "
                f"ON {table} BEGIN {_BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in GOVERNED:
            op.execute(f"DROP TRIGGER {table}_governance ON {table}")
        op.execute(f"DROP FUNCTION {_FUNCTION}()")
    else:
        for table in GOVERNED:
            for change in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_governance_{change}")
    op.drop_table("governance_revision")
