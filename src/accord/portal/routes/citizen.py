"""Citizens: sign-in through the node's identity provider, and sign-out (their pages once
signed in are ``your_data``).

With the local provider (development, the demo, tests) the sign-in page asks for an NHS
number and a date of birth; with OpenID Connect ``/citizen/oidc`` sends the browser to
the provider and ``/citizen/callback`` takes it back (``oidc``). Sign-in is throttled per person
and per client address, as staff sign-in is.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException

from accord import accounts
from accord.portal import oidc
from accord.portal.deps import (
    FormFields,
    PortalDep,
    begin_session,
    local_path,
    portal_router,
    render,
)
from accord.portal.forms import person_evidence
from accord.portal.identity import local_provider
from accord.portal.routes.staff import client_address, end_session

router = portal_router()
log = logging.getLogger("accord.portal")
HOME = "/citizen"
PAGE = "citizen/sign_in.html"


@router.get("/citizen/sign-in")
def sign_in_page(request: Request, next: str = HOME) -> HTMLResponse:
    return render(request, PAGE, next=local_path(next, HOME), values={})


@router.post("/citizen/sign-in", response_model=None)
def sign_in(
    request: Request, portal: PortalDep, fields: FormFields
) -> HTMLResponse | RedirectResponse:
    after = local_path(fields.get("next"), HOME)
    values = {k: fields.get(k) for k in fields}
    if portal.identity != "local":
        return render(request, PAGE, status_code=404, next=after, values={})
    evidence, errors = person_evidence(fields)
    status = 400
    if not errors:
        try:
            started = accounts.citizen_sign_in(portal.ws, local_provider(portal.ws), evidence,
                                               address=client_address(request))  # fmt: skip
        except accounts.SignInThrottled as exc:
            errors, status = {"nhs_number": str(exc)}, 429
        except accounts.SignInRefused:
            errors, status = {"nhs_number": NOT_FOUND}, 401
        else:
            return begin_session(request, started, after)
    return render(request, PAGE, status_code=status, errors=errors, next=after, values=values)


NOT_FOUND = ("We could not find you with those details. Check your NHS number and date of "
             "birth and try again.")  # fmt: skip


@router.post("/citizen/sign-out")
def sign_out(request: Request, portal: PortalDep) -> RedirectResponse:
    return end_session(request, portal)


LOGIN = "oidc-login"


@router.get("/citizen/oidc", response_model=None)
def oidc_start(
    request: Request, portal: PortalDep, next: str = HOME
) -> HTMLResponse | RedirectResponse:
    """Send the browser to the identity provider, the login's secrets in a signed cookie."""
    if portal.identity != "oidc":
        raise HTTPException(404)
    try:
        client = oidc.Client.for_workspace(portal.ws)
    except oidc.OidcError as exc:
        log.error("citizen sign-in is not set up: %s", exc)
        return _failed(request, 500, "Signing in is not set up on this node yet.")
    login, url = oidc.start(client, local_path(next, HOME))
    response = RedirectResponse(url, status_code=303)
    portal.cookies.write(response, LOGIN, login.as_text(), max_age=oidc.LOGIN_SECONDS)
    return response


@router.get("/citizen/callback", response_model=None)
def oidc_callback(request: Request, portal: PortalDep) -> HTMLResponse | RedirectResponse:
    """The provider's answer: the code exchanged, the ID token verified, a session."""
    if portal.identity != "oidc":
        raise HTTPException(404)
    kept = portal.cookies.read(request, LOGIN, max_age=oidc.LOGIN_SECONDS)
    if kept is None:
        return _failed(request, 400, "This sign-in took too long or was not started here.")
    login = oidc.Login.from_text(kept)
    try:
        client = oidc.Client.for_workspace(portal.ws)
        evidence = oidc.finish(client, login, dict(request.query_params))
        started = accounts.citizen_sign_in(portal.ws, client.provider(), evidence,
                                           address=client_address(request))  # fmt: skip
    except accounts.SignInThrottled as exc:
        return _failed(request, 429, str(exc))
    except (oidc.OidcError, accounts.SignInRefused) as exc:
        log.warning("citizen sign-in refused: %r", str(exc))  # quoted: no forged lines
        if isinstance(exc, oidc.OidcError):  # counted against the address, as a refusal is
            try:
                accounts.count_failed_sign_in(portal.ws, address=client_address(request))
            except accounts.SignInThrottled as throttled:
                return _failed(request, 429, str(throttled))
        return _failed(request, 401, "The identity provider could not confirm who you are.")
    response = begin_session(request, started, login.after)
    portal.cookies.clear(response, LOGIN)
    return response


def _failed(request: Request, status: int, why: str) -> HTMLResponse:
    return render(request, "errors/error.html", status_code=status, title="You could not sign in",
                  lines=[why, "Start again from the sign-in page."])  # fmt: skip
