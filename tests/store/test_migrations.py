"""Migration 0008: an audit log written in the old layout converts, byte for byte, and back."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from accord import audit
from accord.audit.checkpoint import Checkpoint, sign
from accord.audit.keys import origin, signing_key
from accord.audit.merkle import Frontier
from accord.store import Workspace, migrate
from accord.store.database import _config
from tests.audit.support import disclosed, drop_triggers, people, sql, texts

OLD_ENTRIES = sa.table("audit_entries", sa.column("idx"), sa.column("type"), sa.column("entry"),
                       sa.column("leaf_hash"))  # fmt: skip
OLD_NODES = sa.table("audit_nodes", sa.column("level"), sa.column("idx"), sa.column("hash"))
OLD_PEOPLE = sa.table("audit_people", sa.column("person"), sa.column("idx"),
                      sa.column("visible_from"))  # fmt: skip
CHECKPOINTS = sa.table("audit_checkpoints", sa.column("size"), sa.column("root"),
                       sa.column("signed_at"), sa.column("note"))  # fmt: skip


def _to(ws: Workspace, revision: str) -> None:
    with ws.engine.begin() as conn:
        config = _config()
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _old_append(ws: Workspace, items: list[tuple[str, dict[str, Any], str]], batch: int) -> None:
    """What Accord wrote before 0008: whole texts, every subtree, a person row per entry,
    a signed checkpoint per batch. ``items``: (type, event fields, recorded_at)."""
    frontier = Frontier()
    for start in range(0, len(items), batch):
        entries, nodes, persons = [], [], []
        for idx, (kind, event, stamp) in enumerate(items[start : start + batch], start=start):
            text = _canonical({"index": idx, "type": kind, "event": event, "recorded_at": stamp})
            if kind == "hand.written":  # valid, hashed, but not the canonical spelling
                text = json.dumps({"type": kind, "index": idx, "event": event,
                                   "recorded_at": stamp})  # fmt: skip
            leaf = audit.leaf_hash(text.encode())
            nodes += frontier.append(leaf)
            entries.append({"idx": idx, "type": kind, "entry": text, "leaf_hash": leaf})
            if event.get("person"):
                hidden = event.get("hidden_until")
                visible = date.fromisoformat(hidden) if hidden else None
                persons.append({"person": event["person"], "idx": idx, "visible_from": visible})
        now = datetime.now(UTC)
        point = Checkpoint(origin(ws), frontier.size, frontier.root(), now)
        with ws.engine.begin() as conn:
            conn.execute(OLD_ENTRIES.insert(), entries)
            if nodes:
                conn.execute(OLD_NODES.insert(), [{"level": lv, "idx": i, "hash": h}
                                                  for lv, i, h in nodes])  # fmt: skip
            if persons:
                conn.execute(OLD_PEOPLE.insert(), persons)
            conn.execute(CHECKPOINTS.insert().values(
                size=point.size, root=point.root, signed_at=now,
                note=sign(point, origin(ws), signing_key(ws))))  # fmt: skip
            conn.execute(sa.text("UPDATE audit_head SET size = :s"), {"s": frontier.size})


def _items(ws: Workspace) -> list[tuple[str, dict[str, Any], str]]:
    """A bulk share (one event, one time, many people), single events with and without a
    person, a deferred one, and one entry not in the canonical spelling."""
    keys = people(ws, 40)
    share = "2026-11-22T10:30:00.123456Z"
    items = [("records.disclosed", disclosed(k, 1).fields(), share) for k in keys[:30]]
    run = audit.LinkageRun(left="gp", right="hospital", mode="private", pairs=9)
    items.append(("linkage.run", run.fields(), "2026-11-22T10:31:00.000001Z"))
    items += [("records.disclosed", disclosed(k, n).fields(), f"2026-11-22T10:32:0{n % 10}.5Z")
              for n, k in enumerate(keys[30:36])]  # fmt: skip
    items.append(("records.disclosed", disclosed(keys[36], 7, date(2027, 3, 1)).fields(),
                  "2026-11-22T10:33:00.000000Z"))  # fmt: skip
    items.append(("hand.written", {"note": "written by hand", "person": keys[37]},
                  "2026-11-22T10:34:00.000000Z"))  # fmt: skip
    return items


@pytest.fixture
def old_log(workspace: Workspace) -> tuple[Workspace, list[str], list[Any]]:
    """A workspace whose store is at 0007 and holds a log the old code would have written."""
    _to(workspace, "0007")
    _old_append(workspace, _items(workspace), batch=16)
    with workspace.engine.connect() as conn:
        before = list(
            conn.execute(sa.text("SELECT entry FROM audit_entries ORDER BY idx")).scalars()
        )
        notes = list(conn.execute(sa.text("SELECT note FROM audit_checkpoints ORDER BY size"))
                     .scalars())  # fmt: skip
    return workspace, before, notes


def test_an_old_log_converts_byte_for_byte_and_verifies(
    old_log: tuple[Workspace, list[str], list[Any]],
) -> None:
    ws, before, notes = old_log
    migrate(ws.engine)
    assert texts(ws) == before  # every hashed text, exactly
    done = audit.verify(ws, notes)  # the checkpoints signed before the migration hold
    assert (done.size, done.checkpoints) == (len(before), 3)
    with ws.engine.connect() as conn:
        bodies = conn.execute(sa.text("SELECT count(*) FROM audit_bodies")).scalar_one()
        whole = conn.execute(sa.text("SELECT idx FROM audit_entries WHERE entry IS NOT NULL"))
        assert list(whole.scalars()) == [len(before) - 1]  # only the hand-written one
    assert bodies == 1 + 1 + 6 + 1 + 1  # the share's 30 entries share one body
    key = json.loads(before[0])["event"]["person"]
    assert [u.entry for u in audit.uses(ws, audit.PersonKey(key))] == [0]
    deferred = json.loads(before[37])["event"]["person"]
    assert audit.uses(ws, audit.PersonKey(deferred), today=date(2027, 1, 1)) == []
    assert [u.entry for u in audit.uses(ws, audit.PersonKey(deferred), today=date(2027, 3, 1))] == [
        37
    ]
    audit.record(ws, audit.LinkageRun(left="a", right="b", mode="private", pairs=1))
    assert audit.verify(ws, notes).size == len(before) + 1  # and the log goes on from it


def test_an_entry_changed_before_the_migration_is_still_named_after(
    old_log: tuple[Workspace, list[str], list[Any]],
) -> None:
    ws, before, _ = old_log
    drop_triggers(ws)
    sql(ws, "UPDATE audit_entries SET entry = :e WHERE idx = 7",
        e=before[7].replace("(1)", "(2)"))  # fmt: skip
    migrate(ws.engine)
    with pytest.raises(audit.LogInconsistent, match="entry 7 was changed") as caught:
        audit.verify(ws)
    assert caught.value.entry == 7


def test_the_downgrade_gives_back_the_old_tables(
    old_log: tuple[Workspace, list[str], list[Any]],
) -> None:
    ws, before, notes = old_log
    with ws.engine.connect() as conn:
        old = [sorted(map(tuple, conn.execute(sa.text(f"SELECT * FROM {t}"))))
               for t in ("audit_nodes", "audit_people")]  # fmt: skip
    migrate(ws.engine)
    _to(ws, "0007")
    with ws.engine.connect() as conn:
        again = list(
            conn.execute(sa.text("SELECT entry FROM audit_entries ORDER BY idx")).scalars()
        )
        back = [sorted(map(tuple, conn.execute(sa.text(f"SELECT * FROM {t}"))))
                for t in ("audit_nodes", "audit_people")]  # fmt: skip
    assert again == before
    assert back == old
    migrate(ws.engine)
    assert audit.verify(ws, notes).size == len(before)
