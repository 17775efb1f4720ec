"""Recording, batching, checkpoints and proofs on both stores."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from accord import audit
from accord.audit import (
    EVENT_TYPES,
    DisclosureDecided,
    Event,
    LinkageRun,
    UnknownEventType,
    log,
)
from accord.store import Workspace, audit_outbox, datasets
from tests import loops
from tests.audit.support import disclosed, people, texts


def _count(ws: Workspace, table: str) -> int:
    with ws.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_every_event_type_has_a_stable_name_and_a_docstring() -> None:
    assert len(EVENT_TYPES) >= 14
    for name, cls in EVENT_TYPES.items():
        assert cls.name == name
        assert "." in name
        assert (cls.__doc__ or "").strip().endswith(".")
        assert dataclasses.is_dataclass(cls)
        assert cls.__dataclass_params__.frozen


def test_unknown_types_are_refused_and_nothing_is_written(workspace: Workspace) -> None:
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Unregistered(Event):
        """Not registered."""

        name: ClassVar[str] = "unregistered.thing"

    run = LinkageRun(left="a", right="b", mode="private", pairs=3)
    with pytest.raises(UnknownEventType, match="Unregistered"):
        audit.record(workspace, run, Unregistered())
    with pytest.raises(UnknownEventType):
        audit.record(workspace, "dataset.ingested")  # type: ignore[arg-type]
    assert _count(workspace, "audit_entries") == 0
    assert _count(workspace, "audit_outbox") == 0


def test_a_type_this_process_never_registered_is_read_back_as_written(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Elsewhere(Event):
        """Registered by a context that a later reader does not import."""

        name: ClassVar[str] = "elsewhere.happened"
        what: str
        parts: tuple[str, ...]

    monkeypatch.setitem(EVENT_TYPES, Elsewhere.name, Elsewhere)  # as register_event does
    audit.record(workspace, Elsewhere(what="x", parts=("a", "b")))
    monkeypatch.delitem(EVENT_TYPES, "elsewhere.happened")  # a process that never imported it

    [logged] = [e for e in audit.entries(workspace) if e.event.name == "elsewhere.happened"]
    assert logged.event.fields() == {"what": "x", "parts": ["a", "b"]}
    audit.verify(workspace)  # raises on a failure
    with pytest.raises(UnknownEventType):  # read back, never recorded again
        audit.record(workspace, logged.event)


def test_events_reach_the_log_only_when_their_transaction_commits(workspace: Workspace) -> None:
    decided = DisclosureDecided(agreement="a1", requester="hospital", purpose="care",
                                permitted=False, reasons=("no agreement in force",))  # fmt: skip

    def fails() -> None:
        with audit.transaction(workspace) as tx:
            tx.conn.execute(datasets.insert().values(name="x", created_at=sa.func.now()))
            tx.record(decided)
            raise RuntimeError("the cause failed")

    with pytest.raises(RuntimeError):
        fails()
    assert _count(workspace, "audit_entries") == 0
    assert _count(workspace, "audit_outbox") == 0
    assert _count(workspace, "datasets") == 0
    with audit.transaction(workspace) as tx:
        tx.record(decided)
        with workspace.engine.connect() as other:  # not yet committed: nothing in the log
            assert other.execute(sa.text("SELECT count(*) FROM audit_entries")).scalar() == 0
    assert _count(workspace, "audit_entries") == 1
    assert _count(workspace, "audit_outbox") == 0


def test_a_batch_is_one_tree_update_and_one_checkpoint(workspace: Workspace) -> None:
    persons = people(workspace, 7)
    with workspace.engine.begin() as conn:
        audit.record(workspace, *(disclosed(p) for p in persons), within=conn)
    assert audit.flush(workspace, batch=3) == 7
    with workspace.engine.connect() as conn:
        sizes = conn.execute(sa.text("SELECT size FROM audit_checkpoints ORDER BY size"))
        assert list(sizes.scalars()) == [3, 6, 7]
    assert audit.verify(workspace).size == 7


def test_entries_are_canonical_json_naming_their_index(workspace: Workspace) -> None:
    audit.record(workspace, LinkageRun(left="gp", right="hospital", mode="private", pairs=9))
    (text,) = texts(workspace)
    entry = json.loads(text)
    assert entry["index"] == 0
    assert entry["type"] == "linkage.run"
    assert entry["event"]["pairs"] == 9
    assert text == json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_inclusion_and_consistency_proofs_verify_against_signed_checkpoints(
    workspace: Workspace,
) -> None:
    key = audit.node_verifier_key(workspace)
    name, public = audit.parse_verifier_key(key)
    audit.record(workspace, *(disclosed(p) for p in people(workspace, 5)))
    first = audit.open_note(audit.latest_checkpoint(workspace), name, public)
    audit.record(workspace, *(disclosed(p) for p in people(workspace, 6)))
    second = audit.open_note(audit.latest_checkpoint(workspace), name, public)
    assert (first.size, second.size) == (5, 11)
    proof = audit.consistency(workspace, 5, 11)
    audit.verify_consistency(5, 11, first.root, second.root, proof)
    with workspace.engine.connect() as conn:
        leaf = conn.execute(sa.text("SELECT leaf_hash FROM audit_entries WHERE idx = 3")).scalar()
    audit.verify_inclusion(3, 11, bytes(leaf), audit.inclusion(workspace, 3, 11), second.root)


def test_an_export_verifies_offline_and_a_changed_entry_does_not(workspace: Workspace) -> None:
    audit.record(workspace, *(disclosed(p, n) for n, p in enumerate(people(workspace, 9))))
    document = json.loads(json.dumps(audit.export(workspace, 2, 6)))
    key = audit.node_verifier_key(workspace)
    assert audit.verify_export(document, key).size == 9
    assert [e["index"] for e in document["entries"]] == [2, 3, 4, 5]
    document["entries"][1]["entry"] = document["entries"][1]["entry"].replace("(3)", "(4)")
    with pytest.raises(audit.BadExport, match="entry 3"):
        audit.verify_export(document, key)


def test_each_flush_continues_the_tree(workspace: Workspace) -> None:
    """Events staged by hand, flushed one small batch at a time: one tree, four checkpoints."""
    for n in range(4):
        with workspace.engine.begin() as conn:
            body = json.dumps({"left": "a", "right": "b", "mode": "x", "pairs": n})
            now = sa.func.now()
            conn.execute(
                audit_outbox.insert().values(type="linkage.run", body=body, recorded_at=now)
            )
        audit.flush(workspace, batch=2)
    assert audit.verify(workspace).checkpoints == 4


def test_record_each_stages_one_event_per_person_exactly_as_record_would(
    workspace: Workspace,
) -> None:
    persons = people(workspace, 25)
    template = disclosed(persons[0], 3)
    with audit.transaction(workspace) as tx:
        assert tx.record_each(template, iter(persons)) == 25
    audit.record(workspace, *(dataclasses.replace(template, person=p) for p in persons))

    logged = list(audit.entries(workspace))
    bodies = [json.loads(text)["event"] for text in texts(workspace)]
    assert bodies[:25] == bodies[25:]
    assert [e.event for e in logged[:25]] == [dataclasses.replace(template, person=p)
                                              for p in persons]  # fmt: skip
    assert [e.index for e in logged] == list(range(50))
    assert len(audit.uses(workspace, persons[3])) == 2


def test_record_each_refuses_what_is_not_a_person_key_and_stages_nothing(
    workspace: Workspace,
) -> None:
    run = LinkageRun(left="a", right="b", mode="private", pairs=3)
    with pytest.raises(audit.AuditError, match="not about one person"):
        audit.record_each(workspace, run, ["ab" * 32])
    good = people(workspace, 2)
    with pytest.raises(audit.AuditError, match="is not a person key"):
        audit.record_each(workspace, disclosed(good[0]), [good[1], "9434765919"])
    assert _count(workspace, "audit_outbox") == _count(workspace, "audit_entries") == 0


def test_a_file_published_in_a_transaction_appears_only_if_it_commits(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    ws = sqlite_workspace
    run = LinkageRun(left="a", right="b", mode="private", pairs=3)
    (tmp_path / "one.partial").write_text("one")
    with audit.transaction(ws) as tx:
        tx.record(run)
        tx.publish(tmp_path / "one.partial", tmp_path / "one.csv")
        assert not (tmp_path / "one.csv").exists()  # moved as the last act only
    assert (tmp_path / "one.csv").read_text() == "one"

    (tmp_path / "two.partial").write_text("two")

    def work_fails() -> None:
        with audit.transaction(ws) as tx:
            tx.record(run)
            tx.publish(tmp_path / "two.partial", tmp_path / "two.csv")
            raise RuntimeError("the work failed")

    def move_fails() -> None:
        with audit.transaction(ws) as tx:
            tx.record(run)
            tx.publish(tmp_path / "gone.partial", tmp_path / "one.csv")

    with pytest.raises(RuntimeError):
        work_fails()
    assert not (tmp_path / "two.csv").exists()
    with pytest.raises(FileNotFoundError):
        move_fails()
    assert (tmp_path / "one.csv").read_text() == "one"  # the file it would replace is kept
    assert [e.event for e in audit.entries(ws)] == [run]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.csv", "two.partial", "ws"]


def test_staff_acts_need_a_role_and_a_reason_each_one_bounded_line() -> None:
    assert audit.staff_act(" data steward ", " checking a complaint ") == (
        "data steward", "checking a complaint",
    )  # fmt: skip
    for role, reason in (("", "why"), ("steward", ""), ("  ", "why"), ("a\nb", "why"),
                         ("steward", "x" * 1001), ("r" * 101, "why")):  # fmt: skip
        with pytest.raises(audit.MissingReason):
            audit.staff_act(role, reason)


def test_a_declaration_names_the_events_a_function_records() -> None:
    @audit.audited(LinkageRun, DisclosureDecided)
    def runs() -> None:
        """A use that records two kinds of event."""

    assert audit.declared_events(runs) == ("linkage.run", "disclosure.decided")
    assert audit.declared_events(test_a_declaration_names_the_events_a_function_records) is None


def test_a_flush_with_nothing_staged_writes_nothing(workspace: Workspace) -> None:
    # Concurrent requests share appends: a flush that finds its events appended by
    # another's must neither wait for the appenders' lock nor commit (wait for the disk).
    decided = DisclosureDecided(agreement="a1", requester="hospital", purpose="care",
                                permitted=False, reasons=("no agreement in force",))  # fmt: skip
    audit.record(workspace, decided)
    with workspace.engine.connect() as holder:
        holder.execute(sa.text("UPDATE audit_head SET size = size WHERE id = 1"))  # the lock
        assert audit.flush(workspace) == 0  # returns at once, the lock still held
        holder.rollback()
    assert _count(workspace, "audit_checkpoints") == 1


def test_a_deferred_transaction_appends_its_events_as_it_ends(workspace: Workspace) -> None:
    decided = DisclosureDecided(agreement="a1", requester="hospital", purpose="care",
                                permitted=True)  # fmt: skip
    checkpoints = _count(workspace, "audit_checkpoints")
    with audit.transaction(workspace, deferred=True) as tx:
        # No connection held while the block works: its reads take their own.
        assert workspace.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        with pytest.raises(audit.AuditError, match="holds no connection"):
            _ = tx.conn
        tx.record(decided)
        keys = people(workspace, 3)
        assert tx.record_each(disclosed(keys[0]), keys) == 3
        assert _count(workspace, "audit_outbox") == 0  # held, not staged: no write yet
        with pytest.raises(UnknownEventType):
            tx.record("dataset.ingested")  # type: ignore[arg-type]  # refused at once
    assert [json.loads(t)["type"] for t in texts(workspace)][-4:] == [
        "disclosure.decided", *["records.disclosed"] * 3]  # fmt: skip
    # Appended in the transaction that ended the block, never staged: one checkpoint.
    assert _count(workspace, "audit_checkpoints") == checkpoints + 1
    assert _count(workspace, "audit_outbox") == 0
    assert audit.verify(workspace).size == _count(workspace, "audit_entries")

    def fails() -> None:
        with audit.transaction(workspace, deferred=True) as tx:
            tx.record(decided)
            raise RuntimeError("the cause failed")

    with pytest.raises(RuntimeError):
        fails()
    assert _count(workspace, "audit_entries") == 4


def _in_one_group(ws: Workspace, one: Callable[[int], None], count: int = 5) -> None:
    """``one(0)`` ... ``one(count - 1)`` in threads, all ending while the turn to append is
    held (as if another thread were appending now): the next turn appends them together."""
    group = log._group(ws)
    with group.turn:
        threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
        for t in threads:
            t.start()
        while len(group.queue) < count:
            time.sleep(0.01)
    for t in threads:
        t.join()


class _Refused(Exception):
    pass


def _claim(table: str, refuse: bool, made: list[bool]) -> audit.Claim:
    """A claim that writes one row of ``table`` (a name), or refuses writing nothing."""

    def claim(conn: Connection) -> BaseException | None:
        made.append(True)
        if refuse:
            return _Refused("claimed before")
        conn.exec_driver_sql(f"INSERT INTO {table} (name) VALUES ('claimed')")
        return None

    return claim


def test_a_deferred_transaction_s_claim_commits_with_its_events_or_refuses_them(
    workspace: Workspace,
) -> None:
    # A claim (the exchange's: a request's nonce) is made in the commit of the events:
    # kept with them, or, refusing, none of them appended and its error raised.
    with workspace.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE claimed_names (name VARCHAR(20))")
    decided = DisclosureDecided(agreement="a1", requester="hospital", purpose="care",
                                permitted=True)  # fmt: skip
    entries, made = _count(workspace, "audit_entries"), []
    with audit.transaction(workspace, deferred=True,
                           claim=_claim("claimed_names", False, made)) as tx:  # fmt: skip
        tx.record(decided)
    assert made
    assert _count(workspace, "claimed_names") == 1
    assert _count(workspace, "audit_entries") == entries + 1
    with (
        pytest.raises(_Refused, match="claimed before"),
        audit.transaction(
            workspace, deferred=True, claim=_claim("claimed_names", True, made)
        ) as tx,  # fmt: skip
    ):
        tx.record(decided)
    assert _count(workspace, "audit_entries") == entries + 1  # nothing of the refused one
    made.clear()

    def fails() -> None:
        with audit.transaction(workspace, deferred=True,
                               claim=_claim("claimed_names", False, made)) as tx:  # fmt: skip
            tx.record(decided)
            raise RuntimeError("the work failed")

    with pytest.raises(RuntimeError):
        fails()
    assert not made  # a block that raises makes no claim
    with (
        pytest.raises(audit.AuditError, match="only a deferred"),
        audit.transaction(workspace, claim=_claim("claimed_names", False, made)),
    ):
        pass
    assert _count(workspace, "claimed_names") == 1
    assert audit.verify(workspace).size == _count(workspace, "audit_entries")


def test_a_refused_claim_leaves_out_only_its_own_events_from_a_group(
    sqlite_workspace: Workspace,
) -> None:
    ws = sqlite_workspace
    with ws.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE claimed_names (name VARCHAR(20))")
    entries = _count(ws, "audit_entries")
    outcomes: dict[int, str] = {}

    def one(n: int) -> None:
        try:
            with audit.transaction(ws, deferred=True,
                                   claim=_claim("claimed_names", n == 2, [])) as tx:  # fmt: skip
                tx.record(DisclosureDecided(agreement=f"a{n}", requester="hospital",
                                            purpose="care", permitted=True))  # fmt: skip
            outcomes[n] = "appended"
        except _Refused:
            outcomes[n] = "refused"

    _in_one_group(ws, one)
    assert outcomes == {0: "appended", 1: "appended", 2: "refused", 3: "appended",
                        4: "appended"}  # fmt: skip
    assert _count(ws, "claimed_names") == 4
    agreements = {json.loads(t)["event"]["agreement"] for t in texts(ws)[entries:]}
    assert agreements == {"a0", "a1", "a3", "a4"}
    assert audit.verify(ws).size == _count(ws, "audit_entries") == entries + 4


def test_deferred_transactions_of_one_process_append_together_on_sqlite(
    sqlite_workspace: Workspace,
) -> None:
    # Group commit: transactions that end while another is appending wait, and the
    # next turn appends them all in one transaction (one checkpoint, one wait for disk).
    ws = sqlite_workspace
    checkpoints = _count(ws, "audit_checkpoints")

    def one(n: int) -> None:
        with audit.transaction(ws, deferred=True) as tx:
            tx.record(DisclosureDecided(agreement=f"a{n}", requester="hospital",
                                        purpose="care", permitted=True))  # fmt: skip

    _in_one_group(ws, one)
    assert _count(ws, "audit_checkpoints") == checkpoints + 1
    agreements = {json.loads(t)["event"]["agreement"] for t in texts(ws)[-5:]}
    assert agreements == {f"a{n}" for n in range(5)}
    assert audit.verify(ws).size == _count(ws, "audit_entries")


def test_a_writer_busy_with_several_gathers_the_next_but_one_after_another_never_wait(
    sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A group costs the writer about as much for one transaction as for several: while
    # transactions come several at a time, the writer waits (up to GATHER) for company
    # before it appends; a caller sending one after another is never held back.
    monkeypatch.setattr(log, "GATHER", 60.0)  # so a wait, if any, cannot go unnoticed
    monkeypatch.setattr(log, "GATHER_COUNT", 2)
    ws = sqlite_workspace
    group = log._group(ws)
    row = log._Pending(None, "disclosure.decided", json.dumps({"event": {}}), None,
                       datetime.now(UTC))  # fmt: skip
    for _ in range(3):  # one after another: each appended at once, alone
        alone = Future[None]()
        group.submit(ws, [row], None, alone)
        alone.result(timeout=30)
    with group.turn:  # two at a time: one group, and the writer is busy now
        together = [Future[None](), Future[None]()]
        for done in together:
            group.submit(ws, [row], None, done)
    for done in together:
        done.result(timeout=30)
    checkpoints = _count(ws, "audit_checkpoints")
    first, second = Future[None](), Future[None]()
    group.submit(ws, [row], None, first)
    time.sleep(0.3)
    assert not first.done()  # waiting for company
    group.submit(ws, [row], None, second)
    first.result(timeout=30)
    second.result(timeout=30)
    assert _count(ws, "audit_checkpoints") == checkpoints + 1  # both in one group
    assert audit.verify(ws).size == _count(ws, "audit_entries")


def test_a_group_that_cannot_append_fails_every_transaction_in_it_and_appends_none(
    sqlite_workspace: Workspace,
) -> None:
    # The rows of a group commit or roll back together: one transaction's row the log
    # cannot take fails the others queued with it, each told so, and none is appended.
    ws = sqlite_workspace
    before, checkpoints = _count(ws, "audit_entries"), _count(ws, "audit_checkpoints")
    group = log._group(ws)
    good = log._Pending(None, "disclosure.decided", json.dumps({"event": {}}), None,
                        datetime.now(UTC))  # fmt: skip
    bad = good._replace(body="not a JSON body")
    settled: list[Future[None]] = []
    with group.turn:  # as if the writer were appending now: both wait for the next turn
        for rows in ([good], [bad]):
            settled.append(Future())
            group.submit(ws, rows, None, settled[-1])
    for done in settled:
        with pytest.raises(audit.AuditError, match="the audit log could not append"):
            done.result(timeout=60)
    assert (_count(ws, "audit_entries"), _count(ws, "audit_checkpoints")) == (before, checkpoints)
    assert audit.verify(ws).size == before


def test_a_deferred_transaction_not_waited_for_is_committed_when_its_future_is_done(
    workspace: Workspace,
) -> None:
    # wait=False: the block's end does not wait for the append (an event loop goes on
    # serving); its future is done once the events are committed, or fails as the
    # block's end would have (a refused claim: none of its events appended).
    entries = _count(workspace, "audit_entries")
    decided = DisclosureDecided(agreement="a1", requester="hospital", purpose="care",
                                permitted=True)  # fmt: skip
    with audit.transaction(workspace, deferred=True, wait=False) as tx:
        tx.record(decided)
    tx.committed.result(timeout=60)
    assert _count(workspace, "audit_entries") == entries + 1
    made: list[bool] = []
    with audit.transaction(workspace, deferred=True, wait=False,
                           claim=_claim("nowhere", True, made)) as refused:  # fmt: skip
        refused.record(decided)
    with pytest.raises(_Refused):
        refused.committed.result(timeout=60)
    assert made == [True]
    assert _count(workspace, "audit_entries") == entries + 1
    with (
        pytest.raises(audit.AuditError, match="not waited for"),
        audit.transaction(workspace, wait=False),
    ):
        pass
    assert audit.verify(workspace).size == entries + 1


def test_transactions_ended_in_one_turn_of_an_event_loop_are_appended_on_it_together(
    sqlite_workspace: Workspace,
) -> None:
    # on_loop (a node of one worker): what the loop's requests end in one turn is
    # appended on the loop itself once the turn's callbacks have run, one group, with no
    # writer thread woken; each caller awaits its future.
    ws = sqlite_workspace
    group = log._group(ws)
    entries, checkpoints = _count(ws, "audit_entries"), _count(ws, "audit_checkpoints")
    threads: set[str] = set()

    async def three() -> None:
        ended: list[Future[None]] = []
        for n in range(3):
            with audit.transaction(ws, deferred=True, wait=False, on_loop=True) as tx:
                tx.record(DisclosureDecided(agreement=f"a{n}", requester="hospital",
                                            purpose="care", permitted=True))  # fmt: skip
            ended.append(tx.committed)
        assert not any(done.done() for done in ended)  # not before the turn ends
        original = group._append

        def appending(ws_: Workspace) -> int:
            threads.add(threading.current_thread().name)
            return original(ws_)

        group._append = appending  # type: ignore[method-assign]
        try:
            await asyncio.gather(*(asyncio.wrap_future(done) for done in ended))
        finally:
            del group._append
        threads.add("loop: " + threading.current_thread().name)

    loops.run(three())
    appended_on = {t for t in threads if not t.startswith("loop: ")}
    loop_thread = {t.removeprefix("loop: ") for t in threads if t.startswith("loop: ")}
    assert appended_on == loop_thread  # on the loop's own thread, not a writer's
    assert not group.running
    assert _count(ws, "audit_entries") == entries + 3
    assert _count(ws, "audit_checkpoints") == checkpoints + 1
    with (
        pytest.raises(audit.AuditError, match="not waited for"),
        audit.transaction(ws, on_loop=True),
    ):
        pass


def test_an_event_loop_never_waits_for_another_s_commit_the_writer_thread_does(
    sqlite_workspace: Workspace,
) -> None:
    # A loop's group is appended on the loop only if nothing else holds the store's
    # writer lock (a share's append in a thread, another process): else the writer
    # thread appends it, and the loop goes on serving meanwhile.
    ws = sqlite_workspace
    group = log._group(ws)
    held, release = threading.Event(), threading.Event()

    def holding() -> None:  # another writer, mid-transaction
        with ws.engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_head SET size = size"))
            held.set()
            release.wait(60)

    other = threading.Thread(target=holding)
    other.start()
    assert held.wait(60)
    appended_by: list[str] = []
    original = group._append

    def appending(ws_: Workspace) -> int:
        appended_by.append(threading.current_thread().name)
        return original(ws_)

    async def meanwhile() -> int:
        with audit.transaction(ws, deferred=True, wait=False, on_loop=True) as tx:
            tx.record(DisclosureDecided(agreement="a", requester="hospital",
                                        purpose="care", permitted=True))  # fmt: skip
        ticks = 0
        while not tx.committed.done():
            await asyncio.sleep(0.01)  # the loop turns while the other holds the lock
            ticks += 1
            if ticks == 20:
                release.set()
        await asyncio.wrap_future(tx.committed)
        return ticks

    group._append = appending  # type: ignore[method-assign]
    try:
        assert loops.run(meanwhile()) >= 20
    finally:
        del group._append
        release.set()
        other.join()
    assert appended_by == ["accord-audit-writer"]
    assert audit.verify(ws).size == _count(ws, "audit_entries")


def test_a_loop_that_cannot_even_try_the_lock_leaves_its_group_to_the_writer_thread(
    sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The lock's file unopenable, a thread not to be had: never a request left waiting.
    ws = sqlite_workspace
    group = log._group(ws)

    def unopenable(_engine: object) -> object:
        raise OSError("accord.db.writer: permission denied")

    monkeypatch.setattr(log, "writer_lock_if_free", unopenable)

    async def one() -> None:
        with audit.transaction(ws, deferred=True, wait=False, on_loop=True) as tx:
            tx.record(DisclosureDecided(agreement="a", requester="hospital",
                                        purpose="care", permitted=True))  # fmt: skip
        await asyncio.wrap_future(tx.committed)  # appended by the writer thread

    before = _count(ws, "audit_entries")
    loops.run(one())
    assert _count(ws, "audit_entries") == before + 1

    def no_thread(_group: object) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(log._Group, "_start", no_thread)
    while group.running:  # the last writer gone (it lingers a second)
        time.sleep(0.05)

    async def refused() -> None:
        with audit.transaction(ws, deferred=True, wait=False, on_loop=True) as tx:
            tx.record(DisclosureDecided(agreement="b", requester="hospital",
                                        purpose="care", permitted=True))  # fmt: skip
        with pytest.raises(audit.AuditError, match="can't start new thread"):
            await asyncio.wrap_future(tx.committed)

    loops.run(refused())
    assert _count(ws, "audit_entries") == before + 1
    assert not group.queue


def test_a_transaction_whose_caller_stopped_waiting_is_left_out_and_the_rest_append(
    sqlite_workspace: Workspace,
) -> None:
    # A request cancelled while its commit was queued (a client gone, a server stopping:
    # asyncio cancels the future it awaits) is not appended, and sends nothing; the
    # others of its group are appended, and the writer goes on to the next.
    ws = sqlite_workspace
    group = log._group(ws)
    before = _count(ws, "audit_entries")
    row = log._Pending(None, "disclosure.decided", json.dumps({"event": {}}), None,
                       datetime.now(UTC))  # fmt: skip
    gone, kept, later = Future[None](), Future[None](), Future[None]()

    async def cancelled() -> None:
        with group.turn:  # as if the writer were appending now
            group.submit(ws, [row], None, gone)
            group.submit(ws, [row], None, kept)
            waiting = asyncio.ensure_future(asyncio.wrap_future(gone))
            await asyncio.sleep(0)
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
            await asyncio.sleep(0)  # the cancellation reaches the future it awaited
        assert gone.cancelled()

    loops.run(cancelled())
    kept.result(timeout=60)
    group.submit(ws, [row], None, later)
    later.result(timeout=60)
    assert _count(ws, "audit_entries") == before + 2
    assert audit.verify(ws).size == before + 2
