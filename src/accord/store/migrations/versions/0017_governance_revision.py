"""The governance revision: a random token per table that decides a disclosure, which
the store's triggers draw again with every change to it, so a worker keeps what it read
of those tables while the tokens stay, and a request reads them at once, not six reads.
Random, not a counter: a store restored from a backup, or made again at the same URL,
would bring a counter back to a value a worker had kept other data under. One row per
table: on PostgreSQL a change holds its row's lock until it commits, and one row for all
would queue an ingest and an opt-out behind each other.

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
_FUNCTION = "accord_governance_changed"
# A random 64-bit integer on each store.
_RANDOM = {"sqlite": "random()", "postgresql": "(floor(random() * 9.0e18) - 4.5e18)::bigint"}


def upgrade() -> None:
    op.create_table(
        "governance_revision",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_governance_revision"),
    )
    dialect = op.get_bind().dialect.name
    random = _RANDOM[dialect]
    for table in GOVERNED:
        op.execute(f"INSERT INTO governance_revision (name, token) VALUES ('{table}', {random})")
    if dialect == "postgresql":
        op.execute(
            f"CREATE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"UPDATE governance_revision SET token = {random} WHERE name = TG_TABLE_NAME; "
            "RETURN NULL; END $$"
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
                f"ON {table} BEGIN UPDATE governance_revision SET token = {random} "
                f"WHERE name = '{table}'; END"
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
