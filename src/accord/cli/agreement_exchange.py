"""``accord agreement propose|inbox|countersign|decline|notify|suspend|revoke``: agreements
between nodes, over the signed API (they join the ``agreement`` command group).

Every command calls the exchange's face, whose functions record each act; a command
that had to tell other parties' nodes lists whom it reached and exits 1 when a party
was not told (the act stands here; ``notify`` tells them later).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from accord.agreements import Agreement, describe, revoke, suspend
from accord.cli.agreement import (
    DEFAULT_ROLE,
    IdArgument,
    ReasonOption,
    RoleOption,
    VersionOption,
    render_status,
)
from accord.cli.agreement_gateways import agreement
from accord.cli.common import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    err,
    handle_errors,
    out,
    workspace_at,
)
from accord.exchange import (
    Delivery,
    Proposal,
    Sent,
    countersign,
    decline,
    inbox,
    notify_parties,
    propose,
    revoke_agreement,
    suspend_agreement,
)
from accord.store import Workspace

__all__ = ["agreement"]


def _delivery(d: Delivery) -> dict[str, str]:
    return {"org": d.org, "node_id": d.node_id, "message": d.kind, "state": d.state,
            "detail": d.detail}  # fmt: skip


def render_deliveries(deliveries: list[Delivery]) -> None:
    """Whom the messages reached; exit 1 when any party was not told."""
    for d in deliveries:
        who = f"{d.org} ({d.node_id or 'no node'})"
        if d.told:
            err.print(f"told {who}: {d.detail}", highlight=False)
        else:
            err.print(f"NOT told {who} ({d.state}): {d.detail}", highlight=False)
    if any(not d.told for d in deliveries):
        err.print("the act stands here; 'accord agreement notify' tells the others once "
                  "they can be reached", highlight=False)  # fmt: skip
        raise typer.Exit(1)


def _render_sent(sent: Sent, json_output: bool) -> None:
    if json_output:
        emit_json({"agreement": sent.agreement, "version": sent.version, "status": sent.status,
                   "detail": sent.detail, "told": [d.org for d in sent.deliveries if d.told],
                   "not_told": [_delivery(d) for d in sent.not_told]})  # fmt: skip
    else:
        out.print(f"{sent.agreement} v{sent.version}: {sent.status}", highlight=False)
        if sent.detail:
            err.print(sent.detail, highlight=False)
    render_deliveries(sent.deliveries)


@agreement.command("propose")
@handle_errors
def propose_command(
    agreement_id: IdArgument,
    version: VersionOption = None,
    role: RoleOption = DEFAULT_ROLE,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Send a draft agreement to every other party's node, for their stewards to countersign.

    It goes signed by this node's organisation (signed now if it has not signed yet).
    Exits 1 when a party's node was not reached ('accord agreement notify' sends again).
    """
    with workspace_at(workspace) as ws:
        _render_sent(propose(ws, agreement_id, version, by_role=role), json_output)


def _terms(a: Agreement) -> list[str]:
    lines = [
        "parties: " + ", ".join(f"{p.org} ({p.role.value})" for p in a.parties),
        "purposes: " + ", ".join(f"{p.code}: {p.description}" for p in a.purposes),
    ]
    for d in a.datasets:
        fields = ", ".join(f"{f.name} ({f.treatment.value})" for f in d.fields)
        lines.append(f"dataset {d.name}: {d.provider} -> {', '.join(d.recipients)}: {fields}")
        lines += [f"  only rows where {describe(c)}" for c in d.row_conditions]
    lines.append(f"dates: {a.dates.start} to {a.dates.expiry}")
    lines.append("signed by: " + (", ".join(s.org for s in a.signatures) or "nobody"))
    return lines


def _proposal_json(p: Proposal) -> dict[str, object]:
    return {"agreement": p.agreement.id, "version": p.agreement.version, "title": p.agreement.title,
            "digest": p.digest, "from_org": p.org, "from_node": p.node_id, "state": p.state,
            "detail": p.detail, "received_at": p.received_at.isoformat(),
            "signed_by": [s.org for s in p.agreement.signatures],
            "document": p.agreement.model_dump(mode="json", exclude_defaults=True)}  # fmt: skip


@agreement.command("inbox")
@handle_errors
def inbox_command(
    every: Annotated[
        bool, typer.Option("--all", help="Also the ones countersigned or declined.")
    ] = False,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """The agreements other parties' nodes proposed here, with their terms, to countersign.

    Each shows who sent it and when, its parties, purposes, datasets (provider, recipients,
    fields and how each is shared, row conditions), dates and who has signed it.
    """
    with workspace_at(workspace) as ws:
        found = inbox(ws, every=every)
    if json_output:
        emit_json([_proposal_json(p) for p in found])
        return
    if not found:
        out.print("the inbox is empty" + ("" if every else " (--all: decided ones too)"))
        return
    for p in found:
        a = p.agreement
        out.print(f"{a.id} v{a.version}: {a.title}", highlight=False)
        out.print(f"  from {p.org} ({p.node_id}), {p.received_at:%Y-%m-%d %H:%M} UTC; "
                  f"{p.state}{': ' + p.detail if p.detail else ''}", highlight=False)  # fmt: skip
        for line in _terms(a):
            out.print(f"  {line}", highlight=False)


@agreement.command("countersign")
@handle_errors
def countersign_command(
    agreement_id: IdArgument,
    role: RoleOption = DEFAULT_ROLE,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Countersign the proposal of ID in the inbox and send the signature to every party.

    It is signed as this node's organisation after checking the datasets it provides,
    kept here, and activated here once every party has signed. Exits 1 when a party's
    node was not reached ('accord agreement notify' sends again).
    """
    with workspace_at(workspace) as ws:
        _render_sent(countersign(ws, agreement_id, by_role=role), json_output)


@agreement.command("decline")
@handle_errors
def decline_command(
    agreement_id: IdArgument,
    reason: ReasonOption,
    role: RoleOption = DEFAULT_ROLE,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Decline the proposal of ID in the inbox, and tell every other party why.

    Exits 1 when a party's node was not reached ('accord agreement notify' sends again).
    """
    with workspace_at(workspace) as ws:
        _render_sent(decline(ws, agreement_id, reason, by_role=role), json_output)


@agreement.command("notify")
@handle_errors
def notify_command(
    agreement_id: Annotated[
        str | None, typer.Argument(help="Only this agreement's messages (default: all).")
    ] = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Send again what other parties' nodes have not had yet.

    Proposals, signatures, suspensions, revocations and declines wait in this node's outbox
    until the party's node takes them. Exits 1 while any party is still not told.
    """
    with workspace_at(workspace) as ws:
        done = notify_parties(ws, agreement_id)
    if json_output:
        emit_json([_delivery(d) for d in done])
    elif not done:
        out.print("nothing waiting to be sent")
    else:
        table = Table(show_edge=False, pad_edge=False)
        for heading in ("party", "node", "message", "state", "detail"):
            table.add_column(heading)
        for d in done:
            table.add_row(d.org, d.node_id, d.kind, d.state, d.detail)
        out.print(table)
    render_deliveries(done)


def _federated(ws: Workspace) -> bool:
    """A node with a node id tells the other parties of its acts; one without works alone."""
    return ws.settings.node_id is not None


def _step(
    workspace: Path, told: Any, alone: Any, agreement_id: str, reason: str,
    version: int | None, role: str, json_output: bool,
) -> None:  # fmt: skip
    """A lifecycle step: ``told`` (it tells every other party) on a node with a node id,
    ``alone`` (this node's store only) on one without."""
    with workspace_at(workspace) as ws:
        if _federated(ws):
            _render_sent(told(ws, agreement_id, reason, version, by_role=role), json_output)
            return
        render_status(alone(ws, agreement_id, reason, version, by_role=role), json_output)


@agreement.command("suspend")
@handle_errors
def suspend_command(
    agreement_id: IdArgument,
    reason: ReasonOption,
    version: VersionOption = None,
    role: RoleOption = DEFAULT_ROLE,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Suspend an active agreement: every request is denied until it is activated again.

    A node with a node id tells every other party's node, which suspends it at once; exits
    1 when a party's node was not reached ('accord agreement notify' sends again).
    """
    _step(workspace, suspend_agreement, suspend, agreement_id, reason, version, role,
          json_output)  # fmt: skip


@agreement.command("revoke")
@handle_errors
def revoke_command(
    agreement_id: IdArgument,
    reason: ReasonOption,
    version: VersionOption = None,
    role: RoleOption = DEFAULT_ROLE,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Revoke an agreement for good.

    A node with a node id tells every other party's node, which revokes it at once; exits
    1 when a party's node was not reached ('accord agreement notify' sends again).
    """
    _step(workspace, revoke_agreement, revoke, agreement_id, reason, version, role,
          json_output)  # fmt: skip
