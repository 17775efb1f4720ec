"""The audit log: staged events, leaves, subtree hashes, checkpoints, the person index.

The log's tables refuse UPDATE and DELETE through triggers. That stops mistakes, not an
operator (who can drop a trigger): tampering is caught by ``accord audit verify``.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_entries", "audit_nodes", "audit_checkpoints", "audit_people")


def upgrade() -> None:
    _tables()
    op.bulk_insert(
        sa.table("audit_head", sa.column("id", sa.Integer), sa.column("size", sa.BigInteger)),
        [{"id": 1, "size": 0}],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit log is append-only (%)', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for verb in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )


def _tables() -> None:
    op.create_table(
        "audit_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_outbox"),
    )
    op.create_table(
        "audit_entries",
        sa.Column("idx", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("idx", name="pk_audit_entries"),
    )
    op.create_table(
        "audit_nodes",
        sa.Column("level", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_audit_nodes"),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("size", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary, nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("size", name="pk_audit_checkpoints"),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    op.create_table(
        "audit_people",
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("idx", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("visible_from", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint("person", "idx", name="pk_audit_people"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
    for table in ("audit_people", "audit_head", "audit_checkpoints", "audit_nodes",
                  "audit_entries", "audit_outbox"):  # fmt: skip
        op.drop_table(table)
