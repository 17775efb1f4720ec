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

import asyncio
import dataclasses
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple
from uuid import uuid4

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Connection

from accord.audit import repository as repo
from accord.audit.checkpoint import Checkpoint, sign
from accord.audit.errors import AuditError
from accord.audit.events import Event, checked, decode, encode
from accord.audit.keys import origin, signing_key
from accord.audit.merkle import Frontier
from accord.audit.models import Logged
from accord.store import Workspace, writer_lock_if_free

BATCH = 50_000
STAGE_CHUNK = BATCH
MARKER = "0" * 64
"""Where a staged bulk row's body holds each person's key."""
_PERSON_KEY = re.compile(r"[0-9a-f]{64}")
_HEX = re.compile(r"[0-9a-f]*")


def record(ws: Workspace, *events: Event, within: Connection | None = None) -> None:
    """Record audit events; unknown types are refused before anything is written.

    With ``within``, the events are staged in that (caller's) transaction and appended
    by the next :func:`flush` after it commits; :func:`transaction` does both. Without,
    they are staged and appended now.
    """
    rows = [_staged(checked(e)) for e in events]
    if not rows:
        return
    now = datetime.now(UTC)
    if within is not None:
        repo.stage(within, rows, now)
        return
    with ws.engine.begin() as conn:
        repo.stage(conn, rows, now)
    flush(ws)


def _staged(event: Event) -> Row:
    """(type, body, person key) to stage: the key apart, where the event has one."""
    person = getattr(event, "person", None)
    if isinstance(person, str) and _PERSON_KEY.fullmatch(person):
        template = encode(dataclasses.replace(event, person=MARKER))  # type: ignore[call-arg]
        if template.count(MARKER) == 1:
            return event.name, template, bytes.fromhex(person)
    return event.name, encode(event), None


def record_each(
    ws: Workspace, event: Event, people: Iterable[str], *, within: Connection | None = None
) -> int:
    """Record one copy of ``event`` per person in ``people`` (its ``person`` replaced by
    each key); how many. For bulk uses: the event is encoded once and staged once per
    chunk of keys (32 bytes each), so a million people need no million objects and no
    million rows. ``within`` as for :func:`record`."""
    if within is None:
        with ws.engine.begin() as conn:
            staged = record_each(ws, event, people, within=conn)
        flush(ws)
        return staged
    staged = 0
    for rows, count in _rows_each(event, people):
        repo.stage(within, rows, datetime.now(UTC))
        staged += count
    return staged


Row = tuple[str, str, bytes | None]
"""What is staged of an event: its type, its body, and the packed person keys of a bulk
row (None for a whole event)."""


def _rows_each(event: Event, people: Iterable[str]) -> Iterator[tuple[list[Row], int]]:
    """:func:`record_each`'s rows, a chunk of people at a time, and how many people each."""
    checked(event)
    if "person" not in {f.name for f in dataclasses.fields(event)}:
        raise AuditError(f"{event.name} is not about one person: it has no person field")
    template = encode(dataclasses.replace(event, person=MARKER))  # type: ignore[call-arg]
    keys = iter(people)
    while chunk := list(islice(keys, STAGE_CHUNK)):
        rows: list[Row] = [(event.name, template, _packed(chunk))]
        if template.count(MARKER) != 1:  # another field holds the marker too: each whole
            rows = [_staged(dataclasses.replace(event, person=k)) for k in chunk]  # type: ignore[call-arg]
        yield rows, len(chunk)


def _packed(keys: list[str]) -> bytes:
    """The keys' bytes, end to end; :class:`AuditError` naming the first that is not a
    person key (64 lower-case hex digits)."""
    joined = "".join(keys)
    if (
        len(joined) != 64 * len(keys)
        or not _HEX.fullmatch(joined)
        or any(len(k) != 64 for k in keys)
    ):
        bad = next((k for k in keys if not _PERSON_KEY.fullmatch(str(k))), keys[0])
        raise AuditError(f"{str(bad)[:80]!r} is not a person key (64 hex digits)")
    return bytes.fromhex(joined)


def entries(ws: Workspace, start: int = 0, end: int | None = None) -> Iterator[Logged]:
    """The log's entries ``start <= index < end`` in order, decoded (read a page at a
    time): what an auditor, or a test, reads back."""
    with ws.engine.connect() as conn:
        for row in repo.entries(conn, start, end):
            entry = json.loads(row.entry)
            at = datetime.fromisoformat(entry["recorded_at"].replace("Z", "+00:00"))
            yield Logged(row.idx, at, decode(row.type, json.dumps(entry["event"])))


def recorded_between(
    ws: Workspace, types: Iterable[str], since: datetime, until: datetime
) -> Iterator[Logged]:
    """The entries of the event ``types`` recorded at ``since <= time < until``, in log
    order, decoded, streamed: found by the bodies' (type, time) index, so a month of a
    few types is read without the rest of a log of millions (usage metering)."""
    wanted = sorted(set(types))
    if since.tzinfo is None or until.tzinfo is None:
        raise AuditError("give the time range as aware datetimes (UTC)")
    if not wanted or since >= until:
        return
    # Two connections: the bodies stream on one while their entries are looked up on
    # the other (a streaming cursor holds its connection).
    with ws.engine.connect() as bodies, ws.engine.connect() as lookup:
        found = repo.typed_between(bodies, lookup, wanted, _stamp(since), _stamp(until))
        for idx, kind, body, stamp in found:
            at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            yield Logged(idx, at, decode(kind, body))


def leaf(ws: Workspace, index: int) -> bytes:
    """The leaf hash of entry ``index`` (what its inclusion proof leads from)."""
    with ws.engine.connect() as conn:
        found = repo.leaf(conn, index)
    if found is None:
        raise AuditError(f"the audit log has no entry {index}")
    return found


@dataclass(frozen=True)
class AuditTransaction:
    """A transaction whose events reach the log once it commits."""

    ws: Workspace
    _conn: Connection | None
    _moves: list[tuple[Path, Path]] = field(default_factory=list)
    deferred: bool = False
    """Stage the events only as the transaction ends (see :func:`transaction`)."""
    _pending: list[Row] = field(default_factory=list)
    committed: Future[None] = field(default_factory=Future)
    """A deferred transaction's end (for one not waited for, ``wait=False``): done once
    its events are appended and committed, or failed with what the block's end would
    have raised."""

    @property
    def conn(self) -> Connection:
        """The transaction's connection, for the work recorded with the events."""
        if self._conn is None:
            raise AuditError("a deferred audit transaction holds no connection until it ends: "
                             "it records events, and does no other work")  # fmt: skip
        return self._conn

    def record(self, *events: Event) -> None:
        if self.deferred:  # checked now (an unknown type is refused at once), kept
            self._pending.extend(_staged(checked(e)) for e in events)
            return
        record(self.ws, *events, within=self.conn)

    def record_each(self, event: Event, people: Iterable[str]) -> int:
        """:func:`record_each` in this transaction."""
        if self.deferred:
            counted = 0
            for rows, count in _rows_each(event, people):
                self._pending.extend(rows)
                counted += count
            return counted
        return record_each(self.ws, event, people, within=self.conn)

    def publish(self, finished: Path, final: Path) -> None:
        """Move the finished file ``finished`` to ``final`` as the transaction's last act
        before it commits (same folder, so the move is a rename): if the move fails the
        events roll back; if the commit fails the file is taken back."""
        if self.deferred:
            raise AuditError("a deferred audit transaction publishes no file")
        self._moves.append((finished, final))


Claim = Callable[[Connection], BaseException | None]
"""Work a deferred transaction does in the commit that appends its events, before them
(the exchange's: a request's nonce, so that a request's records and its nonce cost the
store's writer one commit, not two). It returns None, or, writing nothing, the error
that refuses the transaction: its events are then not appended, and the error is
raised where the transaction's block ends."""


@contextmanager
def transaction(
    ws: Workspace,
    *,
    deferred: bool = False,
    claim: Claim | None = None,
    wait: bool = True,
    on_loop: bool = False,
) -> Iterator[AuditTransaction]:
    """``with transaction(ws) as tx:`` do work on ``tx.conn``, ``tx.record(...)`` events;
    on leaving, the work and the staged events commit together, then the log appends.

    ``deferred``: for a use that records events and writes nothing else, working a while
    between them (a lookup: decided, then disclosed). No connection is held while the
    block runs (its reads take their own, and a request never waits for a second
    connection while holding a first); the events are checked as they are recorded, and
    as the block ends they reach the log: on SQLite appended at once, in one
    transaction with those of other threads of the process ending meanwhile (a group
    commit: :class:`_Group`), on PostgreSQL staged, then appended with other requests' by
    the flush. A block that raises records nothing. ``claim`` (deferred only): see
    :data:`Claim`; a block that raises makes no claim.

    ``wait=False`` (deferred only): the block's end does not wait for the append; the
    transaction's :attr:`~AuditTransaction.committed` future is done once its events
    are committed (or fails with what the end of the block would have raised), and the
    caller waits for it before it answers: an event loop can go on serving meanwhile.
    ``on_loop`` (with ``wait=False``, on an event loop's thread): the events are
    appended on that loop, once the callbacks ready on it now have run, with what they
    queued meanwhile; no hop to the writer thread and back, which cost a request more
    than the append. For a process that is its SQLite store's only writer (a node of one
    worker): the loop appends only while nothing else holds the store's writer lock and
    leaves the group to the writer thread otherwise, so it never waits for another's
    commit (a program writing the file outside Accord's lock, the ``sqlite3`` shell, can
    still hold it up). The caller awaits the future there (``asyncio.wrap_future``),
    never blocks on it.
    """
    if deferred:
        yield from _deferred(ws, claim, wait, on_loop)
        return
    if claim is not None or not wait or on_loop:
        raise AuditError("only a deferred audit transaction makes a claim or is not waited for")
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


def _deferred(
    ws: Workspace, claim: Claim | None, wait: bool, on_loop: bool
) -> Iterator[AuditTransaction]:
    tx = AuditTransaction(ws, None, deferred=True)
    yield tx
    if ws.engine.dialect.name == "sqlite" and (tx._pending or claim is not None):
        # SQLite: appended at once, never staged (every write waits for the file's one
        # lock anyway, so staging, then appending, would wait for the disk twice), with
        # what other threads of this process are appending meanwhile.
        now = datetime.now(UTC)
        rows = [_Pending(None, k, b, p, now) for k, b, p in tx._pending]
        loop = _running_loop() if on_loop and not wait else None
        _group(ws).submit(ws, rows, claim, tx.committed, loop=loop)
    else:
        try:
            _staged_then_flushed(ws, tx, claim)
        except BaseException as error:
            tx.committed.set_exception(error)
        else:
            tx.committed.set_result(None)
    if wait:
        tx.committed.result()


def _staged_then_flushed(ws: Workspace, tx: AuditTransaction, claim: Claim | None) -> None:
    """PostgreSQL: the events staged in a commit of their own, in parallel with other
    requests', then appended by a flush that takes theirs too: appends are taken in
    turns on the log's head, and grouped that way, wait for the disk once for many."""
    if not tx._pending and claim is None:
        return
    with ws.engine.begin() as conn:
        refused = claim(conn) if claim is not None else None
        if refused is None and tx._pending:
            repo.stage(conn, tx._pending, datetime.now(UTC))
    if refused is not None:
        raise refused
    if tx._pending:
        flush(ws)


@dataclass
class _Ticket:
    """One deferred transaction's rows, waiting in a :class:`_Group`."""

    ws: Workspace
    rows: list[_Pending]
    claim: Claim | None = None
    done: Future[None] = field(default_factory=Future)


LINGER = 1.0
"""Seconds a group's writer waits for more work before its thread ends (the next
transaction starts another): a server keeps one; a process that appended once does not."""

GATHER = 0.002
"""Seconds a busy writer waits for more transactions to join its group before it takes
the queue: only when its last group held several (or more were queued while it was
appended) and ended less than this long before the next came (requests are committing
back to back, several at a time), and no longer than it takes :data:`GATHER_COUNT` to
queue. A group costs its writer about as much CPU for one transaction as for four (the
head, the signed checkpoint, the commit); a client sending one request after another
never waits."""

GATHER_COUNT = 4


@dataclass
class _Group:
    """Group commit for the deferred transactions of one process on one SQLite store.

    Each transaction adds its rows to the queue; the group's writer (a thread of its
    own while there is work), once it holds the log's head, takes the whole queue and
    appends it in one transaction: one lock of the file, one head read, one checkpoint,
    one wait for the disk for all; then each transaction's future is done, or fails with
    the error that undid them all (the rows of a group commit or roll back together), or
    with what its claim refused it with (its rows left out). Under concurrent lookups
    this is what keeps the log from being the queue every request waits in, and a
    request waits for its commit without holding a thread (``transaction(wait=False)``).
    Such a transaction ended on an event loop ``on_loop`` is appended on that loop
    instead, at the end of its turn (:meth:`_flush`), with the others its requests ended
    in that turn.
    """

    queue: list[_Ticket] = field(default_factory=list)
    queued: threading.Condition = field(default_factory=threading.Condition)
    turn: threading.Lock = field(default_factory=threading.Lock)
    """Held by the writer while it takes the queue and appends it."""
    running: bool = False
    waiting: bool = False
    """Whether the writer is waiting for work (only then is it woken: a writer that is
    appending takes what was queued meanwhile when it is done)."""
    frontier: Frontier | None = None
    """The log's frontier after this group's last append: the next starts from it when
    no other process appended meanwhile (else its subtrees are read again)."""
    loops: set[asyncio.AbstractEventLoop] = field(default_factory=set)
    """The event loops an append of the queue is scheduled on (:meth:`submit`)."""

    def submit(
        self,
        ws: Workspace,
        rows: list[_Pending],
        claim: Claim | None,
        done: Future[None],
        *,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        """Queue ``rows`` (and ``claim``) for the writer; ``done`` is settled after.
        ``loop``: the caller's event loop, which awaits ``done``: the queue is appended
        on it (:meth:`_flush`) once the callbacks ready on it now have run: the requests
        it is serving in this turn join one group, and no thread is woken."""
        ticket = _Ticket(ws, rows, claim, done)
        with self.queued:
            self.queue.append(ticket)
            if loop is not None:
                if loop not in self.loops:
                    self.loops = {held for held in self.loops if not held.is_closed()}
                    try:
                        loop.call_soon(self._flush, ws, loop)
                    except BaseException:  # a closed loop: nothing queued
                        self.queue.remove(ticket)
                        raise
                    self.loops.add(loop)
                return
            try:
                self._wake()
            except BaseException:
                self.queue.remove(ticket)
                raise

    def _wake(self) -> None:
        """Have the writer take the queue (the queue's lock held): woken if it waits,
        left to come back to it if it is appending, started if there is none."""
        if self.running:
            if self.waiting:
                self.queued.notify()
        elif self.queue:
            self._start()

    def _start(self) -> None:
        """Start the writer (the queue's lock held)."""
        threading.Thread(target=self._write, name="accord-audit-writer", daemon=True).start()
        self.running = True

    def _write(self) -> None:
        try:
            self._writing()
        finally:
            with self.queued:
                self.running = False
                if self.queue:  # it failed with work queued: another takes it
                    self._start()

    def _writing(self) -> None:
        ended, busy = float("-inf"), False  # when the last group was appended; and whether
        # its requests came several at a time (it held several, or more came meanwhile)
        while True:
            with self.queued:
                if not self.queue:
                    self._wait(LINGER)
                if not self.queue:
                    return
                if busy and time.monotonic() - ended < GATHER:  # let the next ones join
                    until = time.monotonic() + GATHER
                    while len(self.queue) < GATHER_COUNT and time.monotonic() < until:
                        self._wait(until - time.monotonic())
                ws = self.queue[0].ws  # every ticket's workspace is the same store
            with self.turn:  # a loop may have taken the queue while this waited
                size = self._append(ws) if self._queued() else 0
            ended = time.monotonic()
            with self.queued:
                busy = size > 1 or bool(self.queue)

    def _flush(self, ws: Workspace, loop: asyncio.AbstractEventLoop) -> None:
        """Append the queue on ``loop`` (its thread): one group for what its requests
        queued in a turn, with whatever threads queued meanwhile. Only if nothing else
        is appending (the turn and the store's writer lock free now): the loop never
        waits for another's commit (a share's, another process's); the writer thread
        appends the queue then, as it does if the lock cannot even be tried (its file)."""
        with self.queued:
            self.loops.discard(loop)
            if not self.queue:
                return  # the writer thread, or another loop, took it
        with suppress(Exception):  # the writer thread meets it again, and tells each
            if self.turn.acquire(blocking=False):
                try:
                    with writer_lock_if_free(ws.engine) as free:
                        if free:
                            if self._queued():
                                self._append(ws)
                            return
                finally:
                    self.turn.release()
        with self.queued:  # busy: the writer thread's, as a thread's would be
            try:
                self._wake()
            except BaseException as error:  # no thread to be had: each told so
                self._fail(self._take_locked(), error)

    def _queued(self) -> bool:
        with self.queued:
            return bool(self.queue)

    def _wait(self, seconds: float) -> None:
        """Wait (the queue's lock held) for a transaction to be queued, ``seconds`` at most."""
        self.waiting = True
        try:
            self.queued.wait(seconds)
        finally:
            self.waiting = False

    def _take(self) -> list[_Ticket]:
        """The queue, less the transactions whose caller stopped waiting (a cancelled
        request's: its rows are not appended and nothing was sent); the others' futures
        are running from now on, so they can no longer be cancelled."""
        with self.queued:
            return self._take_locked()

    def _take_locked(self) -> list[_Ticket]:
        """:meth:`_take`, the queue's lock held."""
        taken, self.queue = self.queue, []
        return [t for t in taken if t.done.set_running_or_notify_cancel()]

    @staticmethod
    def _fail(taken: list[_Ticket], error: BaseException) -> None:
        """Fail each of ``taken`` with an :class:`AuditError` of its own (raised in its
        own thread), ``error`` its cause."""
        for t in taken:
            failure = AuditError(f"the audit log could not append: {error}")
            failure.__cause__ = error
            t.done.set_exception(failure)

    def _append(self, ws: Workspace) -> int:
        """Take the log's head (the store's writer lock with it), then the queue: what
        this worker's requests queue while it waits for another process's commit joins
        the group. Append it in one transaction (the claims first: a refused one's rows
        stay out), then settle each ticket's future; how many transactions it took."""
        taken: list[_Ticket] = []
        refused: list[BaseException | None] = []
        try:
            signer = _signer(ws)  # read before the store's writer lock is taken
            with ws.engine.begin() as conn:
                size = repo.lock_head(conn)
                taken = self._take()
                refused = [t.claim(conn) if t.claim is not None else None for t in taken]
                kept = [r for t, no in zip(taken, refused, strict=True) if no is None
                        for r in t.rows]  # fmt: skip
                frontier = self.frontier
                for n, batch in enumerate(_batches(kept)):
                    head = size if n == 0 else repo.lock_head(conn)
                    _, frontier = _append_rows(signer, conn, head, batch, frontier)
            self.frontier = frontier
        except BaseException as error:
            self.frontier = None
            self._fail(taken or self._take(), error)
            if not isinstance(error, Exception):
                raise  # an interrupt, not the log's failure
            return 0
        for t, no in zip(taken, refused, strict=True):
            if no is not None:
                t.done.set_exception(no)
            else:
                t.done.set_result(None)
        return len(taken)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running on this thread, if any."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_groups: dict[str, _Group] = {}
_groups_lock = threading.Lock()


def _group(ws: Workspace) -> _Group:
    with _groups_lock:
        return _groups.setdefault(ws.store_url, _Group())


class _Pending(NamedTuple):
    """An event to append, shaped as a staged row (``id``: None, it never was)."""

    id: int | None
    type: str
    body: str
    people: bytes | None
    recorded_at: datetime


def _batches(rows: list[_Pending]) -> Iterator[list[_Pending]]:
    """The rows in batches of about :data:`BATCH` events (a bulk row whole)."""
    batch: list[_Pending] = []
    size = 0
    for row in rows:
        events = len(row.people) // repo.KEY_BYTES if row.people is not None else 1
        if batch and size + events > BATCH:
            yield batch
            batch, size = [], 0
        batch.append(row)
        size += events
    if batch:
        yield batch


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
    """Append every staged event to the log, about ``batch`` per transaction (a bulk
    row staged by :func:`record_each` is appended whole); how many."""
    appended, frontier = 0, None
    while True:
        # A read first, outside the appenders' lock: a flush that finds nothing staged
        # (another request's flush appended its events with its own) writes nothing, so
        # it waits neither for the lock nor for the disk. What this request staged was
        # committed before, so the read sees it, or sees it gone: appended and committed.
        with ws.engine.connect() as conn:
            if not repo.any_staged(conn):
                return appended
        signer = _signer(ws)
        with ws.engine.begin() as conn:
            done, more, frontier = _append_batch(signer, conn, batch, frontier)
        appended += done
        if not more:
            return appended


def _append_batch(
    signer: _Signer, conn: Connection, batch: int, frontier: Frontier | None
) -> tuple[int, bool, Frontier | None]:
    """One transaction's append: how many, whether more are staged, and the frontier it
    leaves for the next to start from (read again from the store when another appender
    moved the head meanwhile)."""
    size = repo.lock_head(conn)
    rows, more = repo.staged(conn, batch)
    if not rows:
        return 0, False, frontier
    appended, frontier = _append_rows(signer, conn, size, rows, frontier)
    repo.unstage(conn, [r.id for r in rows])
    return appended, more, frontier


class _Signer(NamedTuple):
    """The log's origin and the key its checkpoints are signed with."""

    origin: str
    key: Ed25519PrivateKey


def _signer(ws: Workspace) -> _Signer:
    """Read before an append takes the store's writer lock: its file's check (a ``stat``)
    let other threads in, and other processes waited on the lock meanwhile."""
    return _Signer(origin(ws), signing_key(ws))


def _append_rows(
    signer: _Signer, conn: Connection, size: int, rows: Sequence[Any], frontier: Frontier | None
) -> tuple[int, Frontier]:
    """Append ``rows`` (staged rows, or rows shaped as they are) to the log of ``size``
    entries whose head this transaction locked, with a checkpoint signed by ``signer``:
    how many entries, and the frontier after them."""
    if frontier is None or frontier.size != size:
        frontier = Frontier.at(size, repo.subtrees(conn, Frontier.edge(size)))
    else:
        frontier = frontier.copy()  # the caller's stays as it was if this one rolls back
    bodies: list[repo.Body] = []
    entries: list[repo.Entry] = []
    for row in rows:
        body, person = _body(row, size + len(entries))
        bodies.append(body)
        entries += _entries(body, row.people, person)
    nodes = frontier.extend([e[4] for e in entries], repo.NODE_LEVEL)
    repo.append(conn, bodies, entries, nodes)
    now = datetime.now(UTC)
    point = Checkpoint(signer.origin, frontier.size, frontier.root(), now)
    repo.add_checkpoint(conn, point.size, point.root, now, sign(point, signer.origin, signer.key))
    repo.set_head(conn, frontier.size)
    return len(entries), frontier


def _body(row: Any, first: int) -> tuple[repo.Body, bytes | None]:
    """The body a staged row's entries share (its id: the index of the first), and for
    a whole event that names a person, the citizen index's key."""
    event = json.loads(row.body)  # once per staged row: its deferral date, its person
    hidden, person = event.get("hidden_until"), event.get("person")
    head, _, tail = row.body.partition(MARKER)
    body = repo.Body(first, str(row.type), row.body if row.people is None else head,
                     None if row.people is None else tail, _stamp(row.recorded_at),
                     date.fromisoformat(hidden) if hidden else None)  # fmt: skip
    whole = row.people is None and isinstance(person, str) and person
    return body, repo.person_index(person) if whole else None


def _entries(body: repo.Body, people: bytes | None, person: bytes | None) -> list[repo.Entry]:
    """A staged row's entries: text spliced from the body and each key, never re-encoded."""
    sha, first = hashlib.sha256, body.id
    prefix, suffix = body.prefix, body.suffix
    if people is None:
        text = f'{prefix},"index":{first}{suffix}'
        leaf = sha(b"\x00" + text.encode()).digest()
        return [(first, first, person, repo.tag(person), leaf, None)]
    tail = f'{body.tail},"index":'
    keys = [people[i : i + repo.KEY_BYTES] for i in range(0, len(people), repo.KEY_BYTES)]
    return [(idx, first, key, tag,
             sha(b"\x00" + f"{prefix}{key.hex()}{tail}{idx}{suffix}".encode()).digest(), None)
            for idx, key, tag in zip(range(first, first + len(keys)), keys, repo.tags(people),
                                     strict=True)]  # fmt: skip


def canonical(value: Any) -> str:
    """The one JSON spelling hashed into the log: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
