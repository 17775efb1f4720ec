"""The portal's errors: one tree. Those a page raises become responses (the handlers in
``app``): a sign-in to ask for, a 403, 400 or 404 page in the GOV.UK style."""

from __future__ import annotations


class PortalError(Exception):
    """Base of every portal error."""


class InsecureCookies(PortalError):
    """``portal_secure_cookies = false`` on an address other people can reach."""


class SignInNeeded(PortalError):
    """The page is for a signed-in member of staff (or citizen): ask them to sign in."""

    def __init__(self, kind: str, after: str) -> None:
        super().__init__(f"sign in as {kind} first")
        self.kind = kind
        self.after = after


class PasswordChangeNeeded(PortalError):
    """The member of staff's password was set by someone else: change it first."""


class Forbidden(PortalError):
    """Signed in, but without a role the page needs (a 403 page, saying which)."""


class CsrfRefused(PortalError):
    """A form came without this session's CSRF token (a 400 page)."""


class BadRequest(PortalError):
    """A request the page cannot use (a 400 page, saying why)."""
