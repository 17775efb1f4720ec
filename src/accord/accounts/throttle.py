"""Sign-in throttling, shared by every worker through the store.

Failures are counted per subject: an account, a person (a citizen's NHS number) and a
client address, each known to the store only by a keyed hash (a copy of the store does
not list who tried). ``portal_sign_in_attempts`` failures to one account or person, or
``portal_sign_in_address_attempts`` from one address, within ``portal_sign_in_lockout``
seconds lock that subject for as long; an attempt against a locked subject is refused
before any password is checked. A success clears its account's (or person's) count,
never the address's: one good account must not buy an address more guesses at others.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from sqlalchemy.engine import Connection

from accord.accounts import repository as repo
from accord.accounts.errors import SignInThrottled
from accord.store import PORTAL_SECRET, Workspace, node_secret

LABEL = b"accord-accounts/throttle"


@dataclass(frozen=True)
class Throttle:
    """The throttle of one workspace, for the subjects of one attempt."""

    ws: Workspace
    subjects: tuple[tuple[str, str], ...]
    """(scope, value) pairs: ``("account", name)``, ``("address", ip)``, ``("person", nhs)``."""

    @cached_property
    def keyed(self) -> tuple[tuple[str, str], ...]:
        key = hmac.new(node_secret(self.ws, PORTAL_SECRET), LABEL, hashlib.sha256).digest()
        return tuple(
            (scope, hmac.new(key, f"{scope}:{value}".encode(), hashlib.sha256).hexdigest())
            for scope, value in self.subjects
        )

    def check(self, conn: Connection, now: datetime) -> None:
        """:class:`SignInThrottled` if any subject is locked now."""
        until = repo.locked_until(conn, self.keyed)
        if until is not None and until > now:
            raise SignInThrottled((until - now).total_seconds())

    def reserve(self, conn: Connection, now: datetime) -> Reserved:
        """Count this attempt against every subject *before* its password is checked, so
        attempts made at once cannot all slip under the limit: :class:`SignInThrottled`
        if a subject is locked, or this attempt is beyond a subject's limit (then it is
        locked, and the caller commits that). The caller then settles the attempt with
        :meth:`failed` or :meth:`succeeded`."""
        self.check(conn, now)
        window = timedelta(seconds=self.ws.settings.portal_sign_in_lockout)
        counts: dict[tuple[str, str], int] = {}
        beyond = False
        for scope, subject in self.keyed:
            counts[(scope, subject)] = repo.count_failure(conn, scope, subject, now,
                                                          now - window)  # fmt: skip
            if counts[(scope, subject)] > self._limit(scope):
                repo.lock(conn, scope, subject, now + window)
                beyond = True
        return Reserved(counts, beyond, window.total_seconds())

    def failed(self, conn: Connection, reserved: Reserved, now: datetime) -> bool:
        """The reserved attempt failed: lock each subject it brought to its limit;
        whether one was."""
        window = timedelta(seconds=self.ws.settings.portal_sign_in_lockout)
        locked = False
        for (scope, subject), count in reserved.counts.items():
            if count >= self._limit(scope):
                repo.lock(conn, scope, subject, now + window)
                locked = True
        return locked

    def succeeded(self, conn: Connection) -> None:
        """The reserved attempt succeeded: clear the counts of the subject that signed in,
        and take back this attempt from the address's (never all of it: one good account
        must not buy an address more guesses at others)."""
        for scope, subject in self.keyed:
            if scope == "address":
                repo.uncount_failure(conn, scope, subject)
            else:
                repo.clear_failures(conn, scope, subject)

    def _limit(self, scope: str) -> int:
        settings = self.ws.settings
        if scope == "address":
            return settings.portal_sign_in_address_attempts
        return settings.portal_sign_in_attempts


@dataclass(frozen=True)
class Reserved:
    """An attempt counted before it is checked: each subject's count with it, and
    whether it went beyond a limit (refused, the subject locked)."""

    counts: dict[tuple[str, str], int]
    beyond: bool
    wait: float


def prune(conn: Connection, ws: Workspace, now: datetime) -> None:
    """Forget counts whose window and lock are both over."""
    repo.delete_stale_failures(conn, now - timedelta(seconds=ws.settings.portal_sign_in_lockout))
