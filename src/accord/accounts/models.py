"""Staff accounts, their roles, and signed-in sessions (staff and citizens), as values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from accord.accounts.types import AccountName, SessionToken
from accord.audit import PersonKey


class Role(StrEnum):
    """What a member of staff may do in the portal; an account may hold several."""

    STEWARD = "steward"
    """Data steward / information-governance lead: datasets, agreements, subject access."""
    APPROVER = "approver"
    """Approves and signs agreements for the organisation."""
    AUDITOR = "auditor"
    """Reads the audit log and checkpoints, runs verification: read only."""
    ANALYST = "analyst"
    """Reads data quality and usage reports; no person-level data."""

    @property
    def label(self) -> str:
        return _TITLES[self]


_TITLES = {
    Role.STEWARD: "Data steward",
    Role.APPROVER: "Approver",
    Role.AUDITOR: "Auditor",
    Role.ANALYST: "Analyst",
}


@dataclass(frozen=True)
class Account:
    """A member of staff's account (never its password or hash)."""

    name: AccountName
    roles: frozenset[Role]
    must_change: bool
    """The password was set by someone else (added, reset): change it at sign-in."""
    created_at: datetime
    changed_at: datetime
    disabled_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "roles": sorted(self.roles),
            "must_change": self.must_change,
            "created_at": self.created_at.isoformat(),
            "changed_at": self.changed_at.isoformat(),
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
        }


@dataclass(frozen=True)
class Credentials:
    """An account and the password it was just given (shown once, never stored)."""

    account: Account
    password: str
    generated: bool


@dataclass(frozen=True)
class StaffSession:
    """A signed-in member of staff, as the store holds them at this request: their roles
    are read afresh each time, so a change takes effect at once."""

    account: AccountName
    roles: frozenset[Role]
    must_change: bool
    created_at: datetime
    seen_at: datetime

    def holds(self, *roles: Role) -> bool:
        """Whether the member of staff holds any of ``roles``."""
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class CitizenSession:
    """A citizen an identity provider verified: known here by the node's person key; the
    NHS number is unsealed from the store with the browser's token, for this request."""

    person: PersonKey
    nhs_number: str
    provider: str
    created_at: datetime
    seen_at: datetime


Session = StaffSession | CitizenSession


@dataclass(frozen=True)
class Started:
    """A session just begun: the token for the browser's cookie, and the session."""

    token: SessionToken
    session: Session
