"""``verify`` catches an operator editing, deleting or reordering rows, triggers dropped."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from accord import audit
from accord.audit import LinkageRun, LogInconsistent
from accord.store import Workspace
from tests.audit.support import disclosed, drop_triggers, people, sql, texts


@pytest.fixture
def logged(workspace: Workspace) -> Workspace:
    """Twenty entries in three batches (checkpoints at 8, 16 and 20)."""
    with workspace.engine.begin() as conn:
        audit.record(workspace, *(disclosed(p, n) for n, p in enumerate(people(workspace, 20))),
                     within=conn)  # fmt: skip
    audit.flush(workspace, batch=8)
    assert audit.verify(workspace).size == 20
    return workspace


def test_the_triggers_refuse_changes(logged: Workspace) -> None:
    for statement in ("UPDATE audit_entries SET person = person WHERE idx = 1",
                      "DELETE FROM audit_entries WHERE idx = 19",
                      "UPDATE audit_bodies SET type = 'x' WHERE id = 1",
                      "DELETE FROM audit_checkpoints",
                      "UPDATE audit_nodes SET hash = hash"):  # fmt: skip
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            sql(logged, statement)


def _entry(ws: Workspace, idx: int) -> str:
    return texts(ws)[idx]


def _fails_at(ws: Workspace, entry: int, match: str | None = None) -> None:
    with pytest.raises(LogInconsistent, match=match) as caught:
        audit.verify(ws)
    assert caught.value.entry == entry, str(caught.value)


def test_an_edited_entry_is_named(logged: Workspace) -> None:
    drop_triggers(logged)
    sql(logged, "UPDATE audit_bodies SET tail = replace(tail, '(11)', '(99)') WHERE id = 11")
    _fails_at(logged, 11, "entry 11 was changed")


def test_an_entry_replaced_whole_is_named(logged: Workspace) -> None:
    drop_triggers(logged)
    sql(logged, "UPDATE audit_entries SET entry = :e WHERE idx = 11",
        e=_entry(logged, 11).replace("(11)", "(99)"))  # fmt: skip
    _fails_at(logged, 11, "entry 11 was changed")


def test_a_use_moved_to_another_person_is_named(logged: Workspace) -> None:
    """The person's key is part of the entry's hashed text, not an index beside it."""
    drop_triggers(logged)
    sql(logged, "UPDATE audit_entries SET person = (SELECT person FROM audit_entries "
                "WHERE idx = 6) WHERE idx = 5")  # fmt: skip
    _fails_at(logged, 5, "entry 5 was changed")


def test_an_edit_with_its_leaf_hash_recomputed_is_named(logged: Workspace) -> None:
    drop_triggers(logged)
    text = _entry(logged, 11).replace("(11)", "(99)")
    sql(logged, "UPDATE audit_bodies SET tail = replace(tail, '(11)', '(99)') WHERE id = 11")
    sql(logged, "UPDATE audit_entries SET leaf_hash = :h WHERE idx = 11",
        h=audit.leaf_hash(text.encode()))  # fmt: skip
    _fails_at(logged, 0, "subtree of entries 0 to 15")


def test_an_edit_with_every_stored_hash_rebuilt_is_caught_by_the_signature(
    logged: Workspace,
) -> None:
    """The operator recomputes leaf and subtree hashes: only the signed root knows."""
    drop_triggers(logged)
    text = _entry(logged, 11).replace("(11)", "(99)")
    sql(logged, "UPDATE audit_entries SET entry = :e, leaf_hash = :h WHERE idx = 11",
        e=text, h=audit.leaf_hash(text.encode()))  # fmt: skip
    sql(logged, "DELETE FROM audit_nodes")
    _rebuild_nodes(logged)
    _fails_at(logged, 8, "entries 8 to 15 do not agree with the node's signed checkpoint")


def test_a_deleted_entry_is_named(logged: Workspace) -> None:
    drop_triggers(logged)
    sql(logged, "DELETE FROM audit_entries WHERE idx = 5")
    _fails_at(logged, 5, "entry 5 is missing")


def test_deleting_the_newest_entries_is_caught(logged: Workspace) -> None:
    drop_triggers(logged)
    sql(logged, "DELETE FROM audit_entries WHERE idx >= 18")
    _fails_at(logged, 18)


def test_reordered_entries_are_named(logged: Workspace) -> None:
    """An entry's text names its own index: moved, it no longer hashes to its leaf."""
    drop_triggers(logged)
    sql(logged, "UPDATE audit_entries SET idx = -1 WHERE idx = 3")
    sql(logged, "UPDATE audit_entries SET idx = 3 WHERE idx = 4")
    sql(logged, "UPDATE audit_entries SET idx = 4 WHERE idx = -1")
    _fails_at(logged, 3, "entry 3 was changed")


def test_an_entry_kept_whole_must_name_its_own_index(logged: Workspace) -> None:
    """An entry carried over whole from an older store (and its leaf hash, rebuilt to
    match) still has to say where it sits."""
    drop_triggers(logged)
    text = _entry(logged, 4).replace('"index":4', '"index":3')
    sql(logged, "UPDATE audit_entries SET entry = :e, leaf_hash = :h WHERE idx = 4",
        e=text, h=audit.leaf_hash(text.encode()))  # fmt: skip
    _fails_at(logged, 4, "says it is entry 3")


def test_a_changed_checkpoint_is_caught(logged: Workspace) -> None:
    drop_triggers(logged)
    sql(logged, "UPDATE audit_checkpoints SET root = :r WHERE size = 16", r=b"\x00" * 32)
    _fails_at(logged, 16, "altered")


def test_truncation_is_caught_only_against_a_saved_checkpoint(logged: Workspace) -> None:
    """Cutting the log back to an earlier checkpoint leaves a log that agrees with itself;
    the checkpoint an auditor saved shows it."""
    saved = audit.latest_checkpoint(logged)
    drop_triggers(logged)
    sql(logged, "DELETE FROM audit_entries WHERE idx >= 16")
    sql(logged, "DELETE FROM audit_nodes")  # and every subtree, for simplicity's sake
    sql(logged, "DELETE FROM audit_checkpoints WHERE size > 16")
    sql(logged, "UPDATE audit_head SET size = 16")
    with pytest.raises(LogInconsistent):  # the subtrees were dropped too
        audit.verify(logged)
    _rebuild_nodes(logged)
    assert audit.verify(logged).size == 16  # alone, it agrees with itself
    with pytest.raises(LogInconsistent, match="truncated") as caught:
        audit.verify(logged, saved=[saved])
    assert caught.value.entry == 16


def test_a_rewritten_log_contradicts_a_saved_checkpoint(logged: Workspace) -> None:
    saved = audit.latest_checkpoint(logged)
    audit.record(logged, LinkageRun(left="a", right="b", mode="private", pairs=1))
    assert audit.verify(logged, saved=[saved]).saved == 1  # a later log extends it


def _rebuild_nodes(ws: Workspace) -> None:
    from accord.audit.merkle import Frontier  # the operator's tool, not the public face

    frontier, rows = Frontier(), []
    with ws.engine.connect() as conn:
        leaves = conn.execute(sa.text("SELECT leaf_hash FROM audit_entries ORDER BY idx"))
        for (leaf,) in leaves:
            rows += frontier.append(bytes(leaf))
    for level, idx, h in rows:
        if level < 4:  # the store keeps subtrees of 16 leaves and up
            continue
        sql(ws, "INSERT INTO audit_nodes (level, idx, hash) VALUES (:l, :i, :h)",
            l=level, i=idx, h=h)  # fmt: skip


def test_verify_reads_one_snapshot_while_entries_are_appended(logged: Workspace) -> None:
    from accord.audit.verify import one_snapshot

    count = sa.text("SELECT count(*) FROM audit_entries")
    with logged.engine.connect() as conn:
        one_snapshot(conn)
        before = conn.execute(count).scalar_one()
        audit.record(logged, *(disclosed(p, 99) for p in people(logged, 3)))  # another writer
        assert conn.execute(count).scalar_one() == before == 20
    assert audit.verify(logged).size == 23


def test_a_saved_checkpoint_that_is_not_one_cannot_be_checked(logged: Workspace) -> None:
    note = audit.latest_checkpoint(logged)
    other_log = note.replace(note.split("\n", 1)[0], "example.org/other/audit", 1)

    for text, problem in (("not a note", "not a signed checkpoint"),
                          (other_log, "the checkpoint of another log")):  # fmt: skip
        with pytest.raises(audit.BadCheckpoint, match=f"^saved/1.checkpoint: {problem}"):
            audit.verify(logged, [text], sources=["saved/1.checkpoint"])


def test_a_saved_checkpoint_the_node_did_not_sign_is_a_failure(logged: Workspace) -> None:
    note = audit.latest_checkpoint(logged)
    head, _, signature = note.rstrip("\n").rpartition(" ")
    changed = signature[:-8] + ("A" if signature[-8] != "A" else "B") + signature[-7:]

    with pytest.raises(LogInconsistent, match=r"^saved checkpoint 1: the signature by .* does "
                       r"not verify with this node's key"):  # fmt: skip
        audit.verify(logged, [f"{head} {changed}\n"])


def test_an_export_that_cannot_be_checked_is_not_a_failed_check(logged: Workspace) -> None:
    document = audit.export(logged, 2, 4)
    key = audit.node_verifier_key(logged)
    for broken in ({**document, "format": "other"}, {**document, "entries": "none"},
                   {**document, "entries": [{"entry": "x"}]}):  # fmt: skip
        with pytest.raises(audit.UnreadableExport):
            audit.verify_export(broken, key)
    wrong_key = audit.node_verifier_key(logged).replace(logged.settings.node_name, "x", 1)
    with pytest.raises(audit.AuditError):
        audit.verify_export(document, wrong_key)
    forged = {**document, "checkpoint": document["checkpoint"].replace("\n\n", "\n\n— x y\n")}
    assert audit.verify_export(forged, key).size == 20  # a foreign signature line is ignored


def test_an_empty_log_verifies(workspace: Workspace) -> None:
    # A node just made has recorded nothing yet: its log is whole, of size 0.
    verified = audit.verify(workspace)
    assert (verified.size, verified.checkpoints) == (0, 0)
