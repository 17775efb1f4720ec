"""The accounts context's storage: staff accounts, sessions and the throttle's counts.

Plain SQLAlchemy Core over the store's tables, one function per statement a use case
needs; every function takes the caller's connection, so a use case decides the
transaction (and stages its audit events in it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from accord.accounts.models import Account, Role
from accord.accounts.types import AccountName
from accord.store import accounts as accounts_table
from accord.store import session_journeys as journeys_table
from accord.store import sessions as sessions_table
from accord.store import sign_in_failures as failures_table

A = accounts_table.c
S = sessions_table.c
J = journeys_table.c
F = failures_table.c


def _roles_text(roles: Iterable[Role]) -> str:
    return ",".join(sorted(r.value for r in roles))


def _account(row: Row[Any]) -> Account:
    return Account(
        name=AccountName(row.name),
        roles=frozenset(Role(r) for r in row.roles.split(",") if r),
        must_change=bool(row.must_change),
        created_at=row.created_at,
        changed_at=row.changed_at,
        disabled_at=row.disabled_at,
    )


def insert_account(
    conn: Connection, name: str, password_hash: str, roles: Iterable[Role], now: datetime
) -> bool:
    """Add an account; False if one of that name exists (the caller's savepoint rolls back)."""
    try:
        with conn.begin_nested():
            conn.execute(
                accounts_table.insert().values(
                    name=name, password_hash=password_hash, roles=_roles_text(roles),
                    must_change=True, created_at=now, changed_at=now, disabled_at=None,
                )
            )  # fmt: skip
    except IntegrityError:
        return False
    return True


def account(conn: Connection, name: str, *, for_update: bool = False) -> Account | None:
    query = sa.select(accounts_table).where(A.name == name)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    return _account(row) if row is not None else None


def password_hash(conn: Connection, name: str) -> tuple[Account, str] | None:
    row = conn.execute(sa.select(accounts_table).where(A.name == name)).first()
    return (_account(row), str(row.password_hash)) if row is not None else None


def all_accounts(conn: Connection) -> list[Account]:
    rows = conn.execute(sa.select(accounts_table).order_by(A.name))
    return [_account(r) for r in rows]


def any_account(conn: Connection) -> bool:
    return conn.execute(sa.select(A.name).limit(1)).first() is not None


def update_account(conn: Connection, name: str, **values: Any) -> None:
    if "roles" in values:
        values["roles"] = _roles_text(values["roles"])
    conn.execute(accounts_table.update().where(A.name == name).values(**values))


# --- sessions


def insert_session(conn: Connection, token_hash: str, now: datetime, **values: Any) -> None:
    conn.execute(
        sessions_table.insert().values(token_hash=token_hash, created_at=now, seen_at=now, **values)
    )


def session(conn: Connection, token_hash: str) -> Row[Any] | None:
    return conn.execute(sa.select(sessions_table).where(S.token_hash == token_hash)).first()


def touch_session(conn: Connection, token_hash: str, now: datetime) -> None:
    conn.execute(sessions_table.update().where(S.token_hash == token_hash).values(seen_at=now))


def delete_session(conn: Connection, token_hash: str) -> None:
    conn.execute(sessions_table.delete().where(S.token_hash == token_hash))


def delete_sessions_of(conn: Connection, account_name: str, but: str | None = None) -> int:
    """Delete the sessions of ``account_name`` (but the one whose token hash is ``but``)."""
    where = S.account == account_name
    if but is not None:
        where = sa.and_(where, S.token_hash != but)
    result = conn.execute(sessions_table.delete().where(where))
    return int(result.rowcount or 0)


def delete_stale_sessions(conn: Connection, idle_before: datetime, made_before: datetime) -> int:
    stale = sa.or_(S.seen_at < idle_before, S.created_at < made_before)
    return int(conn.execute(sessions_table.delete().where(stale)).rowcount or 0)


# --- journeys (deleted with their session: the foreign key cascades)


def put_journey(conn: Connection, token_hash: str, name: str, sealed: bytes, now: datetime) -> None:
    """Keep ``sealed`` as the session's journey ``name``, replacing what was kept."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(journeys_table).values(
        token_hash=token_hash, name=name, sealed=sealed, updated_at=now
    )
    conn.execute(statement.on_conflict_do_update(
        index_elements=[J.token_hash, J.name], set_={"sealed": sealed, "updated_at": now}
    ))  # fmt: skip


def journey(conn: Connection, token_hash: str, name: str) -> bytes | None:
    found = conn.execute(
        sa.select(J.sealed).where(J.token_hash == token_hash, J.name == name)
    ).scalar()
    return bytes(found) if found is not None else None


def delete_journey(conn: Connection, token_hash: str, name: str) -> None:
    conn.execute(journeys_table.delete().where(J.token_hash == token_hash, J.name == name))


# --- the throttle


def locked_until(conn: Connection, subjects: Iterable[tuple[str, str]]) -> datetime | None:
    """The latest lock over ``subjects`` ((scope, subject) pairs), if any."""
    wanted = list(subjects)
    if not wanted:
        return None
    matches = [sa.and_(F.scope == scope, F.subject == subject) for scope, subject in wanted]
    query = sa.select(sa.func.max(F.locked_until)).where(sa.or_(*matches))
    found: datetime | None = conn.execute(query).scalar()
    return found


def count_failure(
    conn: Connection, scope: str, subject: str, now: datetime, window_start: datetime
) -> int:
    """One more failure for (scope, subject); the failures in the current window. A count
    older than the window starts again. Atomic per statement, so workers never lose one."""
    fresh = sa.case((F.first_at < window_start, 1), else_=F.failures + 1)
    restarted = sa.case((F.first_at < window_start, now), else_=F.first_at)
    where = sa.and_(F.scope == scope, F.subject == subject)
    for _ in range(2):
        done = conn.execute(
            failures_table.update().where(where).values(failures=fresh, first_at=restarted)
        )
        if done.rowcount:
            break
        try:
            with conn.begin_nested():
                conn.execute(
                    failures_table.insert().values(
                        scope=scope, subject=subject, failures=1, first_at=now, locked_until=None
                    )
                )
            break
        except IntegrityError:
            continue  # another worker inserted it first: count on its row
    return int(conn.execute(sa.select(F.failures).where(where)).scalar_one())


def lock(conn: Connection, scope: str, subject: str, until: datetime) -> None:
    where = sa.and_(F.scope == scope, F.subject == subject)
    conn.execute(failures_table.update().where(where).values(locked_until=until))


def uncount_failure(conn: Connection, scope: str, subject: str) -> None:
    """One attempt fewer for (scope, subject): a reserved attempt that succeeded."""
    where = sa.and_(F.scope == scope, F.subject == subject, F.failures > 0)
    conn.execute(failures_table.update().where(where).values(failures=F.failures - 1))


def clear_failures(conn: Connection, scope: str, subject: str) -> None:
    where = sa.and_(F.scope == scope, F.subject == subject)
    conn.execute(failures_table.delete().where(where))


def delete_stale_failures(conn: Connection, before: datetime) -> None:
    stale = sa.and_(F.first_at < before, sa.or_(F.locked_until.is_(None), F.locked_until < before))
    conn.execute(failures_table.delete().where(stale))
