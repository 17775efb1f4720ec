"""Staff accounts and signed-in sessions for the portal: who may sign in, with which roles.

Public face: the use cases (:func:`add_user`, :func:`disable_user`, :func:`enable_user`,
:func:`reset_user`, :func:`set_roles`, :func:`accounts`, :func:`has_accounts`,
:func:`sign_in`, :func:`sign_out`, :func:`change_password`, :func:`citizen_sign_in`,
:func:`count_failed_sign_in`,
:func:`resume`), the values (:class:`Role`, :class:`Account`, :class:`Credentials`,
:class:`StaffSession`, :class:`CitizenSession`, :data:`Session`, :class:`Started`), the
audit event types, and the errors under :class:`AccountError`. Inside: ``models``,
``service`` (use cases), ``passwords`` (Argon2id), ``sessions`` (server-side, by token
hash), ``throttle`` (failed sign-ins, shared by every worker), ``events``,
``repository`` (the store's tables), ``errors``, ``types``.
"""

from accord.accounts.errors import (
    AccountError,
    AccountExists,
    InvalidAccount,
    SignInRefused,
    SignInThrottled,
    UnknownAccount,
)
from accord.accounts.events import (
    UserAdded,
    UserDisabled,
    UserEnabled,
    UserPasswordChanged,
    UserReset,
    UserRolesChanged,
    UserSignedIn,
    UserSignedOut,
    UserSignInFailed,
)
from accord.accounts.models import (
    Account,
    CitizenSession,
    Credentials,
    Role,
    Session,
    StaffSession,
    Started,
)
from accord.accounts.passwords import MIN_LENGTH
from accord.accounts.service import (
    accounts,
    add_user,
    change_password,
    check_account_name,
    citizen_sign_in,
    count_failed_sign_in,
    disable_user,
    enable_user,
    has_accounts,
    parse_roles,
    reset_user,
    resume,
    set_roles,
    sign_in,
    sign_out,
)
from accord.accounts.types import AccountName, SessionToken

__all__ = [
    "MIN_LENGTH",
    "Account",
    "AccountError",
    "AccountExists",
    "AccountName",
    "CitizenSession",
    "Credentials",
    "InvalidAccount",
    "Role",
    "Session",
    "SessionToken",
    "SignInRefused",
    "SignInThrottled",
    "StaffSession",
    "Started",
    "UnknownAccount",
    "UserAdded",
    "UserDisabled",
    "UserEnabled",
    "UserPasswordChanged",
    "UserReset",
    "UserRolesChanged",
    "UserSignInFailed",
    "UserSignedIn",
    "UserSignedOut",
    "accounts",
    "add_user",
    "change_password",
    "check_account_name",
    "citizen_sign_in",
    "count_failed_sign_in",
    "disable_user",
    "enable_user",
    "has_accounts",
    "parse_roles",
    "reset_user",
    "resume",
    "set_roles",
    "sign_in",
    "sign_out",
]
