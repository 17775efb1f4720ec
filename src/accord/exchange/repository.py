"""The exchange's SQL: the trust lists a node adopted, the nonces of its replay window,
and the agreement messages it sent and received.

The tables are shared by every worker of a node (they are in the store), so a nonce
seen by one worker is a replay to all, and a list one worker fetched is in force for all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from accord.store import agreement_messages, exchange_nonces, trust_lists


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


def head(conn: Connection) -> Head | None:
    t = trust_lists
    row = conn.execute(
        sa.select(t.c.serial, t.c.confirmed_at).order_by(t.c.serial.desc()).limit(1)
    ).first()
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
    values = {"key_id": key_id, "nonce": nonce, "expires_at": expires_at}
    statement: sa.Insert
    if conn.dialect.name == "postgresql":
        statement = postgresql.insert(exchange_nonces).values(**values).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(exchange_nonces).values(**values).on_conflict_do_nothing()
    # RETURNING, not rowcount: the drivers disagree on rowcount after ON CONFLICT.
    return conn.execute(statement.returning(exchange_nonces.c.nonce)).first() is not None


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
