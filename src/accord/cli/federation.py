"""``accord federation ...``: the authority's trust list, and a node's copy of it.

The authority's commands (``init``, ``add``, ``revoke``, ``publish``) work on its own
folder (``--authority``); a node's (``fetch``, ``show``) on its workspace. Each calls
the exchange's face; the acts are recorded in the log by the library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accord.agreements import key_id
from accord.cli.agreement import DEFAULT_ROLE, RoleOption
from accord.cli.common import (
    ForceOption,
    JsonOption,
    WorkspaceOption,
    emit_json,
    handle_errors,
    out,
    workspace_at,
)
from accord.exchange import (
    Cached,
    Member,
    MemberRole,
    add_member,
    cached,
    fetch,
    init_authority,
    load_member_key,
    open_authority,
    publish,
    raw_public_key,
    revoke_member,
)
from accord.store import check_output, mask_url

federation = typer.Typer(
    name="federation",
    help="The federation's signed trust list: the authority's acts, and a node's copy.",
    no_args_is_help=True,
)

AuthorityOption = Annotated[
    Path,
    typer.Option(
        "--authority",
        "-a",
        file_okay=False,
        help="The federation authority's folder (made by 'accord federation init').",
    ),
]
NodeIdArgument = Annotated[str, typer.Argument(help="The member's node id (e.g. A81001, RX1).")]


def _member(m: Member) -> dict[str, object]:
    return {**m.model_dump(mode="json"), "key_id": key_id(m.key)}


@federation.command("init")
@handle_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Where to create the authority's folder.")],
    name: Annotated[
        str,
        typer.Option("--federation", help="The federation's domain, e.g. accord.example.nhs.uk."),
    ],
    store_url: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL of its store (default: SQLite in it).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Create a federation authority: its own folder, audit log and signing key.

    Give its public key (printed here) to every node: they pin it as trust_list_key."""
    with init_authority(directory, name, store_url) as auth:
        document = {
            "authority": str(auth.ws.root),
            "federation": auth.federation,
            "store": mask_url(auth.ws.store_url),
            "key_id": key_id(auth.public_key),
            "trust_list_key": raw_public_key(auth.public_key),
        }
    if json_output:
        emit_json(document)
        return
    out.print(
        f"Created the authority of {document['federation']} in {document['authority']}",
        highlight=False,
    )
    out.print(f"  key id: {document['key_id']}", highlight=False)
    out.print(
        f'  nodes pin it in accord.toml: trust_list_key = "{document["trust_list_key"]}"',
        highlight=False,
    )


@federation.command("add")
@handle_errors
def add(
    node_id: NodeIdArgument,
    org: Annotated[str, typer.Option("--org", help="The organisation id its agreements use.")],
    name: Annotated[str, typer.Option("--name", help="The organisation's name.")],
    url: Annotated[str, typer.Option("--url", help="The node's base URL (http or https).")],
    key: Annotated[
        Path, typer.Option("--key", dir_okay=False, help="Its public key file (keys/node.pub).")
    ],
    role: Annotated[
        list[MemberRole],
        typer.Option(
            "--role",
            help="What it does (repeatable): provider, recipient, linking-party, witness,"
            " citizen-view.",
        ),
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Change a member's entry (key, URL, roles).")
    ] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why, for the log.")] = "",
    as_role: RoleOption = DEFAULT_ROLE,
    authority: AuthorityOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Add a member to the next trust list (recorded in the authority's log)."""
    public = load_member_key(key)
    with open_authority(authority) as auth:
        member = add_member(
            auth,
            node_id=node_id,
            org=org,
            name=name,
            base_url=url,
            key=public,
            roles=tuple(dict.fromkeys(role)),
            by_role=as_role,
            reason=reason,
            replace=replace,
        )
    if json_output:
        emit_json(_member(member))
        return
    out.print(
        f"{member.node_id} ({member.name}) added with key {key_id(member.key)}; "
        "publish to send it to the nodes",
        highlight=False,
    )


@federation.command("revoke")
@handle_errors
def revoke(
    node_id: NodeIdArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why; every node records it.")],
    as_role: RoleOption = DEFAULT_ROLE,
    authority: AuthorityOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Revoke a member in the next trust list (recorded in the authority's log)."""
    with open_authority(authority) as auth:
        member = revoke_member(auth, node_id, reason=reason, by_role=as_role)
    if json_output:
        emit_json(_member(member))
        return
    out.print(
        f"{member.node_id} ({member.name}) revoked; publish to send it to the nodes",
        highlight=False,
    )


@federation.command("publish")
@handle_errors
def publish_command(
    out_file: Annotated[
        Path | None,
        typer.Option("--out", "-o", dir_okay=False, help="Also write the signed list here."),
    ] = None,
    force: ForceOption = False,
    authority: AuthorityOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Sign the members as the next trust list (serial + 1) and keep it."""
    target = check_output(out_file, force=force) if out_file is not None else None
    with open_authority(authority) as auth:
        done = publish(auth, target)
    trust_list = done.trust_list
    if json_output:
        emit_json(
            {
                "serial": trust_list.serial,
                "federation": trust_list.federation,
                "issued_at": trust_list.issued_at.isoformat(),
                "members": len(trust_list.members),
                "path": str(done.path),
                "out": str(target) if target else None,
            }
        )
        return
    out.print(
        f"trust list {trust_list.serial} of {trust_list.federation}: "
        f"{len(trust_list.members)} member(s), written to {done.path}"
        + (f" and {target}" if target else ""),
        highlight=False,
    )


def _show(found: Cached, outcome: str | None, json_output: bool) -> None:
    trust_list = found.trust_list
    if json_output:
        emit_json(
            {
                "outcome": outcome,
                "federation": trust_list.federation,
                "serial": trust_list.serial,
                "issued_at": trust_list.issued_at.isoformat(),
                "source": found.source,
                "adopted_at": found.adopted_at.isoformat(),
                "confirmed_at": found.confirmed_at.isoformat(),
                "usable_until": found.usable_until.isoformat(),
                "members": [_member(m) for m in trust_list.members],
            }
        )
        return
    if outcome:
        out.print(f"trust list serial {trust_list.serial} {outcome}", highlight=False)
    out.print(
        f"{trust_list.federation}, serial {trust_list.serial}, issued "
        f"{trust_list.issued_at:%Y-%m-%d %H:%M}; usable until "
        f"{found.usable_until:%Y-%m-%d %H:%M} UTC without another fetch",
        highlight=False,
    )
    table = Table(show_edge=False, pad_edge=False)
    for heading in ("node id", "organisation", "org id", "roles", "status", "base URL"):
        table.add_column(heading)
    for m in trust_list.members:
        table.add_row(
            m.node_id,
            m.name,
            m.org,
            ", ".join(r.value for r in m.roles),
            m.status.value,
            m.base_url,
        )
    out.print(table)


@federation.command("fetch")
@handle_errors
def fetch_command(
    source: Annotated[
        str | None,
        typer.Option("--from", help="A URL or file to fetch from (default: trust_list_url)."),
    ] = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Fetch the trust list, verify it with the pinned authority key, adopt it if newer."""
    with workspace_at(workspace) as ws:
        done = fetch(ws, source)
    _show(done.cached, done.outcome, json_output)


@federation.command("show")
@handle_errors
def show(workspace: WorkspaceOption = Path(), json_output: JsonOption = False) -> None:
    """The trust list in force on this node: its members, and until when it is usable."""
    with workspace_at(workspace) as ws:
        found = cached(ws)
    if found is None:
        if json_output:
            emit_json({"serial": None, "members": []})
            return
        out.print("no trust list adopted yet: run 'accord federation fetch'", highlight=False)
        return
    _show(found, None, json_output)
