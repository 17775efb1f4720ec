"""What every page shares, named once: the portal, the signed-in session, the role checks,
the form helper that checks the CSRF token, and rendering.

A route of an area uses these (docs/portal.md, "Adding a page")::

    router = portal_router()   # every POST on it checks the CSRF token

    @router.get("/staff/datasets")
    def datasets(request: Request, staff: Annotated[StaffSession, Depends(require(Role.STEWARD))]):
        return render(request, "datasets/list.html", datasets=...)

    @router.post("/staff/datasets/{name}/describe")
    def describe(request: Request, staff: Steward, fields: FormFields): ...

Signed out, a staff page sends the browser to the sign-in page (and back afterwards);
signed in without the role, it is a 403 page naming the roles that may open it; a
citizen page likewise for citizens. Every check runs on the server for every request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment
from starlette.datastructures import FormData

from accord import accounts
from accord.accounts import CitizenSession, Role, Session, StaffSession
from accord.portal.areas import areas_for
from accord.portal.errors import CsrfRefused, Forbidden, PasswordChangeNeeded, SignInNeeded
from accord.portal.security import Cookies, new_browser_id
from accord.store import Workspace

SESSION = "session"
BROWSER = "browser"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_FIELDS = 200
PASSWORD_PAGE = "/staff/password"  # noqa: S105 - a path


@dataclass
class Portal:
    """What every page of one worker shares."""

    ws: Workspace
    env: Environment
    cookies: Cookies
    frontend: Path | None
    identity: str
    """The citizen identity provider in use: ``none``, ``local`` or ``oidc``."""


def get_portal(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


PortalDep = Annotated[Portal, Depends(get_portal)]


def session_token(request: Request) -> str | None:
    """The session token in the browser's signed cookie, if any."""
    return get_portal(request).cookies.read(request, SESSION)


def current_session(request: Request) -> Session | None:
    """The signed-in session of this request, or None (read once per request)."""
    if not hasattr(request.state, "accord_session"):
        token = session_token(request)
        found = accounts.resume(get_portal(request).ws, token) if token else None
        request.state.accord_session = found
    found_session: Session | None = request.state.accord_session
    return found_session


SessionDep = Annotated[Session | None, Depends(current_session)]


def require(*roles: Role) -> Callable[[Request], StaffSession]:
    """A dependency: the signed-in member of staff, holding one of ``roles`` (any role
    when none is named). Signed out: the sign-in page; without the role: a 403 page."""

    def staff(request: Request) -> StaffSession:
        session = current_session(request)
        if not isinstance(session, StaffSession):
            raise SignInNeeded("staff", request.url.path)
        if session.must_change and request.url.path != PASSWORD_PAGE:
            raise PasswordChangeNeeded("change your password first")
        if roles and not session.holds(*roles):
            needed = " or ".join(r.label.lower() for r in roles)
            raise Forbidden(f"This page is for staff with the {needed} role.")
        return session

    return staff


AnyStaff = Annotated[StaffSession, Depends(require())]
Steward = Annotated[StaffSession, Depends(require(Role.STEWARD))]
Approver = Annotated[StaffSession, Depends(require(Role.APPROVER))]
Auditor = Annotated[StaffSession, Depends(require(Role.AUDITOR))]
Analyst = Annotated[StaffSession, Depends(require(Role.ANALYST))]


def citizen(request: Request) -> CitizenSession:
    """A dependency: the citizen an identity provider verified (else their sign-in page)."""
    session = current_session(request)
    if not isinstance(session, CitizenSession):
        raise SignInNeeded("citizen", request.url.path)
    return session


Citizen = Annotated[CitizenSession, Depends(citizen)]


class Form(Mapping[str, str]):
    """A submitted form whose CSRF token was checked: each field's (first) value, and
    :meth:`getlist` for fields sent several times (checkboxes)."""

    def __init__(self, data: FormData) -> None:
        self._data = data

    def __getitem__(self, key: str) -> str:
        value = self._data[key]
        return value if isinstance(value, str) else ""

    def __iter__(self):  # type: ignore[no-untyped-def]
        return (k for k in self._data if k != CSRF_FIELD)

    def __len__(self) -> int:
        return len([k for k in self._data if k != CSRF_FIELD])

    def get(self, key: str, default: str = "") -> str:  # type: ignore[override]
        """The field's value, spaces trimmed (``default`` when it was not sent)."""
        return self[key].strip() if key in self._data else default

    def raw(self, key: str) -> str:
        """The field's value exactly as sent (a password: spaces are part of it)."""
        return self[key] if key in self._data else ""

    def getlist(self, key: str) -> list[str]:
        return [v for v in self._data.getlist(key) if isinstance(v, str)]


async def form(request: Request) -> Form:
    """The request's form, once its CSRF token is this browser's and session's; else
    :class:`CsrfRefused` (a 400 page). Read once per request (Starlette keeps it)."""
    data = await request.form(max_files=0, max_fields=MAX_FIELDS)
    cookies = get_portal(request).cookies
    given = data.get(CSRF_FIELD)
    if not isinstance(given, str) or not cookies.csrf_ok(
        given, cookies.read(request, BROWSER), session_token(request)
    ):
        raise CsrfRefused("the form's security token is missing, expired or not this page's")
    return Form(data)


FormFields = Annotated[Form, Depends(form)]


async def csrf_guard(request: Request) -> None:
    """Every request that can change something carries this session's CSRF token."""
    if request.method not in SAFE_METHODS:
        await form(request)


def portal_router(**options: Any) -> APIRouter:
    """A router for one area's pages: HTML responses, no OpenAPI entries, and the CSRF
    check on every POST (a route need not remember it; a test checks every route)."""
    return APIRouter(
        dependencies=[Depends(csrf_guard)], include_in_schema=False,
        default_response_class=HTMLResponse, **options,
    )  # fmt: skip


def csrf_token(request: Request) -> str:
    """This browser's CSRF token for its current session (a browser id is made and its
    cookie set by :func:`render` when it has none)."""
    cookies = get_portal(request).cookies
    browser = cookies.read(request, BROWSER) or getattr(request.state, "new_browser", None)
    if browser is None:
        browser = new_browser_id()
        request.state.new_browser = browser
    return cookies.csrf_token(browser, session_token(request))


def error_summary(errors: Mapping[str, str]) -> list[dict[str, str]]:
    """``{field: message}`` as the GOV.UK error summary's list, each linking to its field
    (the field's id is its name)."""
    return [{"text": message, "href": f"#{name}"} for name, message in errors.items()]


def render(request: Request, template: str, *, status_code: int = 200,
           **context: Any) -> HTMLResponse:  # fmt: skip
    """The page ``template`` (under ``portal/templates/``) with ``context``, in the
    layout: the navigation for whoever is signed in, the CSRF token for its forms
    (``csrf_token``), and, when ``errors`` (``{field: message}``) is given, the error
    summary and "Error: " before the title."""
    portal = get_portal(request)
    session = context.pop("session", None) or current_session(request)
    errors: Mapping[str, str] = context.pop("errors", None) or {}
    html = portal.env.get_template(template).render(
        request=request, session=session, csrf_token=csrf_token(request), errors=errors,
        error_list=error_summary(errors), node_name=portal.ws.settings.node_name,
        staff=session if isinstance(session, StaffSession) else None,
        citizen=session if isinstance(session, CitizenSession) else None,
        areas=areas_for(session) if isinstance(session, StaffSession) else [],
        identity=portal.identity, path=request.url.path, **context,
    )  # fmt: skip
    response = HTMLResponse(html, status_code=status_code)
    keep_browser(request, response)
    return response


def keep_browser(request: Request, response: HTMLResponse | RedirectResponse) -> None:
    """Set the browser-id cookie if this request made one."""
    made = getattr(request.state, "new_browser", None)
    if made is not None:
        get_portal(request).cookies.write(response, BROWSER, made)


def begin_session(request: Request, started: accounts.Started, after: str) -> RedirectResponse:
    """Go to ``after`` with the new session's cookie; the browser's previous session (if
    any: another account, or a citizen's) ends, so one browser holds one session."""
    portal = get_portal(request)
    previous = session_token(request)
    if previous:
        accounts.sign_out(portal.ws, previous)
    response = redirect(after)
    portal.cookies.write(response, SESSION, started.token)
    keep_browser(request, response)
    return response


def redirect(url: str) -> RedirectResponse:
    """303 See Other: after a form, the browser GETs ``url``."""
    return RedirectResponse(url, status_code=303)


def local_path(value: str | None, default: str) -> str:
    """``value`` if it is a path on this site (never another site: an open redirect);
    else ``default``."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return default
