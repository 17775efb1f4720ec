"""The log's tables in the SQL store: staged events, bodies, leaves, subtrees, checkpoints.

Every function takes the caller's connection, so a use case decides what is one
transaction. Reads page by key (``idx > last ORDER BY idx LIMIT n``), never all at once.

How an entry is stored: its text, ``{"event":E,"index":N,"recorded_at":T,"type":Y}`` in
canonical JSON, is never written whole. What entries share (E with the person's key cut
out, T, Y) is one row of ``audit_bodies`` per staged row; each entry keeps its index, its
body's id, the person's key as 32 bytes (its first 8 again as ``person_tag``, the
citizen view's index) and its leaf hash. :class:`Body` puts the text back together; an
entry carried over from an older store whose text could not be rebuilt byte for byte
keeps it whole in ``entry``. Only
subtrees of :data:`NODE_LEVEL` and up are stored; the few below that a proof reads are
hashed again from at most ``2**NODE_LEVEL`` leaf hashes fetched in the same query.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from accord.audit.errors import LogInconsistent
from accord.audit.merkle import Subtrees, levels
from accord.store import (
    audit_bodies,
    audit_checkpoints,
    audit_cosignatures,
    audit_entries,
    audit_head,
    audit_nodes,
    audit_outbox,
    fetch_rows,
    insert_many,
)

PAGE = 8_192
NODE_LEVEL = 4
KEY_BYTES = 32
ENTRY_COLUMNS = ("idx", "body", "person", "person_tag", "leaf_hash", "entry")
Entry = tuple[int, int, bytes | None, int | None, bytes, None]
"""A new entry's row, in ``ENTRY_COLUMNS`` order."""
BODY_COLUMNS = ("id", "type", "head", "tail", "recorded_at", "visible_from")


@dataclass(frozen=True)
class Body:
    """What a run of entries shares, and how to write each one's text."""

    id: int
    type: str
    head: str
    tail: str | None
    recorded_at: str
    visible_from: date | None = None

    @cached_property
    def prefix(self) -> str:
        return '{"event":' + self.head

    @cached_property
    def suffix(self) -> str:
        return (
            f',"recorded_at":{json.dumps(self.recorded_at, ensure_ascii=False)}'
            f',"type":{json.dumps(self.type, ensure_ascii=False)}}}'
        )

    def text(self, idx: int, person: bytes | None) -> str:
        """The entry's canonical JSON (what its leaf hash is over)."""
        if self.tail is None:
            return f'{self.prefix},"index":{idx}{self.suffix}'
        key = person.hex() if person is not None else ""
        return f'{self.prefix}{key}{self.tail},"index":{idx}{self.suffix}'


class Stored(NamedTuple):
    """One stored entry with its text put back together."""

    idx: int
    type: str
    entry: str
    leaf_hash: bytes
    person: bytes | None


@contextmanager
def one_statement(engine: Engine) -> Iterator[Connection]:
    """A connection for a read that is one statement (a proof). On PostgreSQL it runs
    outside a transaction, so the server is not also asked to begin one and roll it
    back: two round trips more than the proof's own. (SQLite begins none for a read.)"""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def stage(conn: Connection, rows: Sequence[tuple[str, str, bytes | None]], at: datetime) -> None:
    """Stage (type, body, packed person keys or None) rows in the caller's transaction."""
    conn.execute(
        audit_outbox.insert(),
        [{"type": t, "body": b, "people": p, "recorded_at": at} for t, b, p in rows],
    )


_HEAD_SIZE = sa.select(audit_head.c.size).where(audit_head.c.id == 1)
_LOCK_HEAD = f"UPDATE {audit_head.name} SET size = size WHERE id = 1 RETURNING size"
_SET_HEAD = f"UPDATE {audit_head.name} SET size = ? WHERE id = 1"
_ADD_CHECKPOINT = (f"INSERT INTO {audit_checkpoints.name} (size, root, signed_at, note) "
                   "VALUES (?, ?, ?, ?)")  # fmt: skip
"""The appender's statements, run as the driver runs them (``fetch_rows``): every
append runs them (every lookup a node answers, in its group), and SQLAlchemy's handling
of a statement cost several times running it."""


def lock_head(conn: Connection) -> int:
    """Take the appender's lock (a write to the head row) and return the log's size."""
    found = fetch_rows(conn, _LOCK_HEAD)
    if not found:
        raise LogInconsistent("the audit log's head row is missing: the store was altered")
    return int(found[0][0])


def head_size(conn: Connection) -> int | None:
    size = conn.execute(_HEAD_SIZE).scalar()
    return None if size is None else int(size)


def set_head(conn: Connection, size: int) -> None:
    fetch_rows(conn, _SET_HEAD, (size,))


def any_staged(conn: Connection) -> bool:
    """Whether any event waits in the outbox (one index read)."""
    return conn.execute(sa.select(audit_outbox.c.id).limit(1)).first() is not None


def staged(conn: Connection, limit: int) -> tuple[list[sa.Row[Any]], bool]:
    """The oldest staged rows holding at most ``limit`` events between them (at least
    one row: a bulk row is appended whole), and whether more rows are staged."""
    count = sa.func.coalesce(sa.func.length(audit_outbox.c.people), 0) / KEY_BYTES
    sizes = conn.execute(
        sa.select(audit_outbox.c.id, count).order_by(audit_outbox.c.id).limit(limit)
    ).all()
    total, last, taken = 0, None, 0
    for row_id, events in sizes:
        total += max(int(events), 1)
        if last is not None and total > limit:
            break
        last, taken = row_id, taken + 1
    if last is None:
        return [], False
    query = sa.select(audit_outbox).where(audit_outbox.c.id <= last).order_by(audit_outbox.c.id)
    return list(conn.execute(query)), taken < len(sizes) or len(sizes) == limit


def unstage(conn: Connection, ids: Sequence[int]) -> None:
    conn.execute(audit_outbox.delete().where(audit_outbox.c.id.in_(ids)))


def append(
    conn: Connection,
    bodies: Sequence[Body],
    entries: Iterable[Entry],
    nodes: Iterable[tuple[int, int, bytes]],
) -> None:
    """Write a batch: its bodies, its entries (``ENTRY_COLUMNS``), its stored subtrees."""
    rows = [(b.id, b.type, b.head, b.tail, b.recorded_at, b.visible_from) for b in bodies]
    insert_many(conn, audit_bodies, BODY_COLUMNS, rows)
    insert_many(conn, audit_entries, ENTRY_COLUMNS, entries)
    insert_many(conn, audit_nodes, ("level", "idx", "hash"), nodes)


def add_checkpoint(conn: Connection, size: int, root: bytes, at: datetime, note: str) -> None:
    fetch_rows(conn, _ADD_CHECKPOINT, (size, root, at, note))


def subtrees(conn: Connection, keys: Iterable[tuple[int, int]]) -> Subtrees:
    """The complete subtrees ``keys`` (level, idx) from the store, in one query: stored
    ones from ``audit_nodes``, those below :data:`NODE_LEVEL` hashed from their leaves."""
    wanted = set(keys)
    low = [(lv, i) for lv, i in wanted if lv < NODE_LEVEL]
    high = sorted((lv, i) for lv, i in wanted if lv >= NODE_LEVEL)
    spans = sorted({(i << lv, (i + 1) << lv) for lv, i in low})
    found: dict[tuple[int, int], bytes] = {}
    leaves: dict[int, bytes] = {}
    if spans or high:
        for level, idx, h in _subtree_rows(conn, spans, high):
            if level == 0:
                leaves[int(idx)] = bytes(h)
            else:
                found[int(level), int(idx)] = bytes(h)
    for level, idx in low:
        span = range(idx << level, (idx + 1) << level)
        if all(i in leaves for i in span):
            found[level, idx] = levels([leaves[i] for i in span])[level][0]

    def subtree(level: int, idx: int) -> bytes:
        h = found.get((level, idx))
        if h is None:
            raise LogInconsistent(f"the subtree ({level}, {idx}) is missing from the store")
        return h

    return subtree


def _subtree_rows(
    conn: Connection, spans: list[tuple[int, int]], high: list[tuple[int, int]]
) -> list[tuple[Any, ...]]:
    """Leaf hashes in ``spans`` (as level 0) and the stored subtrees ``high``, in one
    statement whose text is the same for every proof of a shape, so the driver's
    prepared statement serves the next (PostgreSQL: arrays, one text for all)."""
    if conn.dialect.name == "postgresql":
        leaves = [i for a, b in spans for i in range(a, b)]
        return fetch_rows(
            conn,
            "SELECT 0, idx, leaf_hash FROM audit_entries WHERE idx = ANY(?::bigint[]) UNION ALL "
            "SELECT n.level, n.idx, n.hash FROM audit_nodes n JOIN unnest(?::integer[], "
            "?::bigint[]) AS k(level, idx) ON n.level = k.level AND n.idx = k.idx",
            [leaves, [lv for lv, _ in high], [i for _, i in high]],
        )
    parts, params = [], []
    if spans:
        ranges = " OR ".join("idx BETWEEN ? AND ?" for _ in spans)
        parts.append(f"SELECT 0 AS level, idx, leaf_hash AS hash FROM audit_entries WHERE {ranges}")
        params += [v for a, b in spans for v in (a, b - 1)]
    if high:
        pairs = " OR ".join("(level = ? AND idx = ?)" for _ in high)
        parts.append(f"SELECT level, idx, hash FROM audit_nodes WHERE {pairs}")
        params += [v for key in high for v in key]
    return fetch_rows(conn, " UNION ALL ".join(parts), params)


def _bodies(conn: Connection, ids: Iterable[int]) -> dict[int, Body]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = sa.select(audit_bodies).where(audit_bodies.c.id.in_(wanted))
    return {int(r.id): Body(int(r.id), str(r.type), str(r.head), r.tail, str(r.recorded_at),
                            r.visible_from) for r in conn.execute(query)}  # fmt: skip


def pages(
    conn: Connection, start: int = 0, end: int | None = None
) -> Iterator[tuple[list[tuple[Any, ...]], dict[int, Body]]]:
    """Stored entries with ``start <= idx < end`` in order, a page at a time, as raw
    ``ENTRY_COLUMNS`` tuples, each page with the bodies its entries name."""
    last = start - 1
    # An upper bound only when asked: with one, a planner guessing its selectivity may
    # sort rather than walk the index in order.
    stop, bound = ("", ()) if end is None else (" AND idx < ?", (end,))
    while True:
        page = fetch_rows(
            conn,
            f"SELECT idx, body, person, leaf_hash, entry FROM audit_entries WHERE idx > ?{stop} "
            f"ORDER BY idx LIMIT {PAGE}",
            (last, *bound),
        )
        if not page:
            return
        yield page, _bodies(conn, {r[1] for r in page})
        if len(page) < PAGE:
            return
        last = page[-1][0]


def entries(conn: Connection, start: int = 0, end: int | None = None) -> Iterator[Stored]:
    """Stored entries with ``start <= idx < end`` in order, their text put back together."""
    for page, bodies in pages(conn, start, end):
        for idx, body_id, person, leaf, whole in page:
            body = bodies.get(body_id)
            if body is None:
                raise LogInconsistent(f"entry {idx}: its body {body_id} is missing from the "
                                      "store", entry=int(idx))  # fmt: skip
            text = whole if whole is not None else body.text(idx, person)
            yield Stored(int(idx), body.type, text, bytes(leaf), person)


def nodes_between(conn: Connection, spans: dict[int, tuple[int, int]]) -> list[tuple[Any, ...]]:
    """The stored subtrees ``(level, idx, hash)`` with ``lo <= idx <= hi`` for each
    ``level: (lo, hi)`` of ``spans``, in order, in one query."""
    if not spans:
        return []
    where = " OR ".join(f"(level = {int(lv)} AND idx BETWEEN {int(lo)} AND {int(hi)})"
                        for lv, (lo, hi) in sorted(spans.items()))  # fmt: skip
    return fetch_rows(conn, f"SELECT level, idx, hash FROM audit_nodes WHERE {where} "
                            "ORDER BY level, idx")  # fmt: skip


def checkpoints(conn: Connection) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(audit_checkpoints).order_by(audit_checkpoints.c.size)))


def latest_checkpoint(conn: Connection) -> sa.Row[Any] | None:
    query = sa.select(audit_checkpoints).order_by(audit_checkpoints.c.size.desc()).limit(1)
    return conn.execute(query).first()


def checkpoint_at(conn: Connection, size: int) -> sa.Row[Any] | None:
    c = audit_checkpoints.c
    return conn.execute(sa.select(audit_checkpoints).where(c.size == size)).first()


def add_cosignature(conn: Connection, **values: Any) -> bool:
    """Keep a cosignature unless one by the same key is kept for that checkpoint; whether
    it was kept (one statement whichever worker wins: the primary key decides)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(audit_cosignatures).values(**values).on_conflict_do_nothing()
    returning = statement.returning(audit_cosignatures.c.size)
    return conn.execute(returning).first() is not None


def newest_cosigned(conn: Connection) -> int | None:
    """The size of the newest checkpoint that holds a cosignature, if any does."""
    found = conn.execute(sa.select(sa.func.max(audit_cosignatures.c.size))).scalar()
    return None if found is None else int(found)


def cosignatures(conn: Connection, sizes: Sequence[int]) -> list[sa.Row[Any]]:
    """The cosignatures kept for the checkpoints of ``sizes``, oldest first by checkpoint."""
    c = audit_cosignatures.c
    query = sa.select(audit_cosignatures).where(c.size.in_(list(sizes)))
    return list(conn.execute(query.order_by(c.size, c.cosigned_at, c.key_id)))


def tag(person: bytes | None) -> int | None:
    """The citizen index's key for a person: the first 8 bytes of their key as a signed
    integer (an index of 8-byte integers costs a third of one of 32-byte keys to keep
    up; a lookup compares the whole key as well)."""
    return None if person is None else int.from_bytes(person[:8], "little", signed=True)


def tags(people: bytes) -> list[int]:
    """:func:`tag` of each 32-byte key packed end to end in ``people``."""
    return [t for (t,) in struct.iter_unpack("<q24x", people)]


def person_index(person: str) -> bytes:
    """How the citizen index holds a person key: its 32 bytes (any other value, which
    no person key is, as its UTF-8 bytes)."""
    if len(person) == 2 * KEY_BYTES:
        try:
            return bytes.fromhex(person)
        except ValueError:
            pass
    return person.encode()


def _visible(query: sa.Select[Any], person: bytes, today: date) -> sa.Select[Any]:
    """``query`` over the entries joined to their bodies, kept to ``person``'s entries
    visible on ``today`` (a deferred entry from its date)."""
    e, b = audit_entries, audit_bodies
    return (
        query.join(b, b.c.id == e.c.body)
        .where(e.c.person_tag == tag(person), e.c.person == person)
        .where(sa.or_(b.c.visible_from.is_(None), b.c.visible_from <= today))
    )


def person_entries(
    conn: Connection, person: str, today: date, limit: int | None, offset: int
) -> list[Stored]:
    """A person's visible entries, newest first."""
    e, key = audit_entries, person_index(person)
    chosen = sa.select(e.c.idx, e.c.body, e.c.person, e.c.leaf_hash, e.c.entry)
    query = _visible(chosen, key, today).order_by(e.c.idx.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    rows = [tuple(r) for r in conn.execute(query)]
    bodies = _bodies(conn, {r[1] for r in rows})
    return [Stored(int(i), bodies[b_id].type,
                   whole if whole is not None else bodies[b_id].text(i, p), bytes(leaf), p)
            for i, b_id, p, leaf, whole in rows]  # fmt: skip


def count_person_entries(conn: Connection, person: str, today: date) -> int:
    """How many entries :func:`person_entries` has for ``person`` on ``today``."""
    query = _visible(sa.select(sa.func.count()).select_from(audit_entries),
                     person_index(person), today)  # fmt: skip
    return int(conn.execute(query).scalar_one())


def typed_between(
    bodies: Connection, lookup: Connection, types: Sequence[str], start: str, end: str
) -> Iterator[tuple[int, str, str, str]]:
    """``(idx, type, event JSON, recorded_at)`` of every entry whose type is one of
    ``types`` recorded in ``start <= recorded_at < end`` (stamps as the log writes them),
    in log order. The bodies stream from ``bodies``, found by their (type, recorded_at)
    index. A body of one event is its entry (the same index), whose text kept whole, if
    any, comes in the same row by primary key; a bulk body's entries, one per person,
    run from its id to the next body's and are read on ``lookup``. Nothing outside the
    range is read (a join instead lets a planner hash every entry)."""
    b, e = audit_bodies, audit_entries
    whole = sa.select(e.c.entry).where(e.c.idx == b.c.id).scalar_subquery()
    query = (
        sa.select(b.c.id, b.c.type, b.c.head, b.c.tail, b.c.recorded_at, whole)
        .where(b.c.type.in_(list(types)), b.c.recorded_at >= start, b.c.recorded_at < end)
        .order_by(b.c.id)
    )
    rows = bodies.execution_options(stream_results=True, yield_per=PAGE).execute(query)
    for body_id, kind, head, tail, stamp, text in rows:
        if tail is None:
            yield int(body_id), str(kind), str(head) if text is None else _event(text), str(stamp)
            continue
        for idx, person, kept in _run(lookup, int(body_id)):
            event = _event(kept) if kept is not None else f"{head}{bytes(person).hex()}{tail}"
            yield idx, str(kind), event, str(stamp)


def _event(text: str) -> str:
    """The event of an entry kept whole (carried over from an older store)."""
    return json.dumps(json.loads(text)["event"], ensure_ascii=False)


def _run(conn: Connection, body: int) -> list[tuple[int, bytes, str | None]]:
    """The entries of bulk body ``body``: from its id up to the next body's."""
    e = audit_entries
    following = conn.execute(
        sa.select(sa.func.min(audit_bodies.c.id)).where(audit_bodies.c.id > body)
    ).scalar()
    run = sa.select(e.c.idx, e.c.person, e.c.entry).where(e.c.idx >= body, e.c.body == body)
    if following is not None:
        run = run.where(e.c.idx < following)
    return [(int(i), bytes(p or b""), w) for i, p, w in conn.execute(run.order_by(e.c.idx))]


def leaf(conn: Connection, idx: int) -> bytes | None:
    """The stored leaf hash of entry ``idx`` (None: no such entry)."""
    found = conn.execute(sa.select(audit_entries.c.leaf_hash).where(audit_entries.c.idx == idx))
    value = found.scalar()
    return None if value is None else bytes(value)


def matching_bodies(
    conn: Connection,
    types: Sequence[str],
    between: tuple[str | None, str | None],
    needles: Sequence[Sequence[str]],
    *,
    start: int | None,
    descending: bool,
) -> Generator[Body, None, None]:
    """The bodies of ``types`` (any when empty) recorded in ``between`` (stamps, either
    end open) whose text holds, for each group of ``needles``, one of them: streamed by
    id, below ``start`` when ``descending``, else from it. The explorer's first sieve
    (LIKE is case-insensitive on SQLite: the caller checks each body exactly)."""
    b = audit_bodies
    query = sa.select(b)
    if types:
        query = query.where(b.c.type.in_(sorted(types)))
    since, until = between
    if since is not None:
        query = query.where(b.c.recorded_at >= since)
    if until is not None:
        query = query.where(b.c.recorded_at < until)
    for group in needles:
        held = [col.contains(n, autoescape=True) for n in group for col in (b.c.head, b.c.tail)]
        query = query.where(sa.or_(*held))
    if descending:
        query = query.order_by(b.c.id.desc())
        query = query if start is None else query.where(b.c.id < start)
    else:
        query = query.order_by(b.c.id).where(b.c.id >= (start or 0))
    rows = conn.execution_options(stream_results=True, yield_per=64).execute(query)
    try:
        for r in rows:
            yield Body(int(r.id), str(r.type), str(r.head), r.tail, str(r.recorded_at),
                       r.visible_from)  # fmt: skip
    finally:
        rows.close()  # a reader that stops early leaves no server-side cursor open


def body_of(conn: Connection, idx: int) -> int | None:
    """The id of the body entry ``idx`` belongs to (the last body starting at or before it)."""
    found = conn.execute(sa.select(sa.func.max(audit_bodies.c.id)).where(audit_bodies.c.id <= idx))
    value = found.scalar()
    return None if value is None else int(value)


def body_entries(
    conn: Connection, body: Body, *, below: int | None, above: int | None, descending: bool,
    limit: int,
) -> list[Stored]:  # fmt: skip
    """Up to ``limit`` entries of ``body`` strictly between ``above`` and ``below`` (either
    open), by index: its entries run from its id to the next body's (a primary key range)."""
    e = audit_entries
    following = conn.execute(
        sa.select(sa.func.min(audit_bodies.c.id)).where(audit_bodies.c.id > body.id)
    ).scalar()
    query = sa.select(e.c.idx, e.c.person, e.c.leaf_hash, e.c.entry).where(
        e.c.idx >= body.id, e.c.body == body.id
    )
    if following is not None:
        query = query.where(e.c.idx < following)
    if below is not None:
        query = query.where(e.c.idx < below)
    if above is not None:
        query = query.where(e.c.idx > above)
    query = query.order_by(e.c.idx.desc() if descending else e.c.idx).limit(limit)
    return [
        Stored(int(i), body.type, whole if whole is not None else body.text(int(i), p),
               bytes(leaf), p)
        for i, p, leaf, whole in conn.execute(query)
    ]  # fmt: skip


def checkpoint_rows(
    conn: Connection, *, below: int | None, above: int | None, limit: int
) -> list[sa.Row[Any]]:
    """Up to ``limit`` checkpoints by size, newest first, of size below ``below``; or,
    with ``above``, the ``limit`` oldest of size above it (still newest first)."""
    c = audit_checkpoints
    query = sa.select(c)
    if above is not None:
        query = query.where(c.c.size > above).order_by(c.c.size).limit(limit)
        return list(reversed(list(conn.execute(query))))
    if below is not None:
        query = query.where(c.c.size < below)
    return list(conn.execute(query.order_by(c.c.size.desc()).limit(limit)))
