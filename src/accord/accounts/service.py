"""The accounts use cases: staff accounts managed, staff and citizens signed in and out.

Each act on an account, and each sign-in, failed sign-in and sign-out, is recorded in
the audit log by the function that does it, in the transaction of the change
(``audit.transaction``). Acts by an operator carry their role (``by_role``) and reason
(:func:`accord.audit.staff_act` rules, the reason optional here); passwords are never
logged or stored, only their Argon2id hashes (``passwords``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy.engine import Connection

from accord import audit
from accord.accounts import passwords, sessions, throttle
from accord.accounts import repository as repo
from accord.accounts.errors import (
    AccountExists,
    InvalidAccount,
    SignInRefused,
    SignInThrottled,
    UnknownAccount,
)
from accord.accounts.events import (
    UserAdded,
    UserDisabled,
    UserEnabled,
    UserPasswordChanged,
    UserReset,
    UserRolesChanged,
    UserSignedIn,
    UserSignedOut,
    UserSignInFailed,
)
from accord.accounts.models import Account, Credentials, Role, Session, Started
from accord.accounts.types import AccountName
from accord.store import InvalidName, Workspace, check_name

REFUSED = "The account name or password is not right."


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """The roles named (at least one); :class:`InvalidAccount` naming the choices."""
    found = set()
    for value in values:
        try:
            found.add(Role(value.strip().lower()))
        except ValueError:
            choices = ", ".join(r.value for r in Role)
            raise InvalidAccount(f"{value[:40]!r} is not a role; choose from {choices}") from None
    if not found:
        raise InvalidAccount(f"give at least one role ({', '.join(r.value for r in Role)})")
    return frozenset(found)


def check_account_name(name: str) -> AccountName:
    try:
        return AccountName(check_name(name.strip().lower(), "account name"))
    except InvalidName as exc:
        raise InvalidAccount(str(exc)) from None


def _act(by_role: str, reason: str) -> tuple[str, str]:
    return audit.staff_act(by_role, reason or "-") if by_role else ("", reason)


def _now() -> datetime:
    return datetime.now(UTC)


@audit.audited(UserAdded)
def add_user(
    ws: Workspace, name: str, roles: Iterable[Role], *, password: str | None = None,
    by_role: str, reason: str = "",
) -> Credentials:  # fmt: skip
    """A new staff account with ``roles``; ``password`` given, or generated (returned once).
    Either way it must be changed at the first sign-in."""
    account_name = check_account_name(name)
    wanted = parse_roles(r.value for r in roles)
    secret = passwords.check_password(password, account_name) if password else passwords.generate()
    role, why = _act(by_role, reason)
    now = _now()
    with audit.transaction(ws) as tx:
        if not repo.insert_account(tx.conn, account_name, passwords.hash_password(secret),
                                   wanted, now):  # fmt: skip
            raise AccountExists(f"there is already an account named {account_name}")
        tx.record(UserAdded(user=account_name, roles=tuple(sorted(wanted)), by_role=role,
                            reason=why))  # fmt: skip
        made = repo.account(tx.conn, account_name)
    assert made is not None
    return Credentials(made, secret, generated=password is None)


def _existing(conn: Connection, name: str) -> Account:
    found = repo.account(conn, check_account_name(name), for_update=True)
    if found is None:
        raise UnknownAccount(f"there is no account named {name.strip()[:100]}")
    return found


@audit.audited(UserDisabled)
def disable_user(ws: Workspace, name: str, *, by_role: str, reason: str = "") -> Account:
    """Disable the account and end its sessions at once (already disabled: nothing)."""
    role, why = _act(by_role, reason)
    with audit.transaction(ws) as tx:
        found = _existing(tx.conn, name)
        if not found.active:
            return found
        repo.update_account(tx.conn, found.name, disabled_at=_now())
        ended = sessions.end_all(tx.conn, found.name)
        tx.record(UserDisabled(user=found.name, sessions_ended=ended, by_role=role, reason=why))
        changed = repo.account(tx.conn, found.name)
    assert changed is not None
    return changed


@audit.audited(UserEnabled)
def enable_user(ws: Workspace, name: str, *, by_role: str, reason: str = "") -> Account:
    """Enable a disabled account again (already enabled: nothing)."""
    role, why = _act(by_role, reason)
    with audit.transaction(ws) as tx:
        found = _existing(tx.conn, name)
        if found.active:
            return found
        repo.update_account(tx.conn, found.name, disabled_at=None)
        tx.record(UserEnabled(user=found.name, by_role=role, reason=why))
        changed = repo.account(tx.conn, found.name)
    assert changed is not None
    return changed


@audit.audited(UserReset)
def reset_user(
    ws: Workspace, name: str, *, password: str | None = None, by_role: str, reason: str = ""
) -> Credentials:
    """A new password for the account (given, or generated and returned once), to be
    changed at the next sign-in; its sessions end."""
    role, why = _act(by_role, reason)
    with audit.transaction(ws) as tx:
        found = _existing(tx.conn, name)
        secret = (
            passwords.check_password(password, found.name) if password else passwords.generate()
        )
        repo.update_account(tx.conn, found.name, password_hash=passwords.hash_password(secret),
                            must_change=True, changed_at=_now())  # fmt: skip
        ended = sessions.end_all(tx.conn, found.name)
        tx.record(UserReset(user=found.name, sessions_ended=ended, by_role=role, reason=why))
        changed = repo.account(tx.conn, found.name)
    assert changed is not None
    return Credentials(changed, secret, generated=password is None)


@audit.audited(UserRolesChanged)
def set_roles(
    ws: Workspace, name: str, roles: Iterable[Role], *, by_role: str, reason: str = ""
) -> Account:
    """Give the account exactly ``roles`` (effective at its next request)."""
    wanted = parse_roles(r.value for r in roles)
    role, why = _act(by_role, reason)
    with audit.transaction(ws) as tx:
        found = _existing(tx.conn, name)
        if found.roles == wanted:
            return found
        repo.update_account(tx.conn, found.name, roles=wanted)
        tx.record(UserRolesChanged(user=found.name, roles=tuple(sorted(wanted)),
                                   previous=tuple(sorted(found.roles)), by_role=role,
                                   reason=why))  # fmt: skip
        changed = repo.account(tx.conn, found.name)
    assert changed is not None
    return changed


def accounts(ws: Workspace) -> list[Account]:
    """Every staff account, by name."""
    with ws.engine.connect() as conn:
        return repo.all_accounts(conn)


def has_accounts(ws: Workspace) -> bool:
    """Whether any staff account exists (none: the portal shows its first-run page)."""
    with ws.engine.connect() as conn:
        return repo.any_account(conn)


@audit.audited(UserSignedIn, UserSignInFailed)
def sign_in(
    ws: Workspace, name: str, password: str, *, address: str, now: datetime | None = None
) -> Started:
    """A staff session, if ``password`` is the account's and neither the account nor the
    client ``address`` is throttled; else :class:`SignInRefused` (the same words whatever
    was wrong) or :class:`SignInThrottled` (saying when to try again)."""
    now = now or _now()
    typed = name.strip().lower()[:100]
    gate = throttle.Throttle(ws, (("account", typed), ("address", address)))
    reserved = _reserve(ws, gate, now)
    with ws.engine.connect() as conn:
        found = repo.password_hash(conn, typed)
    matched = passwords.verify(found[1] if found else None, password)  # slow: no lock held
    if found is None or not matched or not found[0].active:
        why = ("unknown account" if found is None
               else "wrong password" if not matched else "account disabled")  # fmt: skip
        with audit.transaction(ws) as tx:
            locked = gate.failed(tx.conn, reserved, now)
            tx.record(UserSignInFailed(user=found[0].name if found else "", reason=why,
                                       locked=locked))  # fmt: skip
        raise SignInRefused(REFUSED)
    account, stored = found
    with audit.transaction(ws) as tx:
        gate.succeeded(tx.conn)
        if passwords.needs_rehash(stored):
            repo.update_account(tx.conn, account.name,
                                password_hash=passwords.hash_password(password))  # fmt: skip
        sessions.prune(tx.conn, ws, now)
        throttle.prune(tx.conn, ws, now)
        token, session = sessions.start_staff(tx.conn, account, now)
        tx.record(UserSignedIn(user=account.name, roles=tuple(sorted(account.roles))))
    return Started(token, session)


def _reserve(ws: Workspace, gate: throttle.Throttle, now: datetime) -> throttle.Reserved:
    """The attempt counted before anything is checked (committed, so attempts made at
    once each see the others'); :class:`SignInThrottled` when it is one too many."""
    with ws.engine.begin() as conn:
        reserved = gate.reserve(conn, now)
    if reserved.beyond:
        raise SignInThrottled(reserved.wait)
    return reserved


@audit.audited(UserSignedOut)
def sign_out(ws: Workspace, token: str) -> None:
    """End the session ``token`` opens (a staff sign-out is recorded)."""
    with audit.transaction(ws) as tx:
        account = sessions.end(tx.conn, token)
        if account is not None:
            tx.record(UserSignedOut(user=account))


@audit.audited(UserPasswordChanged)
def change_password(
    ws: Workspace, account_name: str, current: str, new: str, *, keep: str | None = None,
    now: datetime | None = None,
) -> Account:  # fmt: skip
    """The member of staff's own new password, once ``current`` proves it is them (the
    attempts throttled as sign-ins are, per account); every other session of the
    account ends (``keep``: the token of the session that changed it)."""
    now = now or _now()
    gate = throttle.Throttle(ws, (("account", account_name),))
    reserved = _reserve(ws, gate, now)
    with ws.engine.connect() as conn:
        found = repo.password_hash(conn, account_name)
    if found is None or not found[0].active or not passwords.verify(found[1], current):
        with ws.engine.begin() as conn:
            gate.failed(conn, reserved, now)
        raise SignInRefused("The current password is not right.")
    if passwords.verify(found[1], new):
        raise InvalidAccount("the new password must differ from the current one")
    passwords.check_password(new, account_name)
    with audit.transaction(ws) as tx:
        gate.succeeded(tx.conn)
        repo.update_account(tx.conn, account_name, password_hash=passwords.hash_password(new),
                            must_change=False, changed_at=now)  # fmt: skip
        sessions.end_others(tx.conn, account_name, keep)
        tx.record(UserPasswordChanged(user=account_name))
        changed = repo.account(tx.conn, account_name)
    assert changed is not None
    return changed


def citizen_sign_in(
    ws: Workspace,
    provider: audit.IdentityProvider,
    evidence: Mapping[str, str],
    *,
    address: str,
    now: datetime | None = None,
) -> Started:
    """A citizen's session once ``provider`` verifies ``evidence``; throttled per person
    (the NHS number given, when one is) and per client ``address``. Signing in is not a
    use of anyone's data by anyone else, so it is not recorded."""
    now = now or _now()
    nhs = "".join(evidence.get("nhs_number", "").split())
    subjects = (("person", nhs),) if nhs else ()
    gate = throttle.Throttle(ws, (*subjects, ("address", address)))
    reserved = _reserve(ws, gate, now)
    try:
        verified = provider.verify(evidence)
        person = audit.person_key(ws, verified.nhs_number)
    except audit.IdentityNotVerified as exc:
        with ws.engine.begin() as conn:
            gate.failed(conn, reserved, now)
        raise SignInRefused(str(exc)) from None
    with ws.engine.begin() as conn:
        gate.succeeded(conn)
        sessions.prune(conn, ws, now)
        token, session = sessions.start_citizen(conn, person, verified.nhs_number,
                                                provider.name, now)  # fmt: skip
    return Started(token, session)


def count_failed_sign_in(ws: Workspace, *, address: str, now: datetime | None = None) -> None:
    """Count a sign-in that failed before anyone could be named (an identity provider's
    refusal) against the client ``address``; :class:`SignInThrottled` once it is locked."""
    now = now or _now()
    gate = throttle.Throttle(ws, (("address", address),))
    reserved = _reserve(ws, gate, now)
    with ws.engine.begin() as conn:
        gate.failed(conn, reserved, now)


def resume(ws: Workspace, token: str, now: datetime | None = None) -> Session | None:
    """The session the browser's ``token`` opens, if it has not ended (idle, absolute
    timeout, signed out, account disabled or reset)."""
    return sessions.resume(ws, token, now or _now())
