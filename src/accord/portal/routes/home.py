"""The start page: on a node with no staff account yet, the first-run page (how to make
the first one, and nothing else); otherwise the ways in, for staff and for citizens."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from accord import accounts
from accord.portal.deps import PortalDep, portal_router, render

router = portal_router()


@router.get("/")
def start(request: Request, portal: PortalDep) -> HTMLResponse:
    if not accounts.has_accounts(portal.ws):
        return render(request, "home/first_run.html", roles=list(accounts.Role))
    return render(request, "home/start.html")


@router.get("/signed-out")
def signed_out(request: Request) -> HTMLResponse:
    return render(request, "home/signed_out.html")
