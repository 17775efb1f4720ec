"""Recording events and appending them to the log in batches, with a signed checkpoint.

:func:`record` is the one entry point. Events are first *staged* in the transaction that
caused them (the outbox table), so they exist exactly when their cause committed; they
are *appended* to the Merkle log only afterwards (:func:`flush`), many per transaction,
each batch ending with a signed checkpoint. A process killed mid-batch leaves its batch
rolled back and its events staged: the next flush appends them.

A use that writes a file (an export, a disclosure, a subject access response) moves the
finished file into place as the last act of the transaction that stages its events
(:meth:`AuditTransaction.publish`): the log never claims a file that was not written,
and a file is never left behind by a use the log does not hold. A bulk use stages one
event per person without building an object per person (:meth:`AuditTransaction.record_each`).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any
from uuid import uuid4

from sqlalchemy.engine import Connection

from accord.audit import repository as repo
from accord.audit.checkpoint import Checkpoint, sign
from accord.audit.errors import AuditError
from accord.audit.events import Event, checked, decode, encode
from accord.audit.keys import origin, signing_key
from accord.audit.merkle import Frontier, leaf_hash
from accord.audit.models import Logged
from accord.store import Workspace

BATCH = 5_000
STAGE_CHUNK = 10_000
_PERSON_KEY = re.compile(r"[0-9a-f]{64}")


def record(ws: Workspace, *events: Event, within: Connection | None = None) -> None:
    """Record audit events; unknown types are refused before anything is written.

    With ``within``, the events are staged in that (caller's) transaction and appended
    by the next :func:`flush` after it commits; :func:`transaction` does both. Without,
    they are staged and appended now.
    """
    rows = [(checked(e).name, encode(e)) for e in events]
    if not rows:
        return
    now = datetime.now(UTC)
    if within is not None:
        repo.stage(within, rows, now)
        return
    with ws.engine.begin() as conn:
        repo.stage(conn, rows, now)
    flush(ws)


def record_each(
    ws: Workspace, event: Event, people: Iterable[str], *, within: Connection | None = None
) -> int:
    """Record one copy of ``event`` per person in ``people`` (its ``person`` replaced by
    each key); how many. For bulk uses: the event is encoded once and the copies staged
    in chunks, so a million people need no million objects. ``within`` as for
    :func:`record`."""
    if within is None:
        with ws.engine.begin() as conn:
            staged = record_each(ws, event, people, within=conn)
        flush(ws)
        return staged
    checked(event)
    if "person" not in {f.name for f in dataclasses.fields(event)}:
        raise AuditError(f"{event.name} is not about one person: it has no person field")
    marker = "0" * 64
    template = encode(dataclasses.replace(event, person=marker))  # type: ignore[call-arg]
    prefix, _, suffix = template.partition(marker)

    def body(key: str) -> str:
        if template.count(marker) == 1:
            return prefix + key + suffix
        return encode(dataclasses.replace(event, person=key))  # type: ignore[call-arg]

    staged, keys = 0, iter(people)
    while chunk := list(islice(keys, STAGE_CHUNK)):
        bad = next((k for k in chunk if not _PERSON_KEY.fullmatch(k)), None)
        if bad is not None:
            raise AuditError(f"{bad[:80]!r} is not a person key (64 hex digits)")
        repo.stage(within, [(event.name, body(k)) for k in chunk], datetime.now(UTC))
        staged += len(chunk)
    return staged


def entries(ws: Workspace, start: int = 0, end: int | None = None) -> Iterator[Logged]:
    """The log's entries ``start <= index < end`` in order, decoded (read a page at a
    time): what an auditor, or a test, reads back."""
    with ws.engine.connect() as conn:
        for row in repo.entries(conn, start, end):
            entry = json.loads(row.entry)
            at = datetime.fromisoformat(entry["recorded_at"].replace("Z", "+00:00"))
            yield Logged(int(row.idx), at, decode(str(row.type), json.dumps(entry["event"])))


@dataclass(frozen=True)
class AuditTransaction:
    """A transaction whose events reach the log once it commits."""

    ws: Workspace
    conn: Connection
    _moves: list[tuple[Path, Path]] = field(default_factory=list)

    def record(self, *events: Event) -> None:
        record(self.ws, *events, within=self.conn)

    def record_each(self, event: Event, people: Iterable[str]) -> int:
        """:func:`record_each` in this transaction."""
        return record_each(self.ws, event, people, within=self.conn)

    def publish(self, finished: Path, final: Path) -> None:
        """Move the finished file ``finished`` to ``final`` as the transaction's last act
        before it commits (same folder, so the move is a rename): if the move fails the
        events roll back; if the commit fails the file is taken back."""
        self._moves.append((finished, final))


@contextmanager
def transaction(ws: Workspace) -> Iterator[AuditTransaction]:
    """``with transaction(ws) as tx:`` do work on ``tx.conn``, ``tx.record(...)`` events;
    on leaving, the work and the staged events commit together, then the log appends."""
    with ws.engine.connect() as conn:
        outer = conn.begin()
        tx = AuditTransaction(ws, conn)
        try:
            yield tx
            moved = _move_into_place(tx._moves)
        except BaseException:
            outer.rollback()
            raise
        try:
            outer.commit()
        except BaseException:
            moved.undo()
            raise
        moved.done()
    flush(ws)


@dataclass
class _Moved:
    """Files moved into place, and the files they replaced (kept aside until the commit)."""

    placed: list[Path] = field(default_factory=list)
    aside: list[tuple[Path, Path]] = field(default_factory=list)

    def undo(self) -> None:
        for path in self.placed:
            path.unlink(missing_ok=True)
        for kept, original in self.aside:
            kept.replace(original)

    def done(self) -> None:
        for kept, _ in self.aside:
            kept.unlink(missing_ok=True)


def _move_into_place(moves: list[tuple[Path, Path]]) -> _Moved:
    moved = _Moved()
    try:
        for finished, final in moves:
            if final.exists():  # replaced only with --force; kept until the commit
                kept = final.with_name(f".{final.name}.{uuid4().hex}.replaced")
                final.replace(kept)
                moved.aside.append((kept, final))
            finished.replace(final)
            moved.placed.append(final)
    except BaseException:
        moved.undo()
        raise
    return moved


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
