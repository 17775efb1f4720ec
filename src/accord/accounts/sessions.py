"""Signed-in sessions, kept in the store so that every worker shares them.

A session is a random token (256 bits) the browser holds in a signed cookie; the store
keeps its SHA-256 only, so a copy of the store resumes nobody's session. A citizen's
person key and NHS number are sealed together (AES-GCM) under a key derived from the
token: the store alone cannot say whose sessions are open, nor link one to the audit
log's entries about that person. A session ends when its holder signs out, after
``portal_session_idle`` seconds unused, ``portal_session_absolute`` seconds after it
began, and (staff) when the account is disabled or its password reset. Each request
reads the account afresh, so a role taken away is gone at the next request.

A session may keep journeys: what its holder has answered so far in a portal journey
(:func:`keep_journey`, :func:`journey`, :func:`end_journey`), as JSON sealed under a
key derived from the token, each bound to its journey's name; they end with the session.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from accord.accounts import repository as repo
from accord.accounts.errors import JourneyRefused
from accord.accounts.models import Account, CitizenSession, Session, StaffSession
from accord.accounts.types import AccountName, SessionToken
from accord.audit import PersonKey
from accord.store import Workspace

TOKEN_BYTES = 32
TOUCH_EVERY = timedelta(seconds=30)
"""A session's last use is written at most this often (not at every asset or page)."""
_SEAL_INFO = b"accord-accounts/citizen-session"
_JOURNEY_INFO = b"accord-accounts/journey"
_CITIZEN = b"citizen"
"""The associated data a citizen's sealed person key and NHS number are bound to."""
_NONCE = 12
JOURNEY_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
MAX_JOURNEY_BYTES = 256 * 1024
"""A journey's answers, as JSON, at most (a long agreement is a few tens of KiB)."""


def new_token() -> SessionToken:
    return SessionToken(secrets.token_urlsafe(TOKEN_BYTES))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _sealer(token: str, info: bytes = _SEAL_INFO) -> AESGCM:
    key = HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(token.encode("utf-8"))
    return AESGCM(key)


def start_staff(conn: Connection, account: Account, now: datetime) -> tuple[SessionToken, Session]:
    token = new_token()
    repo.insert_session(conn, token_hash(token), now, kind="staff", account=account.name)
    return token, StaffSession(account.name, account.roles, account.must_change, now, now)


def start_citizen(
    conn: Connection, person: PersonKey, nhs_number: str, provider: str, now: datetime
) -> tuple[SessionToken, Session]:
    token = new_token()
    nonce = os.urandom(_NONCE)
    plain = f"{person}:{nhs_number}".encode("ascii")
    sealed = nonce + _sealer(token).encrypt(nonce, plain, _CITIZEN)
    repo.insert_session(conn, token_hash(token), now, kind="citizen", sealed=sealed,
                        provider=provider)  # fmt: skip
    return token, CitizenSession(person, nhs_number, provider, now, now)


def resume(ws: Workspace, token: str, now: datetime) -> Session | None:
    """The session ``token`` opens, if it has not ended; its last use noted."""
    settings = ws.settings
    hashed = token_hash(token)
    with ws.engine.begin() as conn:
        row = repo.session(conn, hashed)
        if row is None:
            return None
        idle = now - row.seen_at > timedelta(seconds=settings.portal_session_idle)
        old = now - row.created_at > timedelta(seconds=settings.portal_session_absolute)
        found = None if idle or old else _session(conn, row, token)
        if found is None:
            repo.delete_session(conn, hashed)
            return None
        if now - row.seen_at > TOUCH_EVERY:
            repo.touch_session(conn, hashed, now)
    return found


def _session(conn: Connection, row: Row[Any], token: str) -> Session | None:
    if row.kind == "staff":
        account = repo.account(conn, row.account)
        if account is None or not account.active:
            return None
        return StaffSession(AccountName(account.name), account.roles, account.must_change,
                            row.created_at, row.seen_at)  # fmt: skip
    sealed = bytes(row.sealed or b"")
    try:
        plain = _sealer(token).decrypt(sealed[:_NONCE], sealed[_NONCE:], _CITIZEN)
    except (InvalidTag, ValueError):
        return None  # sealed otherwise (an older session): signed out, to sign in again
    person, _, nhs = plain.decode("ascii").partition(":")
    return CitizenSession(PersonKey(person), nhs, str(row.provider), row.created_at,
                          row.seen_at)  # fmt: skip


def end(conn: Connection, token: str) -> str | None:
    """End the session ``token`` opens, timed out or not; the staff account it was, if any."""
    hashed = token_hash(token)
    row = repo.session(conn, hashed)
    repo.delete_session(conn, hashed)
    return str(row.account) if row is not None and row.kind == "staff" else None


def end_all(conn: Connection, account: str) -> int:
    """End every session of ``account``; how many."""
    return repo.delete_sessions_of(conn, account)


def end_others(conn: Connection, account: str, keep: str | None) -> int:
    """End every session of ``account`` but the one ``keep`` opens; how many."""
    return repo.delete_sessions_of(conn, account, but=token_hash(keep) if keep else None)


def prune(conn: Connection, ws: Workspace, now: datetime) -> int:
    """Delete sessions past either timeout; how many."""
    settings = ws.settings
    idle = now - timedelta(seconds=settings.portal_session_idle)
    made = now - timedelta(seconds=settings.portal_session_absolute)
    return repo.delete_stale_sessions(conn, idle, made)


def _journey_name(name: str) -> bytes:
    if not JOURNEY_NAME.match(name):
        raise ValueError(f"a journey's name is {JOURNEY_NAME.pattern}, not {name[:50]!r}")
    return name.encode("ascii")


def keep_journey(ws: Workspace, token: str, name: str, answers: Mapping[str, Any],
                 now: datetime | None = None) -> None:  # fmt: skip
    """Keep ``answers`` (plain JSON data) as the session's journey ``name``, replacing
    what was kept; :class:`JourneyRefused` when the session has ended or they are too
    large."""
    label = _journey_name(name)
    text = json.dumps(answers, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(text) > MAX_JOURNEY_BYTES:
        raise JourneyRefused(f"these answers are too long to keep ({len(text) // 1024} KiB; "
                             f"at most {MAX_JOURNEY_BYTES // 1024} KiB): shorten them")  # fmt: skip
    nonce = os.urandom(_NONCE)
    sealed = nonce + _sealer(token, _JOURNEY_INFO).encrypt(nonce, text, label)
    try:
        with ws.engine.begin() as conn:
            repo.put_journey(conn, token_hash(token), name, sealed, now or datetime.now(UTC))
    except IntegrityError:  # the session row is gone: it ended while the page was open
        raise JourneyRefused("your session has ended: sign in again") from None


def journey(ws: Workspace, token: str, name: str) -> dict[str, Any] | None:
    """The answers the session kept as journey ``name``, if any."""
    label = _journey_name(name)
    with ws.engine.connect() as conn:
        sealed = repo.journey(conn, token_hash(token), name)
    if sealed is None:
        return None
    try:
        text = _sealer(token, _JOURNEY_INFO).decrypt(sealed[:_NONCE], sealed[_NONCE:], label)
    except (InvalidTag, ValueError):
        return None
    found = json.loads(text)
    return found if isinstance(found, dict) else None


def end_journey(ws: Workspace, token: str, name: str) -> None:
    """Forget the session's journey ``name``."""
    _journey_name(name)
    with ws.engine.begin() as conn:
        repo.delete_journey(conn, token_hash(token), name)
