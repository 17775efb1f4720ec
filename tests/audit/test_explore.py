"""The explorer's reads on both stores: entries filtered by time, type, agreement and
recipient, paged by entry index both ways (bulk uses across pages); one entry with its
proof; the checkpoints paged, each with its signatures and any cosignature."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from accord import audit
from accord.audit import (
    BadQuery,
    DisclosureDecided,
    EntryFilter,
    LinkageRun,
    RecordsUnkeyed,
    checkpoints,
    proven_entry,
    search,
)
from accord.store import Workspace
from tests.audit.support import disclosed, drop_triggers, people, record_at

DECEMBER = datetime(2026, 12, 1, tzinfo=UTC)
JANUARY = datetime(2027, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def decided(agreement: str, requester: str = "hospital") -> DisclosureDecided:
    return DisclosureDecided(agreement=agreement, requester=requester, purpose="care",
                             permitted=True)  # fmt: skip


def indices(ws: Workspace, where: EntryFilter | None = None, **paging: int) -> list[int]:
    return [e.index for e in search(ws, where, **paging).entries]


def test_each_filter_narrows_the_entries_newest_first(workspace: Workspace) -> None:
    record_at(workspace, decided("dsa-1"), DECEMBER - TICK)  # 0: before December
    record_at(workspace, decided("dsa-1"), DECEMBER)  # 1
    record_at(workspace, decided("dsa-2", "council"), DECEMBER + timedelta(days=3))  # 2
    record_at(workspace, LinkageRun(left="a", right="b", mode="private", pairs=1,
                                    agreement="dsa-1"), DECEMBER + timedelta(days=4))  # fmt: skip
    record_at(workspace, RecordsUnkeyed(use="records.disclosed", rows=2, dataset="gp",
                                        agreement="dsa-2", recipient="council"),
              JANUARY - TICK)  # 4  # fmt: skip
    record_at(workspace, decided("dsa-1"), JANUARY)  # 5: after December

    assert indices(workspace) == [5, 4, 3, 2, 1, 0]
    december = EntryFilter(since=DECEMBER, until=JANUARY)
    assert indices(workspace, december) == [4, 3, 2, 1]
    assert indices(workspace, EntryFilter(types=frozenset({"disclosure.decided"}))) == [5, 2, 1, 0]
    assert indices(workspace, EntryFilter(agreement="dsa-1")) == [5, 3, 1, 0]
    # The recipient is a disclosure's recipient or a decision's requester.
    assert indices(workspace, EntryFilter(recipient="council")) == [4, 2]
    both = EntryFilter(since=DECEMBER, until=JANUARY, agreement="dsa-2", recipient="council",
                       types=frozenset({"records.unkeyed", "linkage.run"}))  # fmt: skip
    assert indices(workspace, both) == [4]
    assert indices(workspace, EntryFilter(agreement="dsa-3")) == []
    found = search(workspace, EntryFilter(agreement="dsa-2")).entries
    assert [e.event.name for e in found] == ["records.unkeyed", "disclosure.decided"]
    assert found[1].at == DECEMBER + timedelta(days=3)


def test_values_match_exactly_not_as_patterns_or_in_another_case(workspace: Workspace) -> None:
    for agreement in ("dsa-1", "dsa_1", "DSA-1", "dsa-10"):
        audit.record(workspace, decided(agreement, requester=agreement.upper()))
    assert indices(workspace, EntryFilter(agreement="dsa-1")) == [0]
    assert indices(workspace, EntryFilter(agreement="dsa_1")) == [1]
    assert indices(workspace, EntryFilter(agreement="dsa%")) == []
    assert indices(workspace, EntryFilter(recipient="DSA-1")) == [2, 0]


def test_pages_walk_older_and_back_newer_through_a_bulk_use(workspace: Workspace) -> None:
    persons = people(workspace, 7)
    audit.record(workspace, decided("dsa-1"))  # 0
    with audit.transaction(workspace) as tx:  # 1-7: one body, seven entries
        tx.record_each(disclosed(persons[0]), persons)
    audit.record(workspace, decided("other"))  # 8
    audit.record(workspace, decided("dsa-1"), decided("dsa-1"))  # 9, 10
    everything = indices(workspace, limit=100)
    assert everything == list(range(10, -1, -1))

    page = search(workspace, limit=4)
    assert ([e.index for e in page.entries], page.newer, page.older) == ([10, 9, 8, 7], None, 7)
    page = search(workspace, before=7, limit=4)
    assert ([e.index for e in page.entries], page.newer, page.older) == ([6, 5, 4, 3], 6, 3)
    page = search(workspace, before=3, limit=4)
    assert ([e.index for e in page.entries], page.newer, page.older) == ([2, 1, 0], 2, None)
    page = search(workspace, after=2, limit=4)  # back: the newer page starts mid-body
    assert ([e.index for e in page.entries], page.newer, page.older) == ([6, 5, 4, 3], 6, 3)
    page = search(workspace, after=6, limit=4)
    assert ([e.index for e in page.entries], page.newer, page.older) == ([10, 9, 8, 7], None, 7)

    gp = EntryFilter(agreement="gp-hospital-risk")  # the bulk use's agreement
    page = search(workspace, gp, limit=5)
    assert ([e.index for e in page.entries], page.older) == ([7, 6, 5, 4, 3], 3)
    assert {e.event.person for e in page.entries} == set(persons[2:])  # type: ignore[attr-defined]
    page = search(workspace, gp, before=3, limit=5)
    assert ([e.index for e in page.entries], page.newer, page.older) == ([2, 1], 2, None)
    ours = EntryFilter(agreement="dsa-1")
    page = search(workspace, ours, after=0, limit=1)
    assert ([e.index for e in page.entries], page.newer, page.older) == ([9], 9, 9)


def test_a_question_that_cannot_be_asked_is_refused(workspace: Workspace) -> None:
    with pytest.raises(BadQuery, match="aware"):
        EntryFilter(since=datetime(2026, 12, 1))
    with pytest.raises(BadQuery, match="agreement"):
        EntryFilter(agreement="x" * 201)
    with pytest.raises(BadQuery, match="one line"):
        EntryFilter(recipient="a\nb")
    with pytest.raises(BadQuery, match="not both"):
        search(workspace, before=3, after=1)


def test_an_entry_comes_with_the_proof_that_it_is_in_the_signed_log(workspace: Workspace) -> None:
    persons = people(workspace, 3)
    with audit.transaction(workspace) as tx:
        tx.record_each(disclosed(persons[0]), persons)
    audit.record(workspace, decided("dsa-1"))
    found = proven_entry(workspace, 1)
    assert found.logged.index == 1
    assert found.logged.event.person == persons[1]  # type: ignore[attr-defined]
    assert found.text == _texts(workspace)[1]
    assert found.checkpoint.size == 4
    audit.verify_inclusion(1, 4, audit.leaf_hash(found.text.encode()), list(found.proof),
                           found.checkpoint.root)  # fmt: skip
    assert found.note == audit.latest_checkpoint(workspace)
    for missing in (4, -1):
        with pytest.raises(audit.AuditError, match=f"no entry {missing}"):
            proven_entry(workspace, missing)


def _texts(ws: Workspace) -> list[str]:
    from tests.audit.support import texts

    return texts(ws)


def test_an_altered_entry_has_no_proof(workspace: Workspace) -> None:
    audit.record(workspace, decided("dsa-1"))
    audit.record(workspace, decided("dsa-2"))
    drop_triggers(workspace)
    with workspace.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_bodies SET head = replace(head, 'dsa-2', 'dsa-9')"))
    with pytest.raises(audit.AuditError, match="entry 1 was changed"):
        proven_entry(workspace, 1)


def test_checkpoints_page_newest_first_with_their_signatures(workspace: Workspace) -> None:
    for n in range(5):
        audit.record(workspace, decided(f"dsa-{n}"))  # one checkpoint each: sizes 1 to 5
    page = checkpoints(workspace, limit=2)
    assert [c.checkpoint.size for c in page.checkpoints] == [5, 4]
    assert (page.newer, page.older) == (None, 4)
    page = checkpoints(workspace, before=4, limit=2)
    assert [c.checkpoint.size for c in page.checkpoints] == [3, 2]
    assert (page.newer, page.older) == (3, 2)
    page = checkpoints(workspace, after=3, limit=2)
    assert [c.checkpoint.size for c in page.checkpoints] == [5, 4]
    assert (page.newer, page.older) == (None, 4)
    newest = checkpoints(workspace, limit=1).checkpoints[0]
    assert newest.verified
    assert newest.note == audit.latest_checkpoint(workspace)
    (own,) = newest.signatures
    name, _ = audit.parse_verifier_key(audit.node_verifier_key(workspace))
    assert (own.name, own.node, len(own.key_id)) == (name, True, 8)
    assert newest.cosignatures == ()


def test_a_cosignature_is_shown_and_an_altered_note_is_not_verified(workspace: Workspace) -> None:
    audit.record(workspace, decided("dsa-1"))
    audit.record(workspace, decided("dsa-2"))
    drop_triggers(workspace)
    witness = "witness.example/log " + base64.b64encode(b"\x01\x02\x03\x04" + b"s" * 72).decode()
    with workspace.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_checkpoints SET note = note || :line WHERE size = 2"),
                     {"line": f"\u2014 {witness}\n"})  # fmt: skip
        conn.execute(sa.text("UPDATE audit_checkpoints SET note = replace(note, '\n1\n', "
                             "'\n7\n') WHERE size = 1"))  # fmt: skip
    second, first = checkpoints(workspace).checkpoints
    assert second.verified
    assert [(s.name, s.key_id, s.node) for s in second.cosignatures] == [
        ("witness.example/log", "01020304", False)
    ]
    assert [s.node for s in second.signatures] == [True, False]
    assert not first.verified
    assert first.checkpoint.size == 1  # the row's values, not the altered note's
    assert not any(s.node for s in first.signatures)
