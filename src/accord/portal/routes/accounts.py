"""The staff accounts area (stewards): who can sign in to this node, with which roles.
Accounts are added, reset and disabled with ``accord user`` on the node itself."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from accord import accounts
from accord.accounts import Role
from accord.portal.areas import Area, register_area
from accord.portal.deps import PortalDep, Steward, portal_router, render

router = portal_router()
AREA = register_area(Area(
    title="Staff accounts", href="/staff/accounts",
    description="Who can sign in to this node, with which roles.",
    roles=frozenset({Role.STEWARD}), order=90,
))  # fmt: skip


@router.get(AREA.href)
def staff_accounts(request: Request, portal: PortalDep, staff: Steward) -> HTMLResponse:
    return render(request, "accounts/list.html", session=staff,
                  accounts=accounts.accounts(portal.ws))  # fmt: skip
