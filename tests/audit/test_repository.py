"""What the log costs the store, counted rather than timed: queries per proof, bytes per
entry, JSON encodings per append."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from accord import audit
from accord.audit import repository
from accord.audit.log import STAGE_CHUNK
from accord.store import Workspace, fetch_rows
from tests.audit.support import disclosed, people

MAX_BYTES_PER_ENTRY = 400  # the goal, on a store of a few thousand entries


@contextmanager
def _statements(ws: Workspace) -> Iterator[list[str]]:
    """The SQL statements run while inside: through SQLAlchemy (its event), and straight
    through the driver's cursor (``store.fetch_rows``, one statement a call)."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    def fetch(conn: sa.Connection, statement: str, *args: Any) -> list[tuple[Any, ...]]:
        seen.append(statement)
        return fetch_rows(conn, statement, *args)

    sa.event.listen(ws.engine, "before_cursor_execute", count)
    original, repository.fetch_rows = repository.fetch_rows, fetch
    try:
        yield seen
    finally:
        repository.fetch_rows = original
        sa.event.remove(ws.engine, "before_cursor_execute", count)


def _bulk(ws: Workspace, n: int) -> None:
    keys = [os.urandom(32).hex() for _ in range(n)]
    with audit.transaction(ws) as tx:
        tx.record_each(disclosed(audit.PersonKey("0" * 64)), keys)


def test_a_proof_is_one_query_at_any_size(workspace: Workspace) -> None:
    _bulk(workspace, 3_000)
    audit.record(workspace, *(disclosed(p) for p in people(workspace, 21)))  # a ragged edge
    size = 3_021
    key = audit.parse_verifier_key(audit.node_verifier_key(workspace))
    root = audit.open_note(audit.latest_checkpoint(workspace), *key).root
    texts = {e["index"]: e["entry"] for e in audit.export(workspace, 0, size)["entries"]}
    for index in (0, 1, 15, 16, 1_023, 2_999, 3_000, 3_017, 3_020):
        with _statements(workspace) as seen:
            proof = audit.inclusion(workspace, index, size)
        assert len(seen) == 1, seen
        audit.verify_inclusion(index, size, audit.leaf_hash(texts[index].encode()), proof, root)
    for first in (1, 2, 15, 17, 1_024, 2_500, 3_000, 3_020):
        with _statements(workspace) as seen:
            audit.consistency(workspace, first, size)
        assert len(seen) == 1, seen


def _store_bytes(ws: Workspace) -> int:
    with ws.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            path = Path(str(ws.engine.url.database))
            return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
        return int(conn.execute(sa.text(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON "
            "n.oid = c.relnamespace WHERE c.relkind = 'r' AND c.relname LIKE 'audit%' "
            "AND n.nspname = current_schema()"
        )).scalar_one())  # fmt: skip


def test_a_bulk_use_stores_few_bytes_per_entry(workspace: Workspace) -> None:
    """What made 929 bytes an entry (the event repeated whole per person, the key in hex
    twice, every subtree, a second index per table) stays gone."""
    _bulk(workspace, 100)
    before = _store_bytes(workspace)
    _bulk(workspace, 8_000)
    per_entry = (_store_bytes(workspace) - before) / 8_000
    assert per_entry <= MAX_BYTES_PER_ENTRY, per_entry
    with workspace.engine.connect() as conn:
        bodies = conn.execute(sa.text("SELECT count(*) FROM audit_bodies")).scalar_one()
        nodes = conn.execute(sa.text("SELECT count(*) FROM audit_nodes")).scalar_one()
    assert bodies <= 1 + 8_000 // STAGE_CHUNK + 1
    assert nodes < 8_100 // 8  # subtrees of 16 leaves and up


def test_appending_splices_the_staged_text_and_encodes_no_json_per_entry(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = [os.urandom(32).hex() for _ in range(6_000)]
    with workspace.engine.begin() as conn:
        staged = audit.record_each(workspace, disclosed(audit.PersonKey("0" * 64)), keys,
                                   within=conn)  # fmt: skip
    calls = {"dumps": 0, "loads": 0}
    real_dumps, real_loads = json.dumps, json.loads

    def dumps(*args: Any, **kwargs: Any) -> str:
        calls["dumps"] += 1
        return real_dumps(*args, **kwargs)

    def loads(*args: Any, **kwargs: Any) -> Any:
        calls["loads"] += 1
        return real_loads(*args, **kwargs)

    monkeypatch.setattr(json, "dumps", dumps)
    monkeypatch.setattr(json, "loads", loads)
    assert audit.flush(workspace) == staged == 6_000
    monkeypatch.undo()
    rows = 2  # two staged rows of up to 5,000 people each
    assert calls["dumps"] <= 2 * rows, calls
    assert calls["loads"] <= rows, calls
    assert audit.verify(workspace).size == 6_000
