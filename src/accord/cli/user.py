"""``accord user …``: the portal's staff accounts (add, disable, enable, reset, roles, list).

Each command calls the accounts face; every act is recorded in the audit log by the
library, with the operator's role (``--as-role``) and reason. A password is read from
stdin with ``--password-stdin`` (never an argument: it would stay in the shell's
history and the process list), or generated and printed once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accord.accounts import (
    Account,
    Credentials,
    Role,
    accounts,
    add_user,
    disable_user,
    enable_user,
    parse_roles,
    reset_user,
    set_roles,
)
from accord.cli.common import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    err,
    handle_errors,
    out,
    workspace_at,
)

user = typer.Typer(
    name="user",
    help="Staff accounts of the portal (web pages served by 'accord serve').",
    no_args_is_help=True,
)

NameArgument = Annotated[str, typer.Argument(help="The account's name, e.g. jo.bloggs.")]
RolesOption = Annotated[
    list[str],
    typer.Option(
        "--role", help=f"A role ({', '.join(r.value for r in Role)}); repeat for several."
    ),
]
PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin "
                 "(else one is generated and printed once)."),
]  # fmt: skip
AdminRole = Annotated[
    str, typer.Option("--as-role", help="Your role (never your name), recorded in the log.")
]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why, for the log.")]
ADMIN = "node administrator"


def _password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise typer.BadParameter("stdin held no password", param_hint="--password-stdin")
    return password


def _given(made: Credentials, verb: str, json_output: bool) -> None:
    if json_output:
        document = made.account.as_dict()
        if made.generated:
            document["password"] = made.password
        emit_json(document)
        return
    roles = ", ".join(sorted(made.account.roles))
    err.print(f"{verb} {made.account.name} ({roles}); the password must be changed at the "
              "first sign-in", highlight=False)  # fmt: skip
    if made.generated:
        err.print("the password, shown once (give it by a channel you trust):", highlight=False)
        typer.echo(made.password)


@user.command("add")
@handle_errors
def add(
    name: NameArgument,
    role: RolesOption,
    password_stdin: PasswordStdin = False,
    as_role: AdminRole = ADMIN,
    reason: ReasonOption = "",
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Add a staff account with its roles (recorded in the log)."""
    roles = parse_roles(role)
    password = _password(password_stdin)
    with workspace_at(workspace) as ws:
        made = add_user(ws, name, roles, password=password, by_role=as_role, reason=reason)
    _given(made, "added", json_output)


@user.command("reset")
@handle_errors
def reset(
    name: NameArgument,
    password_stdin: PasswordStdin = False,
    as_role: AdminRole = ADMIN,
    reason: ReasonOption = "",
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Give the account a new password (to change at its next sign-in); its sessions end."""
    password = _password(password_stdin)
    with workspace_at(workspace) as ws:
        made = reset_user(ws, name, password=password, by_role=as_role, reason=reason)
    _given(made, "reset", json_output)


def _state(account: Account, json_output: bool, said: str) -> None:
    if json_output:
        emit_json(account.as_dict())
        return
    err.print(f"{account.name}: {said}", highlight=False)


@user.command("disable")
@handle_errors
def disable(
    name: NameArgument,
    as_role: AdminRole = ADMIN,
    reason: ReasonOption = "",
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Disable the account: it cannot sign in, and its sessions end at once."""
    with workspace_at(workspace) as ws:
        was = next((a for a in accounts(ws) if a.name == name.strip()), None)
        done = disable_user(ws, name, by_role=as_role, reason=reason)
    already = was is not None and not was.active
    _state(done, json_output, "was already disabled" if already else "disabled")


@user.command("enable")
@handle_errors
def enable(
    name: NameArgument,
    as_role: AdminRole = ADMIN,
    reason: ReasonOption = "",
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Enable a disabled account again."""
    with workspace_at(workspace) as ws:
        done = enable_user(ws, name, by_role=as_role, reason=reason)
    _state(done, json_output, "enabled")


@user.command("roles")
@handle_errors
def roles(
    name: NameArgument,
    role: RolesOption,
    as_role: AdminRole = ADMIN,
    reason: ReasonOption = "",
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Give the account exactly these roles (effective at its next request)."""
    wanted = parse_roles(role)
    with workspace_at(workspace) as ws:
        done = set_roles(ws, name, wanted, by_role=as_role, reason=reason)
    _state(done, json_output, "roles " + ", ".join(sorted(done.roles)))


@user.command("list")
@handle_errors
def list_users(workspace: WorkspaceOption = Path(), json_output: JsonOption = False) -> None:
    """Every staff account: its roles and state."""
    with workspace_at(workspace) as ws:
        found = accounts(ws)
    if json_output:
        emit_json({"accounts": [a.as_dict() for a in found]})
        return
    table = Table("account", "roles", "state", "added")
    for a in found:
        state = (
            "disabled" if not a.active else "must change password" if a.must_change else "active"
        )
        table.add_row(a.name, ", ".join(sorted(a.roles)), state, f"{a.created_at:%Y-%m-%d}")
    out.print(table)
