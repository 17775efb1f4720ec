"""A session's journeys on a real store (SQLite and PostgreSQL): kept sealed under the
session's token, replaced, read back only with that token, and gone with the session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from accord import accounts
from accord.accounts import JourneyRefused, Role
from accord.accounts.sessions import token_hash
from accord.store import Workspace
from accord.store import session_journeys as journeys_table

PASSWORD = "correct horse battery staple"
ADMIN = {"by_role": "node administrator", "reason": "new starter"}


def _signed_in(ws: Workspace, name: str = "jo.bloggs") -> str:
    accounts.add_user(ws, name, {Role.STEWARD}, password=PASSWORD, **ADMIN)
    return accounts.sign_in(ws, name, PASSWORD, address="127.0.0.1").token


def test_a_journey_is_kept_sealed_replaced_and_ended(workspace: Workspace) -> None:
    token = _signed_in(workspace)
    assert accounts.journey(workspace, token, "gateways") is None
    accounts.keep_journey(workspace, token, "gateways", {"parties": [{"kind": "gp-practice"}]})
    accounts.keep_journey(workspace, token, "gateways", {"purposes": ["direct-care"]})
    accounts.keep_journey(workspace, token, "draft", {"title": "Ünïcode title"})
    assert accounts.journey(workspace, token, "gateways") == {"purposes": ["direct-care"]}
    assert accounts.journey(workspace, token, "draft") == {"title": "Ünïcode title"}
    with workspace.engine.connect() as conn:
        stored = conn.execute(sa.select(journeys_table.c.sealed)).scalars().all()
    assert len(stored) == 2
    assert not any(b"direct-care" in bytes(s) or "Ünïcode".encode() in bytes(s) for s in stored)
    accounts.end_journey(workspace, token, "gateways")
    assert accounts.journey(workspace, token, "gateways") is None
    assert accounts.journey(workspace, token, "draft") is not None


def test_only_the_session_s_own_token_opens_its_journey(workspace: Workspace) -> None:
    mine, theirs = _signed_in(workspace, "jo.bloggs"), _signed_in(workspace, "sam.smith")
    accounts.keep_journey(workspace, mine, "draft", {"id": "mine"})
    assert accounts.journey(workspace, theirs, "draft") is None
    with workspace.engine.begin() as conn:  # another session's sealed answers moved to mine
        row = conn.execute(sa.select(journeys_table)).one()
        conn.execute(journeys_table.delete())
        conn.execute(journeys_table.insert().values(
            token_hash=token_hash(theirs), name="draft", sealed=row.sealed,
            updated_at=row.updated_at))  # fmt: skip
    assert accounts.journey(workspace, theirs, "draft") is None


def test_journeys_end_with_their_session(workspace: Workspace) -> None:
    token = _signed_in(workspace)
    accounts.keep_journey(workspace, token, "draft", {"id": "x"})
    accounts.sign_out(workspace, token)
    with workspace.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(journeys_table)).scalar() == 0
    with pytest.raises(JourneyRefused, match="session has ended"):
        accounts.keep_journey(workspace, token, "draft", {"id": "x"})


def test_stale_sessions_take_their_journeys_with_them(workspace: Workspace) -> None:
    token = _signed_in(workspace)
    accounts.keep_journey(workspace, token, "draft", {"id": "x"})
    later = datetime.now(UTC) + timedelta(seconds=workspace.settings.portal_session_idle + 1)
    assert accounts.resume(workspace, token, now=later) is None
    assert accounts.journey(workspace, token, "draft") is None


def test_too_large_answers_and_bad_names_are_refused(workspace: Workspace) -> None:
    token = _signed_in(workspace)
    with pytest.raises(JourneyRefused, match="too long"):
        accounts.keep_journey(workspace, token, "draft", {"x": "y" * accounts.MAX_JOURNEY_BYTES})
    with pytest.raises(ValueError, match="journey's name"):
        accounts.keep_journey(workspace, token, "Bad Name", {})
    assert accounts.journey(workspace, token, "draft") is None
