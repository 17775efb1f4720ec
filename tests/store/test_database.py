"""A store that cannot be reached is named (without its password), whatever touches it."""

from __future__ import annotations

import fcntl
import stat
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from accord.store import DatabaseError, Workspace, create_engine, mask_url
from accord.store.database import WriterLock, writer_lock_if_free

CLOSED = "postgresql+psycopg://accord:s3cret-password@127.0.0.1:1/accord"


def test_a_server_that_is_not_running_is_named_without_its_password() -> None:
    engine = create_engine(CLOSED)

    with pytest.raises(DatabaseError) as caught, engine.connect():
        pass

    message = str(caught.value)
    assert message.startswith(f"cannot reach the SQL store {mask_url(CLOSED)}: ")
    assert "127.0.0.1:1" in message
    assert "is the database server running" in message
    assert "s3cret-password" not in message
    assert len(message.splitlines()) == 1


def test_a_sqlite_file_in_a_missing_folder_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gone' / 'accord.db'}"

    with pytest.raises(DatabaseError, match=r"cannot reach the SQL store sqlite:///.*gone/"
                       r"accord\.db: unable to open database file"):  # fmt: skip
        create_engine(url).connect()


def test_a_failing_statement_on_a_working_store_stays_what_it_is(store_url: str) -> None:
    engine = create_engine(store_url)

    with pytest.raises(sa.exc.DBAPIError), engine.connect() as conn:
        conn.execute(sa.text("SELECT * FROM no_such_table"))
    engine.dispose()


def test_a_url_no_dialect_knows_is_named() -> None:
    with pytest.raises(DatabaseError, match="cannot use store URL nonsense://x"):
        create_engine("nonsense://x")


def test_sqlite_connections_are_durable_wal_with_full_sync(tmp_path: Path) -> None:
    """``synchronous=FULL``: in WAL mode ``NORMAL`` may lose the last commits to a power
    cut, and an audit entry, once its cause committed, must not be lost."""
    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        with engine.connect() as one, engine.connect() as two:  # every pooled connection
            for conn in (one, two):
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_insert_many_and_fetch_rows_round_trip_on_each_store(store_url: str) -> None:
    from accord.store import fetch_rows, insert_many

    table = sa.Table("bulk", sa.MetaData(), sa.Column("n", sa.BigInteger),
                     sa.Column("blob", sa.LargeBinary), sa.Column("text", sa.Text))  # fmt: skip
    rows = [(n, bytes([n % 256]) * 32, None if n % 3 else f"é\t{n}\\N") for n in range(2_000)]
    engine = create_engine(store_url)
    try:
        with engine.begin() as conn:
            table.create(conn)
            insert_many(conn, table, ("n", "blob", "text"), rows)
            insert_many(conn, table, ("n", "blob", "text"), [])
            assert fetch_rows(conn, "SELECT n, blob, text FROM bulk ORDER BY n") == rows
        with engine.begin() as conn:  # in the caller's transaction: a rollback takes it back
            insert_many(conn, table, ("n", "blob", "text"), [(-1, b"", "x")])
            conn.rollback()
        with engine.connect() as conn:
            assert fetch_rows(conn, "SELECT count(*) FROM bulk") == [(2_000,)]
    finally:
        engine.dispose()


def test_reads_in_a_reading_block_share_one_connection_and_see_each_commit(
    store_url: str,
) -> None:
    from accord.store import connection, reading

    table = sa.Table("seen", sa.MetaData(), sa.Column("n", sa.Integer))
    engine = create_engine(store_url)
    try:
        with engine.begin() as conn:
            table.create(conn)
        count = sa.select(sa.func.count()).select_from(table)
        with reading(engine):
            with connection(engine) as first, connection(engine) as second:
                assert first is second
                assert first.execute(count).scalar() == 0
            with reading(engine), connection(engine) as nested:  # the outer block's
                assert nested is first
            with engine.begin() as writer:  # a write takes its own connection, as ever
                assert writer is not first
                writer.execute(table.insert(), [{"n": 1}])
            with connection(engine) as again:  # no snapshot held: the commit is seen
                assert again is first
                assert again.execute(count).scalar() == 1
            elsewhere: list[object] = []
            thread = threading.Thread(target=lambda: elsewhere.append(_connected(engine)))
            thread.start()
            thread.join()
            assert elsewhere[0] is not first  # another thread reads on its own
        with connection(engine) as own:  # outside a block: a connection of its own
            assert own is not first
            assert own.execute(count).scalar() == 1
    finally:
        engine.dispose()


def _connected(engine: sa.Engine) -> object:
    from accord.store import connection

    with connection(engine) as conn:
        return conn


def test_an_unsynced_commit_is_seen_at_once_and_leaves_the_connection_durable(
    store_url: str,
) -> None:
    # begin_unsynced: for the exchange's nonce, which the request's own durable commit
    # carries to the disk. Other connections see it at once (replay protection across
    # workers); the pooled connection goes back to synchronous=FULL, even after a failure.
    from accord.store import begin_unsynced

    engine = create_engine(store_url)
    table = sa.Table("seen", sa.MetaData(), sa.Column("n", sa.Integer))
    try:
        table.create(engine)
        with begin_unsynced(engine) as conn:
            conn.execute(table.insert().values(n=1))
            if conn.dialect.name == "sqlite":  # a connection of its own pool, set once
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 0  # OFF
        with engine.connect() as other:
            assert other.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 1

        def fails() -> None:
            with begin_unsynced(engine) as conn:
                conn.execute(table.insert().values(n=2))
                raise RuntimeError("the request failed")

        with pytest.raises(RuntimeError):
            fails()
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 1
            if conn.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
                assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
            else:
                assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
        table.drop(engine)
    finally:
        engine.dispose()
    if engine.dialect.name == "sqlite":  # the unsynced pool goes with the engine's
        from accord.store.database import _unsynced

        assert _unsynced(engine).pool.checkedin() == 0  # type: ignore[attr-defined]


def test_sqlite_writers_queue_for_the_file_s_writer_lock_and_let_it_go(tmp_path: Path) -> None:
    """Threads writing at once all commit (none gives up, none sleeps on a busy lock),
    and the lock beside the file is owner-only and free once each connection is back."""
    engine = create_engine(f"sqlite:///{tmp_path / 'accord.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (n INTEGER)"))

    def write(n: int) -> None:
        for i in range(20):
            with engine.begin() as conn:
                conn.execute(sa.text("SELECT count(*) FROM t")).scalar()
                conn.execute(sa.text("INSERT INTO t VALUES (:n)"), {"n": n * 100 + i})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM t")).scalar() == 120
    lock = tmp_path / "accord.db.writer"
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    with lock.open("rb") as other:  # another process could take it now
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    engine.dispose()


def test_a_write_through_fetch_rows_holds_the_writer_lock_until_the_connection_is_back(
    tmp_path: Path,
) -> None:
    # The audit log's appender and a request's nonce write through the driver's cursor:
    # they must queue on the file's writer lock as SQLAlchemy's statements do.
    from accord.store import fetch_rows

    engine = create_engine(f"sqlite:///{tmp_path / 'accord.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (n INTEGER)"))
    lock = tmp_path / "accord.db.writer"
    try:
        with engine.begin() as conn, lock.open("rb") as other:
            assert fetch_rows(conn, "SELECT count(*) FROM t") == [(0,)]
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a read takes no lock
            fcntl.flock(other, fcntl.LOCK_UN)
            assert fetch_rows(conn, "INSERT INTO t VALUES (?) RETURNING n", (7,)) == [(7,)]
            with pytest.raises(BlockingIOError):  # a write holds it, for the transaction
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with lock.open("rb") as other:  # let go when the connection went back
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # An engine with other options shares the pool, and the lock; a write on a
        # connection with no transaction begun begins one, which its commit commits.
        with engine.execution_options(logging_token="x").connect() as conn:
            fetch_rows(conn, "INSERT INTO t VALUES (?)", (8,))
            with lock.open("rb") as other, pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            conn.commit()
        with engine.connect() as conn:
            assert fetch_rows(conn, "SELECT n FROM t ORDER BY n") == [(7,), (8,)]
        # Whether it is free now, without waiting: not while another thread holds it,
        # even from an engine since given a new pool.
        held, done = threading.Event(), threading.Event()

        def holding() -> None:
            with engine.begin() as conn:
                fetch_rows(conn, "INSERT INTO t VALUES (?)", (9,))
                held.set()
                done.wait(60)

        other = threading.Thread(target=holding)
        other.start()
        assert held.wait(60)
        try:
            with writer_lock_if_free(engine) as free:
                assert not free
            engine.dispose()
            with writer_lock_if_free(engine) as free:
                assert not free
        finally:
            done.set()
            other.join()
        with writer_lock_if_free(engine) as free:
            assert free
    finally:
        engine.dispose()


def test_fetch_rows_stores_timestamps_as_sqlalchemy_does(store_url: str) -> None:
    # Rows written by either path are compared with each other (a nonce's expiry against
    # the prune's "now"): the same instant must be stored the same way.
    from accord.store import exchange_nonces, fetch_rows

    engine = create_engine(store_url)
    at = datetime(2026, 12, 5, 18, 10, 15, 123456, tzinfo=UTC)
    elsewhere = at.astimezone(timezone(timedelta(hours=5, minutes=30)))
    insert = "INSERT INTO exchange_nonces (key_id, nonce, expires_at) VALUES (?, ?, ?)"
    try:
        with engine.begin() as conn:
            exchange_nonces.create(conn, checkfirst=True)
            conn.execute(
                exchange_nonces.insert(), {"key_id": "A", "nonce": "orm", "expires_at": at}
            )
            fetch_rows(conn, insert, ("A", "raw", at))
            fetch_rows(conn, insert, ("A", "elsewhere", elsewhere))
            with pytest.raises(ValueError, match="timezone-aware"):
                fetch_rows(conn, insert, ("A", "naive", at.replace(tzinfo=None)))
        with engine.connect() as conn:
            stored = fetch_rows(conn, "SELECT expires_at FROM exchange_nonces ORDER BY nonce")
            assert len({value for (value,) in stored}) == 1
            read = conn.execute(sa.select(exchange_nonces.c.expires_at)).scalars().all()
            assert read == [at, at, at]
            later = conn.execute(
                sa.select(sa.func.count()).where(
                    exchange_nonces.c.expires_at < at + timedelta(microseconds=1)
                )
            ).scalar()
            assert later == 3
    finally:
        engine.dispose()


def test_a_thread_holding_the_writer_lock_takes_it_again(tmp_path: Path) -> None:
    lock = WriterLock.of(tmp_path / "accord.db.writer")
    assert WriterLock.of(tmp_path / "accord.db.writer") is lock
    lock.acquire()
    lock.acquire()  # a second connection of the same thread: no wait on itself
    lock.release()
    with (tmp_path / "accord.db.writer").open("rb") as other, pytest.raises(BlockingIOError):
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # still held
    lock.release()


def test_every_governed_table_s_changes_move_the_governance_revision(
    workspace: Workspace,
) -> None:
    # The store's triggers, not its writers, change the revision: every insert, update
    # and delete of a table that decides a disclosure, whoever makes it (a random token
    # per table, drawn again: a restored backup never brings back a revision a process
    # kept later data under).
    from accord.privacy import register_opt_out, withdraw_opt_out
    from accord.store import GOVERNED, governance_revision, reading

    engine = workspace.engine
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            found = {
                (table, event)
                for table, event in conn.exec_driver_sql(
                    "SELECT tbl_name, upper(substr(name, length(tbl_name) + 13)) "
                    "FROM sqlite_master WHERE type = 'trigger'"
                )
            }
        else:
            found = {
                (table, event)
                for table, event in conn.exec_driver_sql(
                    "SELECT event_object_table, event_manipulation FROM information_schema.triggers"
                )
            }
    assert found >= {(t, e) for t in GOVERNED for e in ("INSERT", "UPDATE", "DELETE")}
    before = governance_revision(engine)
    register_opt_out(workspace, "national", "9434765919", by_role="test", reason="test")
    registered = governance_revision(engine)
    assert registered != before
    with reading(engine):  # one state of the store for a request: read once, then kept
        assert governance_revision(engine) == registered
        withdraw_opt_out(workspace, "national", "9434765919", by_role="test", reason="test")
        assert governance_revision(engine) == registered
    withdrawn = governance_revision(engine)
    assert withdrawn not in (before, registered)
    # A backup restored (the tokens as they were before) and changed again: the new
    # revision is none a process could have kept other data under.
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE governance_revision SET token = 1")
    restored = governance_revision(engine)
    register_opt_out(workspace, "national", "9434765919", by_role="test", reason="again")
    assert governance_revision(engine) not in (before, registered, withdrawn, restored)


def test_what_is_read_of_governed_tables_is_kept_while_the_revision_stays(
    sqlite_workspace: Workspace,
) -> None:
    from accord.privacy import register_opt_out
    from accord.store import Governed

    kept: Governed[str, int] = Governed()
    reads: list[str] = []

    def read(value: int | None) -> int | None:
        reads.append("read")
        return value

    engine = sqlite_workspace.engine
    assert kept.get(engine, "a", lambda: read(1)) == 1
    assert kept.get(engine, "a", lambda: read(2)) == 1  # kept: nothing governed changed
    assert kept.get(engine, "b", lambda: read(None)) is None
    assert kept.get(engine, "b", lambda: read(3)) == 3  # nothing found is not kept
    register_opt_out(sqlite_workspace, "national", "9434765919", by_role="t", reason="t")
    assert kept.get(engine, "a", lambda: read(4)) == 4  # the revision changed: read again
    assert reads == ["read"] * 4
