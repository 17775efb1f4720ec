"""Passwords: Argon2id hashes (argon2-cffi), the length rule, and generated passwords.

The hasher uses argon2-cffi's default parameters (RFC 9106's second recommended
profile); a hash made under other parameters verifies and is replaced by one under the
current parameters at the next sign-in (:func:`needs_rehash`). An unknown account is
checked against a fixed hash so that it takes as long to refuse as a wrong password.
"""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from accord.accounts.errors import InvalidAccount

MIN_LENGTH = 12
"""NCSC guidance: length, not composition rules."""
MAX_LENGTH = 200
GENERATED_BYTES = 15
"""A generated password: 120 random bits, 20 URL-safe characters."""

_HASHER = PasswordHasher()


def check_password(password: str, account: str) -> str:
    """``password`` if it may be used for ``account``; else :class:`InvalidAccount`."""
    if len(password) < MIN_LENGTH:
        raise InvalidAccount(f"the password must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise InvalidAccount(f"the password must be at most {MAX_LENGTH} characters long")
    if not password.isprintable():
        raise InvalidAccount("the password must be one line of printable characters")
    if account.lower() in password.lower():
        raise InvalidAccount("the password must not contain the account's name")
    return password


def generate() -> str:
    """A new random password, to be shown once."""
    return secrets.token_urlsafe(GENERATED_BYTES)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (None: an unknown account, checked against
    a fixed hash all the same, and never matching)."""
    try:
        matched = _HASHER.verify(stored or _absent(), password[:MAX_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return matched and stored is not None


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made under other parameters than the current ones."""
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


@cache
def _absent() -> str:
    return _HASHER.hash(secrets.token_urlsafe(GENERATED_BYTES))
