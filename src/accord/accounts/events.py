"""The accounts context's audit events, registered through audit's public mechanism.

Every act on a staff account (added, disabled, reset, roles changed, password changed)
and every sign-in, failed sign-in and sign-out is recorded. Acts from the command line
carry the operator's ``by_role``; a member of staff's own acts name their account. The
log never holds a password, a session token or a client's address. Names are stable
once released (docs/audit.md lists them).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from accord import audit


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class UserAdded(audit.Event):
    """A staff account was added to the portal, with its roles."""

    name: ClassVar[str] = "user.added"
    user: str
    roles: tuple[str, ...]
    by_role: str = ""
    reason: str = ""


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class UserDisabled(audit.Event):
    """A staff account was disabled: it cannot sign in, and its sessions ended."""

    name: ClassVar[str] = "user.disabled"
    user: str
    sessions_ended: int = 0
    by_role: str = ""
    reason: str = ""


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class UserEnabled(audit.Event):
    """A disabled staff account was enabled again (to change its password at sign-in)."""

    name: ClassVar[str] = "user.enabled"
    user: str
    by_role: str = ""
    reason: str = ""


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class UserReset(audit.Event):
    """A staff account's password was reset (to be changed at the next sign-in)."""

    name: ClassVar[str] = "user.reset"
    user: str
    sessions_ended: int = 0
    by_role: str = ""
    reason: str = ""


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class UserRolesChanged(audit.Event):
    """A staff account's roles were changed (effective at its next request)."""

    name: ClassVar[str] = "user.roles_changed"
    user: str
    roles: tuple[str, ...]
    previous: tuple[str, ...]
    by_role: str = ""
    reason: str = ""


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class UserPasswordChanged(audit.Event):
    """A member of staff changed their own password."""

    name: ClassVar[str] = "user.password_changed"
    user: str


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class UserSignedIn(audit.Event):
    """A member of staff signed in to the portal."""

    name: ClassVar[str] = "user.signed_in"
    user: str
    roles: tuple[str, ...]


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class UserSignInFailed(audit.Event):
    """A staff sign-in was refused (``user`` empty for a name that is no account)."""

    name: ClassVar[str] = "user.sign_in_failed"
    user: str
    reason: str
    """``wrong password``, ``unknown account`` or ``account disabled``."""
    locked: bool = False
    """This failure locked the account or the client address (throttling)."""


@audit.register_event
@dataclasses.dataclass(frozen=True, kw_only=True)
class UserSignedOut(audit.Event):
    """A member of staff signed out of the portal."""

    name: ClassVar[str] = "user.signed_out"
    user: str
