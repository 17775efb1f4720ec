"""The log's tables in the SQL store: staged events, leaves, subtrees, checkpoints, index.

Every function takes the caller's connection, so a use case decides what is one
transaction. Reads page by key (``idx > last ORDER BY idx LIMIT n``), never all at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from accord.audit.errors import LogInconsistent
from accord.audit.merkle import Subtrees
from accord.store import (
    audit_checkpoints,
    audit_entries,
    audit_head,
    audit_nodes,
    audit_outbox,
    audit_people,
)

PAGE = 5_000


def stage(conn: Connection, rows: Sequence[tuple[str, str]], at: datetime) -> None:
    """Stage (type, body) events in the caller's transaction."""
    conn.execute(
        audit_outbox.insert(), [{"type": t, "body": b, "recorded_at": at} for t, b in rows]
    )


def lock_head(conn: Connection) -> int:
    """Take the appender's lock (a write to the head row) and return the log's size."""
    conn.execute(audit_head.update().where(audit_head.c.id == 1).values(size=audit_head.c.size))
    size = conn.execute(sa.select(audit_head.c.size).where(audit_head.c.id == 1)).scalar()
    if size is None:
        raise LogInconsistent("the audit log's head row is missing: the store was altered")
    return int(size)


def head_size(conn: Connection) -> int | None:
    size = conn.execute(sa.select(audit_head.c.size).where(audit_head.c.id == 1)).scalar()
    return None if size is None else int(size)


def set_head(conn: Connection, size: int) -> None:
    conn.execute(audit_head.update().where(audit_head.c.id == 1).values(size=size))


def staged(conn: Connection, limit: int) -> list[sa.Row[Any]]:
    query = sa.select(audit_outbox).order_by(audit_outbox.c.id).limit(limit)
    return list(conn.execute(query))


def unstage(conn: Connection, ids: Sequence[int]) -> None:
    conn.execute(audit_outbox.delete().where(audit_outbox.c.id.in_(ids)))


def append(
    conn: Connection,
    entries: Sequence[dict[str, Any]],
    nodes: Sequence[tuple[int, int, bytes]],
    people: Sequence[tuple[str, int, date | None]],
) -> None:
    conn.execute(audit_entries.insert(), list(entries))
    if nodes:
        conn.execute(
            audit_nodes.insert(), [{"level": lv, "idx": i, "hash": h} for lv, i, h in nodes]
        )
    if people:
        conn.execute(
            audit_people.insert(),
            [{"person": p, "idx": i, "visible_from": v} for p, i, v in people],
        )


def add_checkpoint(conn: Connection, size: int, root: bytes, at: datetime, note: str) -> None:
    conn.execute(audit_checkpoints.insert().values(size=size, root=root, signed_at=at, note=note))


def subtrees(conn: Connection) -> Subtrees:
    """Complete subtree hashes from the store (leaf hashes at level 0), cached per call site."""
    cache: dict[tuple[int, int], bytes] = {}

    def subtree(level: int, idx: int) -> bytes:
        if (level, idx) not in cache:
            if level == 0:
                query = sa.select(audit_entries.c.leaf_hash).where(audit_entries.c.idx == idx)
            else:
                query = sa.select(audit_nodes.c.hash).where(
                    audit_nodes.c.level == level, audit_nodes.c.idx == idx
                )
            found = conn.execute(query).scalar()
            if found is None:
                raise LogInconsistent(f"the subtree ({level}, {idx}) is missing from the store")
            cache[level, idx] = bytes(found)
        return cache[level, idx]

    return subtree


def entries(conn: Connection, start: int = 0, end: int | None = None) -> Iterator[sa.Row[Any]]:
    """Stored leaves with ``start <= idx < end`` in order, a page at a time."""
    last = start - 1
    while True:
        query = sa.select(audit_entries).where(audit_entries.c.idx > last)
        if end is not None:
            query = query.where(audit_entries.c.idx < end)
        page = list(conn.execute(query.order_by(audit_entries.c.idx).limit(PAGE)))
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1].idx


def nodes_between(conn: Connection, level: int, lo: int, hi: int) -> dict[int, bytes]:
    query = sa.select(audit_nodes.c.idx, audit_nodes.c.hash).where(
        audit_nodes.c.level == level, audit_nodes.c.idx.between(lo, hi)
    )
    return {int(r.idx): bytes(r.hash) for r in conn.execute(query)}


def checkpoints(conn: Connection) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(audit_checkpoints).order_by(audit_checkpoints.c.size)))


def latest_checkpoint(conn: Connection) -> sa.Row[Any] | None:
    query = sa.select(audit_checkpoints).order_by(audit_checkpoints.c.size.desc()).limit(1)
    return conn.execute(query).first()


def person_entries(
    conn: Connection, person: str, today: date, limit: int | None, offset: int
) -> list[sa.Row[Any]]:
    """A person's visible entries, newest first."""
    query = (
        sa.select(audit_entries.c.idx, audit_entries.c.type, audit_entries.c.entry)
        .join(audit_people, audit_people.c.idx == audit_entries.c.idx)
        .where(audit_people.c.person == person)
        .where(sa.or_(audit_people.c.visible_from.is_(None), audit_people.c.visible_from <= today))
        .order_by(audit_entries.c.idx.desc())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query))
