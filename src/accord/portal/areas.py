"""The areas of the portal a member of staff can reach, by role: the service navigation
and the staff home page are built from :data:`AREAS`.

An area (datasets, agreements, the audit explorer ...) registers itself here when its
router is added (docs/portal.md, "Adding a page"): its title, where it starts, a line
saying what it is for, the roles that may open it, and its place in the navigation
(``order``: the work people come for first, the node's own administration last), so
the order does not follow the order modules happen to be imported in. The roles here
only choose which links a member of staff sees; each route checks the role itself
(``deps.require``).
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.accounts import Role, StaffSession


@dataclass(frozen=True)
class Area:
    """One area of the staff portal."""

    title: str
    href: str
    description: str
    roles: frozenset[Role]
    order: int
    """Its place in the navigation and on the staff home page (lower first)."""

    def open_to(self, session: StaffSession) -> bool:
        return session.holds(*self.roles)


AREAS: list[Area] = []
"""Every area, in the order the navigation shows them."""


def register_area(area: Area) -> Area:
    """Add ``area`` to the navigation (once; its ``href`` names it)."""
    if any(a.href == area.href for a in AREAS):
        raise ValueError(f"an area at {area.href} is already registered")
    AREAS.append(area)
    AREAS.sort(key=lambda a: a.order)
    return area


def areas_for(session: StaffSession) -> list[Area]:
    """The areas ``session``'s roles open, in order."""
    return [a for a in AREAS if a.open_to(session)]
