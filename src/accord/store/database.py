"""SQL engines and migrations: the same code on SQLite and PostgreSQL.

Every engine made here turns a store it cannot reach (a server that is not running, a
SQLite file in a folder that does not exist, a connection lost mid-way) into
:class:`DatabaseError` naming the store's URL without its password, through
SQLAlchemy's ``handle_error`` hook; other database errors stay what they are.

SQLite runs in WAL mode with ``synchronous=FULL``: a committed transaction survives a
power cut (``NORMAL`` may lose the last ones in WAL mode), which the audit log's
promise needs. :func:`insert_many` is the one place that knows each driver's fastest
bulk insert (PostgreSQL's ``COPY`` through psycopg 3, SQLite's ``executemany``), and
:func:`fetch_rows` reads plain tuples through the DBAPI cursor, so a context that
appends or scans millions of rows never touches a driver.
"""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from accord.store.errors import DatabaseError


def create_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and foreign keys, as production needs."""
    try:
        sqlite = sa.engine.make_url(url).get_backend_name() == "sqlite"
        args = {"timeout": SQLITE_BUSY_SECONDS} if sqlite else {}
        engine = sa.create_engine(url, future=True, connect_args=args, pool_size=POOL_SIZE,
                                  max_overflow=POOL_CONNECTIONS - POOL_SIZE)  # fmt: skip
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise DatabaseError(f"cannot use store URL {mask_url(url)}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        _queue_writers(engine)
    sa.event.listen(engine, "handle_error", _unreachable)
    return engine


def _unreachable(context: sa.engine.ExceptionContext) -> None:
    """Replace a failure to reach the store with one message that names it."""
    if context.connection is not None and not context.is_disconnect:
        return  # a statement failed on a working connection: not this hook's business
    original = context.original_exception
    url = mask_url(str(context.engine.url)) if context.engine is not None else "(unknown)"
    reason = str(getattr(original, "orig", None) or original).strip()
    first = reason.splitlines()[0] if reason else type(original).__name__
    raise DatabaseError(
        f"cannot reach the SQL store {url}: {first} (is the "
        "database server running, and the store_url setting right? see docs/settings.md)"
    ) from original


POOL_SIZE = 5
POOL_CONNECTIONS = 15
"""Connections an engine keeps (``POOL_SIZE``) and holds at most at once: SQLAlchemy's
defaults, declared so that a server can bound its threads by them (a thread may hold
two at once: its transaction's, and a read's)."""

SQLITE_BUSY_SECONDS = 60.0
"""How long a SQLite writer waits for another's lock before giving up (the driver's
default is 5 s). Several ``accord serve`` workers share one file, and with
``synchronous=FULL`` each commit waits for the disk: under a burst of requests the queue
of writers can be longer than 5 s, and a request must wait its turn, not fail."""

SQLITE_CACHE_KIB = 65_536
"""Page cache per SQLite connection (SQLite's default is 2 MB): the audit log's citizen
index takes random inserts, and a million entries' index is about 20 MB."""


@contextmanager
def begin_unsynced(engine: Engine) -> Iterator[Connection]:
    """A transaction whose commit does not wait for the disk; durable with the next
    commit that does (any connection's).

    For a write that matters only if a later durable commit follows it: the exchange's
    nonce, whose request answers only after its records commit. On SQLite (WAL) the
    commit writes its frames without an fsync; the next ``synchronous=FULL`` commit
    fsyncs the WAL file, and with it every earlier frame. The connection does not
    checkpoint meanwhile (``wal_autocheckpoint=0``): a checkpoint that did not sync the
    database file could let the WAL be reused over frames not yet on disk; other
    connections checkpoint, synced. On PostgreSQL ``SET LOCAL synchronous_commit = off``:
    the WAL is one sequence, and flushing a later commit's record flushes this one's.
    Visible to every other connection at once, either way: only durability waits.
    On SQLite the transaction runs on a connection of a small pool kept beside the
    engine's with those two settings made once (:func:`_unsynced`), not set and set back
    around each transaction.
    """
    if engine.dialect.name == "sqlite":
        with _unsynced(engine).begin() as conn:
            yield conn
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[None]:
    """In the block, on this thread, every :func:`connection` to ``engine`` is one
    connection, taken once and given back once.

    For a request that makes several small reads of state other contexts keep (the
    exchange's lookup reads the trust list's head, the agreements' revision, the opt-out
    registers' revision, a key version, a kitemark and the newest snapshot): each read
    on a connection of its own took it from the pool and gave it back, a rollback, and
    under load those cost more than the query. No snapshot is held: each statement sees
    what is committed when it runs, as on connections of their own. Writes take their
    own connections (``engine.begin()``) as ever. The connection is taken at the
    block's first read (a request whose reads are all kept takes none but the
    :func:`governance_revision`'s)."""
    held = _held()
    if engine in held:  # already reading: the outer block's connection
        yield
        return
    held[engine] = None
    try:
        yield
    finally:
        conn = held.pop(engine, None)
        _revisions().pop(engine, None)
        if conn is not None:
            conn.close()


def governance_revision(engine: Engine) -> int:
    """The store's governance revision: it changes with every change to the tables that
    decide a disclosure (``tables.GOVERNED``: trust lists, agreements and their
    lifecycle, opt-outs, pseudonym keys, datasets, snapshots, kitemarks), whose triggers
    draw a random token for the table changed; the revision is made of the tokens. What
    a process read of those tables is current while the revision stays: read the
    revision first, then the data, and keep the data under the revision read. Only
    equality means anything (a restored backup brings back its own tokens, never ones a
    process kept later data under).

    In a :func:`reading` block it is read once, at its first call, and the same for the
    rest of the block: a request decides on one state of the store."""
    known = _revisions()
    if engine in _held():
        found = known.get(engine)
        if found is None:
            with connection(engine) as conn:
                found = known[engine] = _revision_of(conn)
        return found
    with engine.connect() as conn:
        return _revision_of(conn)


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Governed(Generic[K, V]):
    """What a process read of the governed tables (``tables.GOVERNED``), kept per store
    and key while the store's :func:`governance_revision` stays. The revision is read
    first, so what is kept is at least as new as the revision it is kept under. A read
    that found nothing (None) is not kept: what is kept is bounded by what the store
    holds, whatever keys callers ask for."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, K], tuple[int, V]] = {}

    def get(self, engine: Engine, key: K, read: Callable[[], V | None]) -> V | None:
        """The value kept for ``key`` under the store's revision now, or ``read()``."""
        revision = governance_revision(engine)
        where = (store_key(engine), key)
        held = self._held.get(where)
        if held is not None and held[0] == revision:
            return held[1]
        value = read()
        if value is not None:
            self._held[where] = (revision, value)  # one assignment: safe across threads
        return value


_store_keys: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def store_key(engine: Engine) -> str:
    """The text of ``engine``'s URL, made once per engine: the key of what a process
    keeps per store (a URL renders itself anew each time, which cost more than the
    look-up it keyed, several times a request)."""
    found = _store_keys.get(engine)
    if found is None:
        found = _store_keys[engine] = str(engine.url)
    return found


def _revision_of(conn: Connection) -> int:
    # As the driver runs it: read for every request, and integers need no type.
    tokens = tuple(t for (t,) in fetch_rows(conn, _TOKENS))
    if not tokens:
        raise DatabaseError("the store's governance revision is missing: the store was altered")
    return hash(tokens)


_TOKENS = "SELECT token FROM governance_revision ORDER BY name"


@contextmanager
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection to read ``engine`` on: the one of :func:`reading`'s block open on this
    thread, or one of its own."""
    held = _held()
    if engine in held:
        conn = held[engine]
        if conn is None:
            conn = held[engine] = engine.connect()
        yield conn
        return
    with engine.connect() as own:
        yield own


_reads = threading.local()


def _held() -> dict[Engine, Connection | None]:
    found: dict[Engine, Connection | None] | None = getattr(_reads, "held", None)
    if found is None:
        found = _reads.held = {}
    return found


def _revisions() -> dict[Engine, int]:
    found: dict[Engine, int] | None = getattr(_reads, "revisions", None)
    if found is None:
        found = _reads.revisions = {}
    return found


_companions: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_companions_lock = threading.Lock()


def _unsynced(engine: Engine) -> Engine:
    """The pool of unsynced connections to ``engine``'s SQLite file: the same writer
    lock (the file's), disposed of with the engine."""
    with _companions_lock:
        found = _companions.get(engine)
        if found is None:
            # As many kept open as the store's: fewer, and concurrent requests opened and
            # closed a connection (and set its pragmas) for each nonce.
            found = sa.create_engine(engine.url, connect_args={"timeout": SQLITE_BUSY_SECONDS},
                                     pool_size=POOL_SIZE,
                                     max_overflow=POOL_CONNECTIONS - POOL_SIZE)  # fmt: skip
            sa.event.listen(found, "connect", _sqlite_pragmas)
            sa.event.listen(found, "connect", _unsynced_pragmas)
            _queue_writers(found)
            sa.event.listen(engine, "engine_disposed", lambda _e: found.dispose())
            _companions[engine] = found
        return found


def _unsynced_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def _queue_writers(engine: Engine) -> None:
    """Writers to one SQLite file wait their turn in a queue, not by polling.

    SQLite lets one writer at a time hold its lock; the others' driver retries on a
    schedule of sleeps (1, 2, 5, 10 ... 100 ms), so under a burst of requests from
    several workers a writer sleeps on while the lock is free, and requests queue behind
    sleepers. Here a connection takes the file's writer lock (:class:`WriterLock`: a
    thread lock, then ``flock`` on a file beside the database, which wakes the next
    waiter the moment it is let go) before its transaction's first write, and lets it go
    when the connection goes back to the pool, after its commit or rollback.
    """
    database = engine.url.database
    if not database or database == ":memory:":
        return
    lock = WriterLock.of(Path(database).with_name(Path(database).name + ".writer"))
    _writer_locks[store_key(engine)] = lock  # the file's, whatever engine or pool

    def before(conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
        _take_writer_lock(conn, lock, statement)

    def returned(_dbapi: object, record: Any) -> None:
        held = record.info.pop(_HOLDS, None)
        if held is not None:
            held.release()

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "checkin", returned)


_HOLDS = "accord_writer_lock"
_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLAC", "CREATE", "DROP", "ALTER"})
_writer_locks: dict[str, WriterLock] = {}
"""Each SQLite store's writer lock by its URL (:func:`store_key`): an engine made with
other options, or given a new pool by ``dispose``, finds the same."""


def _take_writer_lock(conn: Connection, lock: WriterLock, statement: str) -> None:
    """The file's writer lock for ``conn`` before its transaction's first write."""
    if conn.info.get(_HOLDS) is None and statement.lstrip()[:6].upper() in _WRITES:
        lock.acquire()
        conn.info[_HOLDS] = lock


def _driver_cursor(conn: Connection, statement: str) -> Any:
    """A DBAPI cursor of ``conn``'s for ``statement``. A write takes the SQLite file's
    writer lock first (as SQLAlchemy's statements take it: :func:`_queue_writers`), and
    begins the connection's transaction if none has begun (as SQLAlchemy's would), so
    that the caller's commit commits it rather than the pool rolling it back unseen."""
    if statement.lstrip()[:6].upper() in _WRITES:
        lock = _writer_locks.get(store_key(conn.engine)) if conn.dialect.name == "sqlite" else None
        if lock is not None:
            _take_writer_lock(conn, lock, statement)
        if not conn.in_transaction():
            conn.begin()
    return conn.connection.cursor()


@contextmanager
def writer_lock_if_free(engine: Engine) -> Iterator[bool]:
    """Whether this thread holds ``engine``'s SQLite writer lock for the block: taken if
    it is free now, never waited for (a thread that must not wait, an event loop, hands
    its writes to another when False). Its connections' writes in the block take it
    again without waiting (the lock is re-entrant per thread). Always True for a store
    with no such lock (PostgreSQL: its row locks queue)."""
    lock = _writer_locks.get(store_key(engine)) if engine.dialect.name == "sqlite" else None
    if lock is None:
        yield True
        return
    taken = lock.acquire(blocking=False)
    try:
        yield taken
    finally:
        if taken:
            lock.release()


def _driver_value(value: Any, sqlite: bool) -> Any:
    """``value`` as the store keeps it: a timestamp must be timezone-aware (as
    ``UTCDateTime`` takes it), and on SQLite becomes the UTC text SQLAlchemy writes, so
    that rows written either way compare alike."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        if sqlite:
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


class WriterLock:
    """One SQLite file's writer lock: threads of a process queue on a re-entrant lock
    (a thread that holds it may write on a second connection), processes on ``flock``."""

    _all: ClassVar[dict[Path, WriterLock]] = {}
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @classmethod
    def of(cls, path: Path) -> WriterLock:
        with cls._guard:
            found = cls._all.get(path)
            if found is None:
                found = cls._all[path] = cls(path)
            return found

    def acquire(self, blocking: bool = True) -> bool:
        """Take the lock, waiting for it; or, not ``blocking``, only if it is free now
        (False, taken by another thread or process)."""
        if not self._thread.acquire(blocking):
            return False
        try:
            if self._depth == 0:
                if self._fd is None:
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._thread.release()
            return False
        except BaseException:
            self._thread.release()
            raise
        self._depth += 1
        return True

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread.release()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def fetch_rows(
    conn: sa.Connection, statement: str, params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """The rows of ``statement`` as the driver returns them, plain tuples, in the caller's
    transaction: for scans of millions of rows and for statements run thousands of
    times (the audit log's appends, a request's nonce), where SQLAlchemy's row objects
    and statement handling would cost more than the statement. ``?`` marks each of
    ``params`` (the statement has no other ``?`` or ``%``); the same text with other
    values reuses the driver's prepared statement. A write takes the SQLite file's
    writer lock as SQLAlchemy's do; it returns its ``RETURNING`` rows (else none).
    Timestamps are timezone-aware, stored as ``UTCDateTime`` stores them."""
    cursor: Any = _driver_cursor(conn, statement)
    try:
        if conn.dialect.name == "postgresql":  # psycopg 3: values in binary, not text, form
            values = tuple(_driver_value(p, sqlite=False) for p in params)
            cursor.execute(statement.replace("?", "%s"), values, binary=True)
            return list(cursor.fetchall()) if cursor.description is not None else []
        cursor.execute(statement, tuple(_driver_value(p, sqlite=True) for p in params))
        return list(cursor.fetchall())  # tuples, from either driver
    finally:
        cursor.close()


def insert_many(
    conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples of ``columns``' values, already as the driver takes them:
    ``bytes``, ``int``, ``str``, ``None``) into ``table`` in the caller's transaction,
    without SQLAlchemy's per-row parameter handling."""
    name = conn.dialect.identifier_preparer.format_table(table)
    quoted = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql" and hasattr(raw, "cursor"):
        with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    elif conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {name} ({quoted}) VALUES ({marks})"
        cursor = _driver_cursor(conn, statement)
        try:
            cursor.executemany(statement, list(rows))
        finally:
            cursor.close()
    else:
        values = [dict(zip(columns, row, strict=True)) for row in rows]
        if values:
            conn.execute(table.insert(), values)


def mask_url(url: str) -> str:
    """The URL with any password hidden, for messages and stored provenance."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("accord.store") / "migrations"))
    return config


def upgrade_if_behind(engine: Engine) -> None:
    """Migrate a store an older Accord made up to this one's schema (a workspace from
    before a new table keeps working after an upgrade). A database no Accord made (no
    revision stamped) is left alone: ``accord doctor`` names it."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current is not None and current != head:
        migrate(engine)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (idempotent)."""
    config = _config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else str(exc)
        raise DatabaseError(f"cannot migrate {mask_url(str(engine.url))}: {reason}") from exc
