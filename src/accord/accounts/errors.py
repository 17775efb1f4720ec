"""The accounts context's errors: one tree, each message one a steward can act on."""

from __future__ import annotations

import math


class AccountError(Exception):
    """Base of every accounts error."""


class InvalidAccount(AccountError, ValueError):
    """A name, role or password that cannot be used (the message says why)."""


class AccountExists(AccountError):
    """An account of that name is already there."""


class UnknownAccount(AccountError):
    """No account of that name."""


class JourneyRefused(AccountError):
    """A journey's answers that cannot be kept: the session has ended, or they are too
    large (the message says which)."""


class SignInRefused(AccountError):
    """The name and password (or the person's details) did not sign in. The same words
    whether the account is unknown, disabled or the password wrong: nothing is given away."""


class SignInThrottled(SignInRefused):
    """Too many failed sign-ins to this account, as this person, or from this address."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        minutes = max(1, math.ceil(self.retry_after / 60))
        super().__init__(
            f"There have been too many failed sign-ins. Try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}."
        )
