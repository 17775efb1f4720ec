"""The audit log stored compactly: shared event bodies, person keys as bytes, fewer subtrees.

Before, each entry kept its whole text (about 600 bytes for a disclosure, the same event
repeated for every person of a bulk share) and its type; ``audit_people`` held the
person's key again as 64 hex digits; ``audit_nodes`` a row for every complete subtree.
After, what entries share is one row of ``audit_bodies`` (the event's canonical JSON
split at the person's key, the time, the type, the deferral date); each entry keeps its
index, its body, the key's 32 bytes (its first 8 as an integer, indexed: the citizen
view) and its leaf hash; only
subtrees of level 4 and up are kept (proofs hash the few below from leaves).

Nothing that is hashed or signed changes: each entry's text is rebuilt from the new rows
and compared, byte for byte, with the old text before it is dropped. An entry whose text
cannot be rebuilt (not written by Accord: edited by hand, say) is kept whole in
``audit_entries.entry`` with its old leaf hash, so ``accord audit verify`` still finds
what it found before. The downgrade rebuilds the old tables from the new ones.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MARKER = "0" * 64
NODE_LEVEL = 4
PAGE = 5_000
NEW = ("audit_entries", "audit_nodes", "audit_bodies")
OLD = ("audit_entries", "audit_nodes", "audit_people")
KEY = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # SQLite: the rowid itself
BODY = ("id", "type", "head", "tail", "recorded_at", "visible_from")

bodies = sa.table("audit_bodies", sa.column("id", sa.BigInteger), sa.column("type", sa.String),
                  sa.column("head", sa.Text), sa.column("tail", sa.Text),
                  sa.column("recorded_at", sa.String),
                  sa.column("visible_from", sa.Date))  # fmt: skip
entries = sa.table("audit_entries", sa.column("idx", sa.BigInteger),
                   sa.column("body", sa.BigInteger), sa.column("person", sa.LargeBinary),
                   sa.column("person_tag", sa.BigInteger),
                   sa.column("leaf_hash", sa.LargeBinary), sa.column("entry", sa.Text))  # fmt: skip
old_entries = sa.table("audit_entries_0007", sa.column("idx", sa.BigInteger),
                       sa.column("type", sa.String), sa.column("entry", sa.Text),
                       sa.column("leaf_hash", sa.LargeBinary))  # fmt: skip


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _text(idx: int, body: tuple[Any, ...], person: bytes | None) -> str:
    """An entry's text from its body ``(type, head, tail, recorded_at, visible_from)``."""
    kind, head, tail, stamp, _ = body
    event = head if tail is None else head + (person or b"").hex() + tail
    rest = f'"recorded_at":{_canonical(stamp)},"type":{_canonical(kind)}}}'
    return f'{{"event":{event},"index":{idx},{rest}'


def _split(kind: str, text: str) -> tuple[tuple[Any, ...], bytes | None]:
    """The body and person index an old entry's text becomes (unchecked)."""
    try:
        entry = json.loads(text)
        event, stamp = entry["event"], str(entry["recorded_at"])
        person, hidden = event.get("person"), event.get("hidden_until")
        visible = date.fromisoformat(hidden) if hidden else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return (kind, "", None, "", None), None
    if isinstance(person, str) and len(person) == 64 and person == person.lower():
        try:
            key = bytes.fromhex(person)
        except ValueError:
            key = None
        template = _canonical({**event, "person": MARKER})
        if key is not None and template.count(MARKER) == 1:
            head, _, tail = template.partition(MARKER)
            return (kind, head, tail, stamp, visible), key
    index = person.encode() if isinstance(person, str) and person else None
    return (kind, _canonical(event), None, stamp, visible), index


def _old_pages(conn: sa.Connection) -> Iterator[Sequence[Any]]:
    last = -1
    while True:
        page = conn.execute(
            sa.select(old_entries).where(old_entries.c.idx > last)
            .order_by(old_entries.c.idx).limit(PAGE)
        ).all()  # fmt: skip
        if not page:
            return
        yield page
        last = page[-1].idx


def _convert(conn: sa.Connection) -> None:
    """Every old entry into the new tables, each text checked to rebuild exactly."""
    current: tuple[Any, ...] | None = None
    body_id = -1
    for page in _old_pages(conn):
        new_bodies, new_entries = [], []
        for row in page:
            idx, text = int(row.idx), str(row.entry)
            body, person = _split(str(row.type), text)
            if body != current:
                current, body_id = body, idx
                new_bodies.append(dict(zip(BODY, (idx, *body), strict=True)))
            whole = None if _text(idx, body, person) == text else text
            tag = None if person is None else int.from_bytes(person[:8], "little", signed=True)
            new_entries.append({"idx": idx, "body": body_id, "person": person, "person_tag": tag,
                                "leaf_hash": bytes(row.leaf_hash), "entry": whole})  # fmt: skip
        if new_bodies:
            conn.execute(bodies.insert(), new_bodies)
        conn.execute(entries.insert(), new_entries)


def upgrade() -> None:
    _drop_triggers(OLD)
    op.rename_table("audit_entries", "audit_entries_0007")
    op.rename_table("audit_nodes", "audit_nodes_0007")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX pk_audit_entries RENAME TO pk_audit_entries_0007")
        op.execute("ALTER INDEX pk_audit_nodes RENAME TO pk_audit_nodes_0007")
    _new_tables()
    op.add_column("audit_outbox", sa.Column("people", sa.LargeBinary, nullable=True))
    _convert(op.get_bind())
    op.execute(f"INSERT INTO audit_nodes (level, idx, hash) SELECT level, idx, hash FROM "
               f"audit_nodes_0007 WHERE level >= {NODE_LEVEL}")  # fmt: skip
    for table in ("audit_entries_0007", "audit_nodes_0007", "audit_people"):
        op.drop_table(table)
    _add_triggers(NEW)


def _new_tables() -> None:
    op.create_table(
        "audit_bodies",
        sa.Column("id", KEY, autoincrement=False, nullable=False),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("head", sa.Text, nullable=False),
        sa.Column("tail", sa.Text, nullable=True),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("visible_from", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_bodies"),
    )
    op.create_table(
        "audit_entries",
        sa.Column("idx", KEY, autoincrement=False, nullable=False),
        sa.Column("body", sa.BigInteger, nullable=False),
        sa.Column("person", sa.LargeBinary, nullable=True),
        sa.Column("person_tag", sa.BigInteger, nullable=True),
        sa.Column("leaf_hash", sa.LargeBinary, nullable=False),
        sa.Column("entry", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("idx", name="pk_audit_entries"),
    )
    op.create_index("ix_audit_entries_person_tag", "audit_entries", ["person_tag"])
    op.create_table(
        "audit_nodes",
        sa.Column("level", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_audit_nodes"),
        sqlite_with_rowid=False,
    )


def _drop_triggers(tables: tuple[str, ...]) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def _add_triggers(tables: tuple[str, ...]) -> None:
    """As 0004 made them: UPDATE and DELETE refused (audit_append_only() exists on
    PostgreSQL since 0004)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        if postgres:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")  # fmt: skip
            continue
        for verb in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )


def downgrade() -> None:
    _drop_triggers(NEW)
    conn = op.get_bind()
    op.rename_table("audit_entries", "audit_entries_0008")
    op.rename_table("audit_nodes", "audit_nodes_0008")
    if conn.dialect.name == "postgresql":
        op.execute("ALTER INDEX pk_audit_entries RENAME TO pk_audit_entries_0008")
        op.execute("ALTER INDEX pk_audit_nodes RENAME TO pk_audit_nodes_0008")
        op.execute(
            "ALTER INDEX ix_audit_entries_person_tag RENAME TO ix_audit_entries_person_tag_0008"
        )
    _old_tables()
    _restore(conn)
    for table in ("audit_entries_0008", "audit_nodes_0008", "audit_bodies"):
        op.drop_table(table)
    with op.batch_alter_table("audit_outbox") as batch:
        batch.drop_column("people")
    _add_triggers(OLD)


def _old_tables() -> None:
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
        "audit_people",
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("idx", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("visible_from", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint("person", "idx", name="pk_audit_people"),
    )


def _restore(conn: sa.Connection) -> None:
    """The old tables from the new: whole texts, person rows, the subtrees below level 4."""
    old = sa.table("audit_entries", sa.column("idx"), sa.column("type"), sa.column("entry"),
                   sa.column("leaf_hash"))  # fmt: skip
    people = sa.table("audit_people", sa.column("person"), sa.column("idx"),
                      sa.column("visible_from"))  # fmt: skip
    nodes = sa.table("audit_nodes", sa.column("level"), sa.column("idx"), sa.column("hash"))
    query = sa.text("SELECT e.idx, e.person, e.leaf_hash, e.entry, b.type, b.head, b.tail, "
                    "b.recorded_at, b.visible_from FROM audit_entries_0008 e JOIN audit_bodies b "
                    "ON b.id = e.body WHERE e.idx > :last ORDER BY e.idx LIMIT :page")  # fmt: skip
    last, leaves = -1, []
    while page := conn.execute(query, {"last": last, "page": PAGE}).all():
        rows, persons = [], []
        for r in page:
            body = (r.type, r.head, r.tail, r.recorded_at, r.visible_from)
            person = bytes(r.person) if r.person is not None else None
            text = r.entry if r.entry is not None else _text(int(r.idx), body, person)
            rows.append({"idx": r.idx, "type": r.type, "entry": text,
                         "leaf_hash": bytes(r.leaf_hash)})  # fmt: skip
            if person is not None:
                key = person.hex() if len(person) == 32 else person.decode()
                persons.append({"person": key, "idx": r.idx, "visible_from": r.visible_from})
            leaves.append(bytes(r.leaf_hash))
        conn.execute(old.insert(), rows)
        if persons:
            conn.execute(people.insert(), persons)
        last = page[-1].idx
    low = _low_subtrees(leaves)
    if low:
        conn.execute(nodes.insert(), low)
    op.execute("INSERT INTO audit_nodes (level, idx, hash) SELECT level, idx, hash FROM "
               "audit_nodes_0008")  # fmt: skip


def _low_subtrees(leaves: list[bytes]) -> list[dict[str, Any]]:
    """The complete subtrees of levels 1 to 3, which 0008 does not keep."""
    found, level, row = [], 0, leaves
    while level < NODE_LEVEL - 1 and len(row) > 1:
        pairs = iter(row)
        row = [hashlib.sha256(b"\x01" + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
        level += 1
        found += [{"level": level, "idx": i, "hash": h} for i, h in enumerate(row)]
    return found
