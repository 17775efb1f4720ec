"""The portal: web pages in the GOV.UK Design System for staff (data stewards, approvers,
auditors, analysts) and citizens, served by ``accord serve`` beside the node's API.

Public face: :func:`create_app` (the node's API with the pages beside it),
:func:`create_pages`, :data:`FACTORY` (what ``accord serve`` runs in each worker),
:func:`check_serving`, and the errors under :class:`PortalError`. Inside: ``app`` (the
factory and the error pages), ``deps`` (what every page uses: the session, the role
checks, the CSRF-checked form, rendering), ``security`` (headers, cookies, CSRF
tokens), ``areas`` (the navigation by role), ``assets``, ``identity`` (the citizens'
identity provider), ``routes/`` (one router per area) and ``templates/`` (one folder
per area). docs/portal.md says how to add a page.
"""

from typing import TYPE_CHECKING

from accord.portal.errors import InsecureCookies, PortalError

if TYPE_CHECKING:
    from accord.portal.app import FACTORY, check_serving, create_app, create_pages


def __getattr__(name: str) -> object:
    """The portal's app, imported on first use: it brings FastAPI and the templates,
    which a command that serves nothing does not need."""
    if name in ("FACTORY", "check_serving", "create_app", "create_pages"):
        from accord.portal import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FACTORY",
    "InsecureCookies",
    "PortalError",
    "check_serving",
    "create_app",
    "create_pages",
]
