"""The exchange's SQL: the trust lists a node adopted and the nonces of its replay window.

Both tables are shared by every worker of a node (they are in the store), so a nonce
seen by one worker is a replay to all, and a list one worker fetched is in force for all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from accord.store import exchange_nonces, trust_lists


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
