"""The portal's app factory: the web pages, beside the node's API, in one process.

:func:`create_pages` builds the pages for one workspace: the Jinja environment (the
portal's templates and govuk-frontend-jinja's macros), the assets served from the node,
one router per area, the HTML error pages, and :class:`~accord.portal.security.SecurityHeaders`
around it all. :func:`create_app` puts them beside the exchange's API
(``exchange.with_pages``: the API keeps its problem documents and signatures, and the
exchange never imports the portal); :data:`FACTORY` is what ``accord serve`` has each
worker call.
"""

from __future__ import annotations

import logging
import os
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from accord.exchange import with_pages
from accord.portal import assets, text
from accord.portal.deps import Portal, render
from accord.portal.errors import (
    BadRequest,
    CsrfRefused,
    Forbidden,
    InsecureCookies,
    PasswordChangeNeeded,
    SignInNeeded,
)
from accord.portal.routes import (
    accounts,
    agreements,
    audit_log,
    checkpoints,
    citizen,
    datasets,
    drafting,
    drafting_fields,
    gateways,
    home,
    inbox,
    people,
    staff,
    usage,
    your_data,
)
from accord.portal.security import Cookies, SecurityHeaders
from accord.store import Workspace

FACTORY = "accord.portal.app:app_from_environment"
log = logging.getLogger("accord.portal")
ROUTERS = (
    home.router, staff.router, datasets.router, audit_log.router, usage.router,
    checkpoints.router, accounts.router, citizen.router, your_data.router, people.router,
    agreements.router, inbox.router, drafting.router, drafting_fields.router, gateways.router,
)  # fmt: skip
"""Every area's router, in the order they are included (an area adds its own here)."""


def environment() -> Environment:
    """Jinja2 with the portal's templates and the GOV.UK Frontend macros (under
    ``govuk_frontend_jinja/``); autoescaped, undefined values empty (as in Nunjucks);
    the filters of ``text`` (dates, times, counts, sizes as people read them)."""
    loader = ChoiceLoader([
        PackageLoader("accord.portal", "templates"),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])  # fmt: skip
    env = Environment(loader=loader, autoescape=select_autoescape(("html",)),
                      trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    env.filters.update(text.FILTERS)
    return env


def create_pages(ws: Workspace) -> ASGIApp:
    """The portal's pages for the node's workspace ``ws`` (see the module's docstring)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    frontend = assets.frontend(ws)
    app.state.portal = Portal(ws, environment(), Cookies.for_workspace(ws), frontend,
                              ws.settings.portal_identity)  # fmt: skip
    app.mount("/assets/accord", StaticFiles(directory=assets.STATIC), name="accord-assets")
    if frontend is not None:
        app.mount("/assets/govuk", StaticFiles(directory=frontend), name="govuk-frontend")
        app.mount("/assets", StaticFiles(directory=frontend / "assets"), name="govuk-assets")
    for router in ROUTERS:
        app.include_router(router)
    _error_pages(app)
    return SecurityHeaders(app, secure=ws.settings.portal_secure_cookies)


def create_app(root: Path) -> ASGIApp:
    """The node at ``root``: its API, and the portal's pages beside it."""
    return with_pages(root, create_pages)


def app_from_environment() -> ASGIApp:
    """The app of the workspace in ``ACCORD_WORKSPACE`` (uvicorn's worker factory)."""
    return create_app(Path(os.environ.get("ACCORD_WORKSPACE", ".")))


def check_serving(ws: Workspace, host: str) -> None:
    """Refuse cookies without ``Secure`` on an address other machines can reach."""
    if ws.settings.portal_secure_cookies:
        return
    try:
        loopback = host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise InsecureCookies(
            f"portal_secure_cookies = false is allowed only on a loopback address, not "
            f"{host}: the portal's session cookie would travel unencrypted; serve behind "
            "HTTPS and remove the setting (docs/portal.md)"
        )


PAGES = {
    400: ("There is a problem with your request", ["The page could not use what was sent."]),
    403: ("You cannot open this page", ["Your account does not have the role this page needs."]),
    404: ("Page not found", ["If you typed the web address, check it is correct.",
                             "If you pasted the web address, check you copied the whole address."]),
    405: ("There is a problem with your request", ["This page cannot be used like that."]),
    500: ("Sorry, there is a problem with the service",
          ["Try again later. The node's operator can find what went wrong in its log."]),
}  # fmt: skip


def error_page(request: Request, status: int, lines: list[str] | None = None) -> HTMLResponse:
    """The GOV.UK-style page for ``status`` (never a traceback)."""
    title, default = PAGES.get(status, PAGES[400])
    return render(request, "errors/error.html", status_code=status, title=title,
                  lines=lines or default)  # fmt: skip


async def page(request: Request, status: int, lines: list[str] | None = None) -> Response:
    """:func:`error_page` in a worker thread (it reads the session from the store)."""
    return await run_in_threadpool(error_page, request, status, lines)


def _error_pages(app: FastAPI) -> None:
    async def sign_in(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeeded)
        page = "/staff/sign-in" if exc.kind == "staff" else "/citizen/sign-in"
        query = urlencode({"next": exc.after}, safe="/")
        return RedirectResponse(f"{page}?{query}", status_code=303)

    async def change_password(_request: Request, _exc: Exception) -> Response:
        return RedirectResponse("/staff/password", status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        return await page(request, 403, [str(exc), PAGES[403][1][0]])

    async def csrf(request: Request, _exc: Exception) -> Response:
        return await page(request, 400, [
            "This form was not sent from this service's page, or the page was open too long.",
            "Go back, reload the page and try again.",
        ])  # fmt: skip

    async def bad(request: Request, exc: Exception) -> Response:
        return await page(request, 400, [str(exc)])

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = str(first.get("loc", ("request",))[-1])
        return await page(request, 400, [f"The {where} in the address is not valid."])

    async def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return await page(request, exc.status_code if exc.status_code in PAGES else 400)

    async def failed(request: Request, exc: Exception) -> Response:
        log.error("the page %s failed", request.url.path, exc_info=exc)
        try:
            return await run_in_threadpool(error_page, request, 500)
        except Exception:  # the store itself may be what failed: a page without it
            log.exception("the error page for %s failed too", request.url.path)
            title, lines = PAGES[500]
            bare = f"<!DOCTYPE html><html lang='en-GB'><title>{title}</title><h1>{title}</h1>"
            return HTMLResponse(f"{bare}<p>{lines[0]}</p></html>", status_code=500)

    app.add_exception_handler(SignInNeeded, sign_in)
    app.add_exception_handler(PasswordChangeNeeded, change_password)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(CsrfRefused, csrf)
    app.add_exception_handler(BadRequest, bad)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http)
    app.add_exception_handler(Exception, failed)
