"""``accord peer ...``: the partner organisations whose signatures this node can check.

Each command calls the agreements face (``add_peer``, ``remove_peer``, ``peers``); adding
and removing a key are governance acts the library records in the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accord.agreements import Peer, add_peer, load_public_key, peers, remove_peer
from accord.cli.agreement import DEFAULT_ROLE, RoleOption
from accord.cli.common import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    handle_errors,
    out,
    workspace_at,
)

peer = typer.Typer(
    name="peer",
    help="Partner organisations' public keys, for their signatures on agreements.",
    no_args_is_help=True,
)

OrgArgument = Annotated[str, typer.Argument(help="The organisation's id (its node's name).")]


def _document(p: Peer) -> dict[str, object]:
    return {"org": p.org, "key_id": p.key_id, "public_key": p.public_key, "own": p.own,
            "added_by": p.added_by or None,
            "added_at": p.added_at.isoformat() if p.added_at else None}  # fmt: skip


@peer.command("add")
@handle_errors
def add(
    org: OrgArgument,
    key: Annotated[
        Path,
        typer.Option("--key", dir_okay=False, help="Its public key file (its keys/node.pub)."),
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a different key already held for it.")
    ] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why, for the log.")] = "",
    role: RoleOption = DEFAULT_ROLE,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Trust ORG's public key for its signatures on agreements (recorded in the log).

    Get the key from the organisation by a channel you trust, and compare its key id
    with theirs before adding it.
    """
    public = load_public_key(key)
    with workspace_at(workspace) as ws:
        added = add_peer(ws, org, public, added_by=role, reason=reason, replace=replace)
    if json_output:
        emit_json(_document(added))
        return
    out.print(f"{added.org}: key {added.key_id} trusted", highlight=False)


@peer.command("list")
@handle_errors
def list_command(workspace: WorkspaceOption = Path(), json_output: JsonOption = False) -> None:
    """The organisations whose keys this node knows: its own, then its partners."""
    with workspace_at(workspace) as ws:
        known = peers(ws)
    if json_output:
        emit_json({"peers": [_document(p) for p in known]})
        return
    table = Table(show_edge=False, pad_edge=False)
    for heading in ("organisation", "key id", "added by", "added"):
        table.add_column(heading)
    for p in known:
        when = f"{p.added_at:%Y-%m-%d %H:%M}" if p.added_at else ""
        table.add_row(p.org, p.key_id, "this node" if p.own else p.added_by, when)
    out.print(table)


@peer.command("remove")
@handle_errors
def remove(
    org: OrgArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why, for the log.")],
    role: RoleOption = DEFAULT_ROLE,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Stop trusting ORG's key: its signatures no longer verify here (recorded in the log)."""
    with workspace_at(workspace) as ws:
        removed = remove_peer(ws, org, by_role=role, reason=reason)
    if json_output:
        emit_json({**_document(removed), "removed": True})
        return
    out.print(f"{removed.org}: key {removed.key_id} no longer trusted", highlight=False)
