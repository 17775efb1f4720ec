"""Staff accounts and sessions on a real store (SQLite and PostgreSQL): the acts, each in
the audit log; sign-in, throttling shared through the store, timeouts, disable and reset
ending sessions; citizens verified by the local provider."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from accord import accounts, audit
from accord.accounts import (
    AccountExists,
    CitizenSession,
    InvalidAccount,
    Role,
    SignInRefused,
    SignInThrottled,
    StaffSession,
    UnknownAccount,
)
from accord.store import Workspace
from accord.store import accounts as accounts_table
from accord.store import sessions as sessions_table

PASSWORD = "correct horse battery staple"
ADMIN = {"by_role": "node administrator", "reason": "new starter"}
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _events(ws: Workspace, prefix: str = "user.") -> list[audit.Event]:
    return [e.event for e in audit.entries(ws) if e.event.name.startswith(prefix)]


def _steward(ws: Workspace, name: str = "jo.bloggs") -> accounts.Credentials:
    return accounts.add_user(ws, name, {Role.STEWARD}, password=PASSWORD, **ADMIN)


def test_an_account_is_added_with_its_roles_and_recorded(workspace: Workspace) -> None:
    made = accounts.add_user(workspace, "Jo.Bloggs", {Role.STEWARD, Role.ANALYST}, **ADMIN)
    assert made.generated
    assert len(made.password) >= accounts.MIN_LENGTH
    assert made.account.name == "jo.bloggs"
    assert made.account.must_change
    assert made.account.roles == {Role.STEWARD, Role.ANALYST}
    assert [a.name for a in accounts.accounts(workspace)] == ["jo.bloggs"]
    assert accounts.has_accounts(workspace)
    [added] = _events(workspace)
    assert added == accounts.UserAdded(user="jo.bloggs", roles=("analyst", "steward"), **ADMIN)
    with workspace.engine.connect() as conn:  # only a hash: never the password
        stored = conn.execute(sa.select(accounts_table.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert made.password not in stored


def test_bad_accounts_are_refused_and_change_nothing(workspace: Workspace) -> None:
    assert not accounts.has_accounts(workspace)
    with pytest.raises(InvalidAccount, match="account name"):
        accounts.add_user(workspace, "Jo Bloggs!", {Role.STEWARD}, **ADMIN)
    with pytest.raises(InvalidAccount, match="at least 12"):
        accounts.add_user(workspace, "jo", {Role.STEWARD}, password="short", **ADMIN)
    with pytest.raises(InvalidAccount, match="account's name"):
        accounts.add_user(workspace, "jo", {Role.STEWARD}, password="jo-is-my-password", **ADMIN)
    with pytest.raises(InvalidAccount, match="choose from steward, approver"):
        accounts.parse_roles(["boss"])
    with pytest.raises(InvalidAccount, match="at least one role"):
        accounts.add_user(workspace, "jo", set(), **ADMIN)
    assert not accounts.has_accounts(workspace)
    assert _events(workspace) == []
    _steward(workspace)
    with pytest.raises(AccountExists, match=r"already an account named jo\.bloggs"):
        _steward(workspace)
    with pytest.raises(UnknownAccount, match="no account named sam"):
        accounts.disable_user(workspace, "sam", **ADMIN)
    assert len(_events(workspace)) == 1


def test_sign_in_starts_a_session_the_token_resumes(workspace: Workspace) -> None:
    _steward(workspace)
    started = accounts.sign_in(workspace, " Jo.Bloggs ", PASSWORD, address="127.0.0.1", now=T0)
    session = accounts.resume(workspace, started.token, T0 + timedelta(minutes=1))
    assert isinstance(session, StaffSession)
    assert session.account == "jo.bloggs"
    assert session.roles == {Role.STEWARD}
    assert session.must_change
    assert session.holds(Role.STEWARD, Role.AUDITOR)
    assert not session.holds(Role.AUDITOR)
    with workspace.engine.connect() as conn:  # the store holds the token's hash only
        [held] = conn.execute(sa.select(sessions_table.c.token_hash)).scalars()
    assert held != started.token
    assert started.token not in held
    assert accounts.resume(workspace, "not-a-token", T0) is None
    accounts.sign_out(workspace, started.token)
    assert accounts.resume(workspace, started.token, T0 + timedelta(minutes=2)) is None
    names = [e.name for e in _events(workspace)]
    assert names == ["user.added", "user.signed_in", "user.signed_out"]


def test_wrong_unknown_and_disabled_are_refused_alike(workspace: Workspace) -> None:
    _steward(workspace)
    accounts.add_user(workspace, "sam", {Role.AUDITOR}, password=PASSWORD, **ADMIN)
    accounts.disable_user(workspace, "sam", **ADMIN)
    tries = [("jo.bloggs", "not the password"), ("nobody", PASSWORD), ("sam", PASSWORD)]
    messages = set()
    for name, password in tries:
        with pytest.raises(SignInRefused) as refused:
            accounts.sign_in(workspace, name, password, address="10.0.0.1", now=T0)
        messages.add(str(refused.value))
    assert messages == {"The account name or password is not right."}
    failed = [e for e in _events(workspace) if isinstance(e, accounts.UserSignInFailed)]
    assert [(e.user, e.reason) for e in failed] == [
        ("jo.bloggs", "wrong password"), ("", "unknown account"), ("sam", "account disabled")
    ]  # fmt: skip


def test_an_account_is_throttled_and_says_when_to_try_again(workspace: Workspace) -> None:
    _steward(workspace)
    limit = workspace.settings.portal_sign_in_attempts
    for i in range(limit):
        with pytest.raises(SignInRefused) as refused:
            accounts.sign_in(workspace, "jo.bloggs", "wrong guess", address=f"10.0.0.{i}", now=T0)
        assert not isinstance(refused.value, SignInThrottled)
    # Locked now: the right password from a fresh address is refused before it is checked.
    with pytest.raises(SignInThrottled, match="Try again in 15 minutes") as throttled:
        accounts.sign_in(workspace, "jo.bloggs", PASSWORD, address="10.9.9.9", now=T0)
    assert throttled.value.retry_after == 900
    later = T0 + timedelta(minutes=14, seconds=30)
    with pytest.raises(SignInThrottled, match="Try again in 1 minute\\."):
        accounts.sign_in(workspace, "jo.bloggs", PASSWORD, address="10.9.9.9", now=later)
    failed = [e for e in _events(workspace) if isinstance(e, accounts.UserSignInFailed)]
    assert [e.locked for e in failed] == [False] * (limit - 1) + [True]
    after = T0 + timedelta(minutes=15, seconds=1)
    assert accounts.sign_in(workspace, "jo.bloggs", PASSWORD, address="10.9.9.9", now=after)


def test_an_address_is_throttled_across_accounts(workspace: Workspace) -> None:
    _steward(workspace)
    for i in range(workspace.settings.portal_sign_in_address_attempts):
        with pytest.raises(SignInRefused):
            accounts.sign_in(workspace, f"guess{i}", "wrong guess", address="10.0.0.7", now=T0)
    with pytest.raises(SignInThrottled):
        accounts.sign_in(workspace, "jo.bloggs", PASSWORD, address="10.0.0.7", now=T0)
    assert accounts.sign_in(workspace, "jo.bloggs", PASSWORD, address="10.0.0.8", now=T0)


def test_sessions_end_when_idle_or_old(workspace: Workspace) -> None:
    _steward(workspace)
    idle = timedelta(seconds=workspace.settings.portal_session_idle)
    started = accounts.sign_in(workspace, "jo.bloggs", PASSWORD, address="::1", now=T0)
    assert accounts.resume(workspace, started.token, T0 + idle - timedelta(seconds=1))
    assert accounts.resume(workspace, started.token, T0 + 2 * idle + timedelta(seconds=1)) is None
    # Kept busy, a session still ends at the absolute timeout.
    started = accounts.sign_in(workspace, "jo.bloggs", PASSWORD, address="::1", now=T0)
    absolute = timedelta(seconds=workspace.settings.portal_session_absolute)
    at = T0
    while at + idle / 2 < T0 + absolute:
        at += idle / 2
        assert accounts.resume(workspace, started.token, at) is not None
    assert accounts.resume(workspace, started.token, T0 + absolute + timedelta(seconds=1)) is None


def test_disable_and_reset_end_sessions_and_roles_change_at_once(workspace: Workspace) -> None:
    _steward(workspace)
    first = accounts.sign_in(workspace, "jo.bloggs", PASSWORD, address="::1", now=T0)
    accounts.set_roles(workspace, "jo.bloggs", {Role.ANALYST}, **ADMIN)
    session = accounts.resume(workspace, first.token, T0)
    assert isinstance(session, StaffSession)
    assert session.roles == {Role.ANALYST}
    reset = accounts.reset_user(workspace, "jo.bloggs", **ADMIN)
    assert reset.generated
    assert accounts.resume(workspace, first.token, T0) is None
    second = accounts.sign_in(workspace, "jo.bloggs", reset.password, address="::1", now=T0)
    done = accounts.disable_user(workspace, "jo.bloggs", **ADMIN)
    assert not done.active
    assert accounts.resume(workspace, second.token, T0) is None
    with pytest.raises(SignInRefused):
        accounts.sign_in(workspace, "jo.bloggs", reset.password, address="::1", now=T0)
    accounts.disable_user(workspace, "jo.bloggs", **ADMIN)  # already: records nothing
    accounts.enable_user(workspace, "jo.bloggs", **ADMIN)
    assert accounts.sign_in(workspace, "jo.bloggs", reset.password, address="::1", now=T0)
    acts = [e for e in _events(workspace) if not e.name.startswith("user.sign")]
    assert [type(e).__name__ for e in acts] == ["UserAdded", "UserRolesChanged", "UserReset",
                                                 "UserDisabled", "UserEnabled"]  # fmt: skip
    assert acts[1] == accounts.UserRolesChanged(user="jo.bloggs", roles=("analyst",),
                                                previous=("steward",), **ADMIN)  # fmt: skip
    assert [getattr(e, "sessions_ended", None) for e in acts[2:4]] == [1, 1]


def test_a_password_is_changed_once_the_current_one_is_proved(workspace: Workspace) -> None:
    _steward(workspace)
    with pytest.raises(SignInRefused, match="current password"):
        accounts.change_password(workspace, "jo.bloggs", "not it at all", "a brand new password")
    with pytest.raises(InvalidAccount, match="differ"):
        accounts.change_password(workspace, "jo.bloggs", PASSWORD, PASSWORD)
    changed = accounts.change_password(workspace, "jo.bloggs", PASSWORD, "a brand new password")
    assert not changed.must_change
    assert accounts.sign_in(workspace, "jo.bloggs", "a brand new password", address="::1")
    assert _events(workspace)[1] == accounts.UserPasswordChanged(user="jo.bloggs")


def test_an_old_hash_is_replaced_at_sign_in(workspace: Workspace) -> None:
    from argon2 import PasswordHasher

    _steward(workspace)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with workspace.engine.begin() as conn:
        conn.execute(accounts_table.update().values(password_hash=weak))
    accounts.sign_in(workspace, "jo.bloggs", PASSWORD, address="::1")
    with workspace.engine.connect() as conn:
        stored = conn.execute(sa.select(accounts_table.c.password_hash)).scalar_one()
    assert stored != weak
    assert "m=65536" in stored


def test_a_citizen_signs_in_through_a_provider_and_is_throttled(workspace: Workspace) -> None:
    known = ("9434765919", date(1980, 2, 29))
    provider = audit.LocalProvider(known=lambda nhs, dob: (nhs, dob) == known)
    started = accounts.citizen_sign_in(
        workspace, provider, {"nhs_number": "943 476 5919", "date_of_birth": "1980-02-29"},
        address="::1", now=T0,
    )  # fmt: skip
    session = accounts.resume(workspace, started.token, T0)
    assert isinstance(session, CitizenSession)
    assert session.nhs_number == "9434765919"
    assert session.provider == "local"
    assert session.person == audit.person_key(workspace, "9434765919")
    with workspace.engine.connect() as conn:  # who it is, sealed under the token
        row = conn.execute(sa.select(sessions_table)).one()
    stored = repr(tuple(row))
    assert "9434765919" not in stored
    assert session.person not in stored
    assert row.person is None
    kept = bytearray(row.sealed)
    kept[-1] ^= 1  # changed by a hand with the store, it opens nothing
    with workspace.engine.begin() as conn:
        conn.execute(sessions_table.update().values(sealed=bytes(kept)))
    assert accounts.resume(workspace, started.token, T0) is None
    wrong = {"nhs_number": "9434765919", "date_of_birth": "1980-03-01"}
    for _ in range(workspace.settings.portal_sign_in_attempts):
        with pytest.raises(SignInRefused, match="no person with that NHS number"):
            accounts.citizen_sign_in(workspace, provider, wrong, address="::2", now=T0)
    right = {"nhs_number": "9434765919", "date_of_birth": "1980-02-29"}
    with pytest.raises(SignInThrottled):
        accounts.citizen_sign_in(workspace, provider, right, address="::3", now=T0)
    assert _events(workspace) == []  # a citizen's own sign-in is no use of their data


def test_guesses_made_at_once_get_no_more_checks_than_the_limit(workspace: Workspace) -> None:
    # Each attempt is counted before its password is checked: twelve at once get at
    # most the limit's worth of checks, the rest throttled.
    _steward(workspace)
    limit = workspace.settings.portal_sign_in_attempts
    outcomes: list[str] = []

    def guess(i: int) -> None:
        try:
            accounts.sign_in(workspace, "jo.bloggs", "wrong guess", address=f"10.1.0.{i}")
        except SignInThrottled:
            outcomes.append("throttled")
        except SignInRefused:
            outcomes.append("checked")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("checked") <= limit
    assert len(outcomes) == 12
    failed = [e for e in _events(workspace) if isinstance(e, accounts.UserSignInFailed)]
    assert len(failed) == outcomes.count("checked")


def test_changing_a_password_is_throttled_and_ends_the_other_sessions(
    workspace: Workspace,
) -> None:
    _steward(workspace)
    here = accounts.sign_in(workspace, "jo.bloggs", PASSWORD, address="10.0.0.1")
    there = accounts.sign_in(workspace, "jo.bloggs", PASSWORD, address="10.0.0.2")
    changed = accounts.change_password(workspace, "jo.bloggs", PASSWORD,
                                       "a brand new password", keep=here.token)  # fmt: skip
    assert not changed.must_change
    assert accounts.resume(workspace, here.token) is not None
    assert accounts.resume(workspace, there.token) is None  # a stolen session ends
    for _ in range(workspace.settings.portal_sign_in_attempts):
        with pytest.raises(SignInRefused, match="current password"):
            accounts.change_password(workspace, "jo.bloggs", "a wrong guess at it",
                                     "another new password")  # fmt: skip
    with pytest.raises(SignInThrottled):
        accounts.change_password(workspace, "jo.bloggs", "a brand new password",
                                 "another new password")  # fmt: skip
