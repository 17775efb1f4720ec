"""Staff sign-in and sign-out, the change of a password set by someone else, and the staff
home page (what the member of staff's roles open)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from accord import accounts
from accord.accounts import Role
from accord.portal.deps import (
    PASSWORD_PAGE,
    SESSION,
    AnyStaff,
    FormFields,
    PortalDep,
    begin_session,
    local_path,
    portal_router,
    redirect,
    render,
    session_token,
)

router = portal_router()
HOME = "/staff"


def client_address(request: Request) -> str:
    """The client's address, for throttling (behind a proxy: the address it forwards)."""
    return request.client.host if request.client else "unknown"


@router.get("/staff/sign-in")
def sign_in_page(request: Request, next: str = HOME) -> HTMLResponse:
    return render(request, "staff/sign_in.html", next=local_path(next, HOME), name="")


@router.post("/staff/sign-in", response_model=None)
def sign_in(
    request: Request, portal: PortalDep, fields: FormFields
) -> HTMLResponse | RedirectResponse:
    name, password = fields.get("name"), fields.raw("password")
    after = local_path(fields.get("next"), HOME)
    errors = {}
    if not name:
        errors["name"] = "Enter your account name"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105 - a message
    if errors:
        return render(request, "staff/sign_in.html", status_code=400, errors=errors,
                      name=name, next=after)  # fmt: skip
    try:
        started = accounts.sign_in(portal.ws, name, password, address=client_address(request))
    except accounts.SignInThrottled as exc:
        page = render(request, "staff/sign_in.html", status_code=429, errors={"name": str(exc)},
                      name=name, next=after)  # fmt: skip
        page.headers["retry-after"] = str(exc.retry_after)
        return page
    except accounts.SignInRefused as exc:
        return render(request, "staff/sign_in.html", status_code=401, errors={"name": str(exc)},
                      name=name, next=after)  # fmt: skip
    return begin_session(request, started, after)


@router.post("/staff/sign-out")
def sign_out(request: Request, portal: PortalDep) -> RedirectResponse:
    return end_session(request, portal)


def end_session(request: Request, portal: PortalDep) -> RedirectResponse:
    """End the browser's session (recorded for staff), clear its cookie, say so."""
    token = session_token(request)
    if token:
        accounts.sign_out(portal.ws, token)
    response = redirect("/signed-out")
    portal.cookies.clear(response, SESSION)
    return response


@router.get(HOME)
def home(request: Request, staff: AnyStaff, changed: bool = False) -> HTMLResponse:
    duties = [(role.label, DUTIES[role]) for role in Role if role in staff.roles]
    return render(request, "staff/home.html", duties=duties, changed=changed)


DUTIES = {
    Role.STEWARD: "look after the node's datasets and their quality, draft and review data "
    "sharing agreements, answer subject access requests and record opt-outs",
    Role.APPROVER: "approve and sign data sharing agreements for your organisation",
    Role.AUDITOR: "check the audit log and its signed checkpoints (read only)",
    Role.ANALYST: "read data quality and usage reports (no person-level data)",
}


@router.get(PASSWORD_PAGE)
def password_page(request: Request, staff: AnyStaff) -> HTMLResponse:
    return render(request, "staff/password.html", must_change=staff.must_change)


@router.post(PASSWORD_PAGE, response_model=None)
def change_password(
    request: Request, portal: PortalDep, staff: AnyStaff, fields: FormFields
) -> HTMLResponse | RedirectResponse:
    current, new, again = fields.raw("current"), fields.raw("new"), fields.raw("confirm")
    errors = {}
    if not current:
        errors["current"] = "Enter your current password"
    if not new:
        errors["new"] = f"Enter a new password of at least {accounts.MIN_LENGTH} characters"
    elif new != again:
        errors["confirm"] = "The two new passwords are not the same"
    if not errors:
        try:
            accounts.change_password(portal.ws, staff.account, current, new,
                                     keep=session_token(request))  # fmt: skip
            return redirect(f"{HOME}?changed=true")
        except accounts.SignInRefused as exc:  # a wrong password, or too many (throttled)
            errors["current"] = str(exc)
        except accounts.InvalidAccount as exc:
            errors["new"] = str(exc)[:1].upper() + str(exc)[1:]
    return render(request, "staff/password.html", status_code=400, errors=errors,
                  must_change=staff.must_change)  # fmt: skip
