"""Reading the log by event type and time range (``audit.recorded_between``), on both
stores: the boundaries, bulk uses, and the index that keeps it off the rest of the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from accord import audit
from accord.audit import DisclosureDecided, LinkageRun
from accord.store import Workspace
from tests.audit.support import disclosed, people, record_at

DECEMBER = datetime(2026, 12, 1, tzinfo=UTC)
JANUARY = datetime(2027, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def decided(requester: str) -> DisclosureDecided:
    return DisclosureDecided(agreement="dsa", requester=requester, purpose="p", permitted=True)


def test_a_month_holds_its_first_and_last_microsecond_and_nothing_either_side(
    workspace: Workspace,
) -> None:
    for requester, at in (("before", DECEMBER - TICK), ("first", DECEMBER),
                          ("last", JANUARY - TICK), ("after", JANUARY)):  # fmt: skip
        record_at(workspace, decided(requester), at)
    record_at(workspace, LinkageRun(left="a", right="b", mode="private", pairs=1), DECEMBER)
    found = list(audit.recorded_between(workspace, ["disclosure.decided"], DECEMBER, JANUARY))
    assert [e.event.requester for e in found] == ["first", "last"]  # type: ignore[attr-defined]
    assert [e.index for e in found] == [1, 2]
    assert [e.at for e in found] == [DECEMBER, JANUARY - TICK]
    assert list(audit.recorded_between(workspace, ["linkage.run"], JANUARY, DECEMBER)) == []
    assert list(audit.recorded_between(workspace, [], DECEMBER, JANUARY)) == []


def test_entries_read_by_type_are_the_entries_the_log_holds(workspace: Workspace) -> None:
    persons = people(workspace, 5)
    audit.record(workspace, decided("gp"))
    with audit.transaction(workspace) as tx:  # one body, five entries
        tx.record_each(disclosed(persons[0]), persons)
    audit.record(workspace, decided("council"), LinkageRun(left="a", right="b", mode="x", pairs=2))
    with audit.transaction(workspace) as tx:
        tx.record_each(disclosed(persons[0], 1), persons[:2])
    everything = list(audit.entries(workspace))
    now = datetime.now(UTC)
    kinds = ["records.disclosed", "disclosure.decided"]
    found = list(audit.recorded_between(workspace, kinds, now - timedelta(hours=1), now + TICK))
    assert found == [e for e in everything if e.event.name in kinds]
    assert [e.index for e in found] == [0, 1, 2, 3, 4, 5, 6, 8, 9]


def test_a_naive_time_is_refused(workspace: Workspace) -> None:
    with pytest.raises(audit.AuditError, match="aware"):
        list(audit.recorded_between(workspace, ["x.y"], datetime(2026, 12, 1), JANUARY))


def test_the_month_is_found_by_the_type_and_time_index(sqlite_workspace: Workspace) -> None:
    """The plans SQLite makes: the bodies by the (type, recorded_at) index, their entries
    by primary key; no table is scanned (what keeps a month fast in a log of millions:
    docs/audit.md gives the measured time)."""
    persons = people(sqlite_workspace, 3)
    audit.record(sqlite_workspace, decided("gp"))
    with audit.transaction(sqlite_workspace) as tx:
        tx.record_each(disclosed(persons[0]), persons)
    audit.record(sqlite_workspace, decided("council"))
    captured: list[tuple[str, object]] = []

    @sa.event.listens_for(sqlite_workspace.engine, "before_cursor_execute")
    def capture(_c: object, _cur: object, statement: str, params: object, *_r: object) -> None:
        if statement.startswith("SELECT") and "audit_" in statement:
            captured.append((statement, params))

    now = datetime.now(UTC)
    kinds = ["disclosure.decided", "records.disclosed"]
    found = list(audit.recorded_between(sqlite_workspace, kinds, now - timedelta(hours=1), now))
    sa.event.remove(sqlite_workspace.engine, "before_cursor_execute", capture)
    assert [e.index for e in found] == [0, 1, 2, 3, 4]
    with sqlite_workspace.engine.connect() as conn:
        plans = [
            [str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                      params)]  # type: ignore[arg-type]
            for statement, params in captured
        ]  # fmt: skip
    assert len(plans) == 3  # the bodies (and single entries); the bulk body's end; its run
    assert any("ix_audit_bodies_type_recorded_at" in step for step in plans[0]), plans[0]
    for plan in plans:
        assert not any(step.startswith("SCAN") for step in plan), plans


def test_the_leaf_of_an_entry_is_its_hash(workspace: Workspace) -> None:
    audit.record(workspace, decided("gp"), decided("council"))
    document = audit.export(workspace, 1, 2)
    text = document["entries"][0]["entry"]
    assert audit.leaf(workspace, 1) == audit.leaf_hash(text.encode())
    with pytest.raises(audit.AuditError, match="no entry 7"):
        audit.leaf(workspace, 7)
