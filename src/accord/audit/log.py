"""Recording events and appending them to the log in batches, with a signed checkpoint.

:func:`record` is the one entry point. Events are first *staged* in the transaction that
caused them (the outbox table), so they exist exactly when their cause committed; they
are *appended* to the Merkle log only afterwards (:func:`flush`), many per transaction,
each batch ending with a signed checkpoint. A process killed mid-batch leaves its batch
rolled back and its events staged: the next flush appends them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Connection

from accord.audit import repository as repo
from accord.audit.checkpoint import Checkpoint, sign
from accord.audit.events import Event, checked, encode
from accord.audit.keys import origin, signing_key
from accord.audit.merkle import Frontier, leaf_hash
from accord.store import Workspace

BATCH = 5_000


def record(ws: Workspace, *events: Event, within: Connection | None = None) -> None:
    """Record audit events; unknown types are refused before anything is written.

    With ``within``, the events are staged in that (caller's) transaction and appended
    by the next :func:`flush` after it commits; :func:`transaction` does both. Without,
    they are staged and appended now.
    """
    rows = [(checked(e).name, encode(e)) for e in events]
    now = datetime.now(UTC)
    if within is not None:
        repo.stage(within, rows, now)
        return
    with ws.engine.begin() as conn:
        repo.stage(conn, rows, now)
    flush(ws)


@dataclass(frozen=True)
class AuditTransaction:
    """A transaction whose events reach the log once it commits."""

    ws: Workspace
    conn: Connection

    def record(self, *events: Event) -> None:
        record(self.ws, *events, within=self.conn)


@contextmanager
def transaction(ws: Workspace) -> Iterator[AuditTransaction]:
    """``with transaction(ws) as tx:`` do work on ``tx.conn``, ``tx.record(...)`` events;
    on leaving, the work and the staged events commit together, then the log appends."""
    with ws.engine.begin() as conn:
        yield AuditTransaction(ws, conn)
    flush(ws)


def flush(ws: Workspace, batch: int = BATCH) -> int:
    """Append every staged event to the log, ``batch`` per transaction; how many."""
    appended = 0
    while True:
        with ws.engine.begin() as conn:
            done = _append_batch(ws, conn, batch)
        appended += done
        if done < batch:
            return appended


def _append_batch(ws: Workspace, conn: Connection, batch: int) -> int:
    size = repo.lock_head(conn)
    rows = repo.staged(conn, batch)
    if not rows:
        return 0
    frontier = Frontier.at(size, repo.subtrees(conn))
    entries: list[dict[str, Any]] = []
    nodes: list[tuple[int, int, bytes]] = []
    people: list[tuple[str, int, date | None]] = []
    for idx, row in enumerate(rows, start=size):
        body = json.loads(row.body)
        entry = canonical({"index": idx, "type": row.type, "event": body,
                           "recorded_at": _stamp(row.recorded_at)})  # fmt: skip
        digest = leaf_hash(entry.encode())
        nodes += frontier.append(digest)
        entries.append({"idx": idx, "type": row.type, "entry": entry, "leaf_hash": digest})
        if body.get("person"):
            hidden = body.get("hidden_until")
            people.append((body["person"], idx, date.fromisoformat(hidden) if hidden else None))
    repo.append(conn, entries, nodes, people)
    now = datetime.now(UTC)
    point = Checkpoint(origin(ws), frontier.size, frontier.root(), now)
    repo.add_checkpoint(conn, point.size, point.root, now, sign(point, origin(ws), signing_key(ws)))
    repo.set_head(conn, frontier.size)
    repo.unstage(conn, [r.id for r in rows])
    return len(rows)


def canonical(value: Any) -> str:
    """The one JSON spelling hashed into the log: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
