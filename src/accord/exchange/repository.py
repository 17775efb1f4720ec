"""The exchange's SQL: the trust lists a node adopted, the nonces of its replay window,
the idempotency keys of shares and lookups, the agreement messages it sent and
received, and, as a witness, the newest checkpoint of each peer's log it cosigned.

Every table is shared by every worker of a node (they are in the store), so a nonce
seen by one worker is a replay to all, a list one worker fetched is in force for all,
and an idempotency key one worker claimed is claimed for all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from accord.store import (
    agreement_messages,
    exchange_nonces,
    exchange_requests,
    fetch_rows,
    trust_lists,
    witnessed_checkpoints,
)


@dataclass(frozen=True)
class ListRow:
    serial: int
    federation: str
    issued_at: datetime
    digest: str
    document: str
    source: str
    adopted_at: datetime
    confirmed_at: datetime


@dataclass(frozen=True)
class Head:
    """The serial in force and when it was last confirmed: a cheap read per request."""

    serial: int
    confirmed_at: datetime


def newest(conn: Connection) -> ListRow | None:
    row = conn.execute(
        sa.select(trust_lists).order_by(trust_lists.c.serial.desc()).limit(1)
    ).first()
    return ListRow(**row._mapping) if row is not None else None


_HEAD = (
    sa.select(trust_lists.c.serial, trust_lists.c.confirmed_at)
    .order_by(trust_lists.c.serial.desc())
    .limit(1)
)
"""Built once, as the nonce's insert below: the gate runs both for every request, and a
statement made for each call costs SQLAlchemy more than running it."""


def head(conn: Connection) -> Head | None:
    row = conn.execute(_HEAD).first()
    return Head(int(row.serial), row.confirmed_at) if row is not None else None


def insert(conn: Connection, row: ListRow) -> None:
    conn.execute(sa.insert(trust_lists).values(**row.__dict__))


def confirm(conn: Connection, serial: int, when: datetime) -> None:
    conn.execute(
        sa.update(trust_lists)
        .where(trust_lists.c.serial == serial, trust_lists.c.confirmed_at < when)
        .values(confirmed_at=when)
    )


def remember_nonce(conn: Connection, key_id: str, nonce: str, expires_at: datetime) -> bool:
    """Keep ``nonce`` of ``key_id`` until ``expires_at``; False if it was already kept
    (a replay). One statement whichever worker wins: the primary key decides."""
    return bool(fetch_rows(conn, _REMEMBER, (key_id, nonce, expires_at)))


# As the driver runs it (a statement of every request); RETURNING, not rowcount: the
# drivers disagree on rowcount after ON CONFLICT.
_REMEMBER = (f"INSERT INTO {exchange_nonces.name} (key_id, nonce, expires_at) VALUES (?, ?, ?) "
             "ON CONFLICT DO NOTHING RETURNING nonce")  # fmt: skip


def prune_nonces(conn: Connection, now: datetime) -> int:
    """Forget nonces past their window (a request that old is refused anyway)."""
    return conn.execute(
        sa.delete(exchange_nonces).where(exchange_nonces.c.expires_at < now)
    ).rowcount


@dataclass(frozen=True)
class Message:
    """An agreement message sent (``out``) to a party's node or received (``in``) from one."""

    id: int
    direction: str
    kind: str
    agreement_id: str
    version: int
    digest: str
    peer_org: str
    peer_node: str
    document: str
    state: str
    detail: str
    attempts: int
    created_at: datetime
    updated_at: datetime


def add_message(conn: Connection, **values: object) -> int:
    """Keep a message (every column but ``id``); its id."""
    row = conn.execute(
        agreement_messages.insert().returning(agreement_messages.c.id), values
    ).scalar_one()
    return int(row)


def messages(
    conn: Connection,
    direction: str,
    *,
    kinds: tuple[str, ...] = (),
    states: tuple[str, ...] = (),
    agreement_id: str | None = None,
    version: int | None = None,
) -> list[Message]:
    """The messages one way, oldest first, of these kinds, states and agreement."""
    m = agreement_messages.c
    query = sa.select(agreement_messages).where(m.direction == direction).order_by(m.id)
    if kinds:
        query = query.where(m.kind.in_(kinds))
    if states:
        query = query.where(m.state.in_(states))
    if agreement_id is not None:
        query = query.where(m.agreement_id == agreement_id)
    if version is not None:
        query = query.where(m.version == version)
    return [Message(**r._mapping) for r in conn.execute(query)]


def update_message(conn: Connection, message_id: int, **values: object) -> None:
    conn.execute(
        sa.update(agreement_messages).where(agreement_messages.c.id == message_id).values(**values)
    )


@dataclass(frozen=True)
class Answered:
    """An idempotency key's row: its request's fingerprint, and the answer once done."""

    caller: str
    key: str
    kind: str
    fingerprint: str
    state: str
    claimed_at: datetime
    done_at: datetime | None
    media_type: str | None
    file: str | None
    digest: str | None
    bytes: int | None
    records: int | None
    body: str | None


def _insert(conn: Connection, values: dict[str, Any]) -> sa.Insert:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(exchange_requests).values(**values).on_conflict_do_nothing()
    return sqlite.insert(exchange_requests).values(**values).on_conflict_do_nothing()


def claim(
    conn: Connection, caller: str, key: str, kind: str, fingerprint: str, now: datetime,
    lease: timedelta,
) -> tuple[bool, Answered | None]:  # fmt: skip
    """Claim ``key`` of ``caller`` for one request: ``(True, None)`` when this request
    holds it now (new, or a claim abandoned for longer than ``lease``); else ``(False,
    the row)``. One statement decides between workers: the primary key."""
    t = exchange_requests
    values = {"caller": caller, "key": key, "kind": kind, "fingerprint": fingerprint,
              "state": "pending", "claimed_at": now}  # fmt: skip
    if conn.execute(_insert(conn, values).returning(t.c.key)).first() is not None:
        return True, None
    row = conn.execute(sa.select(t).where(t.c.caller == caller, t.c.key == key)).first()
    if row is None:  # pruned between the two statements: claim it again
        return conn.execute(_insert(conn, values).returning(t.c.key)).first() is not None, None
    found = Answered(**row._mapping)
    if (
        found.state == "pending"
        and found.fingerprint == fingerprint
        and (found.claimed_at < now - lease)
    ):
        taken = conn.execute(
            sa.update(t)
            .where(t.c.caller == caller, t.c.key == key, t.c.state == "pending",
                   t.c.claimed_at == found.claimed_at)
            .values(claimed_at=now)
            .returning(t.c.key)
        ).first()  # fmt: skip
        if taken is not None:
            return True, None
    return False, found


def complete(conn: Connection, caller: str, key: str, **answer: Any) -> None:
    """Keep the answer of ``caller``'s request ``key``: a retry gets it."""
    t = exchange_requests
    conn.execute(
        sa.update(t).where(t.c.caller == caller, t.c.key == key).values(state="done", **answer)
    )


def release(conn: Connection, caller: str, key: str) -> None:
    """Give up an unfinished claim (the request was refused or failed): a retry is decided
    anew."""
    t = exchange_requests
    conn.execute(sa.delete(t).where(t.c.caller == caller, t.c.key == key, t.c.state == "pending"))


def prune_answers(conn: Connection, before: datetime) -> list[str]:
    """Forget the keys claimed before ``before``; the answer files they kept."""
    t = exchange_requests
    files = [
        str(f)
        for (f,) in conn.execute(sa.select(t.c.file).where(t.c.claimed_at < before))
        if f is not None
    ]
    conn.execute(sa.delete(t).where(t.c.claimed_at < before))
    return files


@dataclass(frozen=True)
class Witnessed:
    """The newest checkpoint of a peer's log this node, as a witness, cosigned."""

    peer: str
    origin: str
    size: int
    root: bytes
    note: str
    first_seen_at: datetime
    seen_at: datetime


def witnessed(conn: Connection, peer: str) -> Witnessed | None:
    w = witnessed_checkpoints
    row = conn.execute(sa.select(w).where(w.c.peer == peer)).first()
    return Witnessed(**{**row._mapping, "root": bytes(row.root)}) if row is not None else None


def keep_witnessed(conn: Connection, seen: Witnessed) -> None:
    """Keep ``seen`` as the peer's newest cosigned checkpoint (its first sighting kept)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(witnessed_checkpoints).values(**seen.__dict__)
    later = {k: getattr(statement.excluded, k) for k in ("origin", "size", "root", "note",
                                                         "seen_at")}  # fmt: skip
    conn.execute(statement.on_conflict_do_update(index_elements=["peer"], set_=later))
