"""``accord audit …``: verify the log, save checkpoints, export proofs, a person's view,
and a peer's log checked over the signed API (its checkpoint, its proofs) and, as its
witness, cosigned."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from accord import audit, exchange
from accord.cli.common import (
    MAX_WHOLE,
    ForceOption,
    JsonOption,
    RoleOption,
    WhyOption,
    WorkspaceOption,
    emit_json,
    err,
    handle_errors,
    out,
    staff_act,
    workspace_at,
)
from accord.exchange import Client
from accord.sources import get_snapshot, holds_person
from accord.store import Workspace, check_output, read_text, write_output

audit_app = typer.Typer(help="The tamper-evident audit log and the citizen's view of it.",
                        no_args_is_help=True)  # fmt: skip

CheckpointsOption = Annotated[
    Path | None,
    typer.Option("--checkpoints", file_okay=False, exists=True,
                 help="A directory of checkpoints an auditor saved; each must agree."),
]  # fmt: skip


SAVED_CHECKPOINT_BYTES = 64 << 10
"""A checkpoint note is a few hundred bytes; a bigger file in the folder is not one."""
NO_RECORD_HELP = "Write nothing, not even the log.verified entry: for a read-only auditor."


@audit_app.command("verify")
@handle_errors
def verify(
    checkpoints: CheckpointsOption = None,
    no_record: Annotated[bool, typer.Option("--no-record", help=NO_RECORD_HELP)] = False,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Recompute the log and check every checkpoint; exit 1 naming the first bad entry.

    A pass is recorded in the log itself (a log.verified entry) unless --no-record."""
    saved = sorted(p for p in checkpoints.iterdir() if p.is_file()) if checkpoints else []
    notes = [read_text(p, "saved checkpoint", SAVED_CHECKPOINT_BYTES) for p in saved]
    with workspace_at(workspace) as ws:
        try:
            done = audit.verify(ws, notes, sources=[str(p) for p in saved],
                                record=not no_record)  # fmt: skip
        except audit.LogInconsistent as exc:
            if json_output:
                emit_json({"passed": False, "entry": exc.entry, "problem": str(exc)})
            err.print(Text.assemble(("audit log FAILED verification:", "bold red"), f" {exc}"),
                      highlight=False)  # fmt: skip
            raise typer.Exit(1) from exc
    if json_output:
        emit_json({"passed": True, "size": done.size, "root": done.root.hex(),
                   "checkpoints": done.checkpoints, "saved_checkpoints": done.saved})  # fmt: skip
        return
    out.print(f"audit log verified: {done.size:,} entries, {done.checkpoints:,} signed "
              f"checkpoints, {done.saved} saved elsewhere; root {done.root.hex()}")  # fmt: skip


@audit_app.command("checkpoint")
@handle_errors
def checkpoint(
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Save it to this file.")
    ] = None,
    force: ForceOption = False,
    workspace: WorkspaceOption = Path(),
) -> None:
    """Print the newest signed checkpoint (an auditor saves it to check the log later)."""
    if out_file is not None:
        check_output(out_file, force=force)
    with workspace_at(workspace) as ws:
        note = audit.latest_checkpoint(ws)
    if out_file is not None:
        write_output(out_file, note)
    else:
        typer.echo(note, nl=False)


@audit_app.command("key")
@handle_errors
def key(workspace: WorkspaceOption = Path(), json_output: JsonOption = False) -> None:
    """Print the node's verifier key for its checkpoints (name+id+key, as C2SP notes use);
    the name is the log's origin, which the checkpoints carry too."""
    with workspace_at(workspace) as ws:
        verifier = audit.node_verifier_key(ws)
    origin, _ = audit.parse_verifier_key(verifier)
    if json_output:
        emit_json({"origin": origin, "verifier_key": verifier})
        return
    err.print(f"origin: {origin}", markup=False, highlight=False)
    typer.echo(verifier)


@audit_app.command("export")
@handle_errors
def export(
    start: Annotated[int, typer.Option("--from", min=0, max=MAX_WHOLE, help="The first entry.")],
    end: Annotated[
        int, typer.Option("--to", min=0, max=MAX_WHOLE, help="The last entry (included).")
    ],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The JSON file to write.")],
    force: ForceOption = False,
    workspace: WorkspaceOption = Path(),
) -> None:
    """Write entries with inclusion proofs and the signed checkpoint, to verify offline."""
    check_output(out_file, force=force)
    with workspace_at(workspace) as ws:
        document = audit.export(ws, start, end + 1)
    write_output(out_file, json.dumps(document, indent=1, ensure_ascii=False))
    err.print(f"{len(document['entries']):,} entries with proofs written to {out_file}")


@audit_app.command("check")
@handle_errors
def check(
    export_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                                help="A file written by 'audit export'.")],
    key: Annotated[str | None, typer.Option("--key", help="The verifier key you trust "
                                            "(else the one in the file).")] = None,
) -> None:  # fmt: skip
    """Verify an export offline, without the node or its database.

    Exits 1 when an entry, a proof or the checkpoint does not verify; 2 when the file
    is not an export that can be checked."""
    document = audit.read_export(export_file)
    point = audit.verify_export(document, key)
    if key is None:
        err.print("warning: checked against the key in the file; pass --key to trust yours")
    out.print(f"{len(document['entries']):,} entries verified under the checkpoint of "
              f"{point.size:,} entries signed {point.timestamp:%Y-%m-%d %H:%M} UTC")  # fmt: skip


def _known_in(ws: Workspace, dataset: str) -> audit.LocalProvider:
    """The development provider: the person must be in the dataset's newest snapshot."""
    get_snapshot(ws.engine, dataset)  # an unknown dataset is named before any lookup

    def known(nhs_number: str, born: date) -> bool:
        return holds_person(ws, dataset, nhs_number, born)

    return audit.LocalProvider(known=known)


@audit_app.command("person")
@handle_errors
def person(
    nhs_number: Annotated[str, typer.Option("--nhs-number", help="The person's NHS number.")],
    date_of_birth: Annotated[str, typer.Option("--date-of-birth", help="YYYY-MM-DD.")],
    dataset: Annotated[str, typer.Option("--dataset", help="The dataset that identifies "
                                         "people (development identity check).")],
    role: RoleOption = None,
    reason: WhyOption = None,
    page: Annotated[int, typer.Option("--page", min=1, max=MAX_WHOLE,
                                      help="Page of 20, newest first.")] = 1,
    sar: Annotated[Path | None, typer.Option("--sar", help="Write the whole subject access "
                                             "response (Art 15) as JSON.")] = None,
    force: ForceOption = False,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:  # fmt: skip
    """What happened to one person's data, for a subject access request (itself audited:
    the lookup is recorded, with your role and reason, once the response is written)."""
    if sar is not None:
        check_output(sar, force=force)
    by_role, why = staff_act(role, reason)
    with workspace_at(workspace) as ws:
        verified = _known_in(ws, dataset).verify(
            {"nhs_number": nhs_number, "date_of_birth": date_of_birth})  # fmt: skip
        who = audit.person_key(ws, verified.nhs_number)
        response = audit.subject_access(ws, who, by_role=by_role, reason=why, out=sar,
                                        force=force)  # fmt: skip
    shown = response.uses[(page - 1) * audit.PAGE_SIZE : page * audit.PAGE_SIZE]
    if json_output:
        emit_json({"page": page, "uses": [u.as_dict() for u in shown]})
        return
    for u in shown:
        out.print(Text(f"{u.at:%Y-%m-%d %H:%M} UTC  {u.what}", "bold"), highlight=False)
        org = f"{u.organisation} ({u.role})" if u.organisation else u.role
        law = f"{u.legal_basis}; {u.gateway}" if u.legal_basis else ""
        lines = {"by": org, "dataset": u.dataset, "purpose": u.purpose, "law": law,
                 "agreement": u.agreement}  # fmt: skip
        for label, value in lines.items():
            if value:
                out.print(f"    {label + ':':<10} {value}", highlight=False, markup=False)


PeerArgument = Annotated[str, typer.Argument(help="The peer's node id (e.g. RX1).")]


@audit_app.command("fetch-checkpoint")
@handle_errors
def fetch_checkpoint(
    peer: PeerArgument,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Save the signed note to this file.")
    ] = None,
    force: ForceOption = False,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Fetch PEER's newest signed audit checkpoint over the signed API and check its
    signature with PEER's key in the trust list (exit 1 when it does not verify).

    Save it (--out) to prove later that PEER's log still extends it ('audit prove
    --since'). Needs the witness role in the trust list."""
    if out_file is not None:
        check_output(out_file, force=force)
    with workspace_at(workspace) as ws, Client(ws) as client:
        found = exchange.fetch_checkpoint(client, peer)
    if out_file is not None:
        write_output(out_file, found.note)
    point = found.checkpoint
    if json_output:
        emit_json({"peer": found.peer, "origin": point.origin, "size": point.size,
                   "root": point.root.hex(), "timestamp": point.timestamp.isoformat(),
                   "verifier_key": found.verifier_key, "note": found.note})  # fmt: skip
        return
    out.print(f"{found.peer}'s checkpoint verified: {point.size:,} entries, signed "
              f"{point.timestamp:%Y-%m-%d %H:%M:%S} UTC, root {point.root.hex()}"
              + (f"; saved to {out_file}" if out_file else ""), highlight=False)  # fmt: skip


@audit_app.command("prove")
@handle_errors
def prove(
    peer: PeerArgument,
    index: Annotated[int | None, typer.Option("--index", min=0, max=MAX_WHOLE,
                                              help="Prove this entry is in PEER's log.")] = None,
    leaf: Annotated[str | None, typer.Option("--leaf", help="The entry's leaf hash you hold "
                                             "(64 hex digits), with --index.")] = None,
    since: Annotated[Path | None, typer.Option("--since", exists=True, dir_okay=False,
                                               help="A checkpoint of PEER's you saved: prove "
                                               "its log still extends it.")] = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:  # fmt: skip
    """Ask PEER for a proof under its newest signed checkpoint and verify it here: that
    entry --index is in its log, or that its log extends a checkpoint saved --since.

    Exits 1 when the checkpoint or the proof does not verify (the peer's log was
    rewritten or cut short, or the answer altered). Needs the witness role."""
    if (index is None) == (since is None):
        raise typer.BadParameter(
            "give --index N (an entry) or --since FILE (a checkpoint you saved), one of the two",
            param_hint="--index / --since",
        )
    if leaf is not None and (index is None or not re.fullmatch(r"[0-9a-fA-F]{64}", leaf)):
        raise typer.BadParameter("64 hex digits, with --index", param_hint="--leaf")
    saved = read_text(since, "saved checkpoint", SAVED_CHECKPOINT_BYTES) if since else None
    with workspace_at(workspace) as ws, Client(ws) as client:
        if saved is not None:
            old, new = exchange.prove_consistency(client, peer, saved)
            result = {"peer": peer, "proved": "consistency", "first": old.checkpoint.size,
                      "second": new.checkpoint.size, "root": new.checkpoint.root.hex()}  # fmt: skip
            said = (f"{peer}'s log of {new.checkpoint.size:,} entries extends the checkpoint "
                    f"of {old.checkpoint.size:,} you saved")  # fmt: skip
        else:
            assert index is not None
            wanted = bytes.fromhex(leaf) if leaf else None
            point, hashed = exchange.prove_inclusion(client, peer, index, leaf=wanted)
            result = {"peer": peer, "proved": "inclusion", "index": index,
                      "size": point.checkpoint.size, "leaf": hashed.hex(),
                      "root": point.checkpoint.root.hex()}  # fmt: skip
            said = (
                f"entry {index} (leaf {hashed.hex()}) is in {peer}'s log of "
                f"{point.checkpoint.size:,} entries"
                + ("" if wanted else "; pass --leaf to check it is the entry you hold")
            )
    if json_output:
        emit_json({"verified": True, **result})
        return
    out.print(f"verified: {said}", highlight=False)


@audit_app.command("witness")
@handle_errors
def witness(peer: PeerArgument, workspace: WorkspaceOption = Path(),
            json_output: JsonOption = False) -> None:  # fmt: skip
    """As a witness, cosign PEER's newest audit checkpoint and send it the cosignature.

    The checkpoint must verify with PEER's key in the trust list and extend the last
    checkpoint of PEER's this node cosigned (the first time there is none: it is trusted
    on first use, and said so). A fork or a rollback is refused, recorded, and exits 1.
    Needs the witness role; run it every few minutes (docs/audit.md, "Witnesses")."""
    with workspace_at(workspace) as ws:
        done = exchange.witness(ws, peer)
    point, kept = done.checkpoint, done.receipt
    if json_output:
        emit_json({"peer": done.peer, "origin": point.origin, "size": point.size,
                   "root": point.root.hex(), "previous": done.previous,
                   "first_use": done.first_use, "key_name": kept.key_name,
                   "key_id": kept.key_id, "cosigned_at": kept.cosigned_at.isoformat(),
                   "added": kept.added, "cosignature": done.cosignature})  # fmt: skip
        return
    how = (f"first checkpoint seen from {done.peer}: trusted on first use" if done.first_use
           else f"it extends the {done.previous:,} entries cosigned before")  # fmt: skip
    kept_how = "kept" if kept.added else "already held this witness's cosignature"
    out.print(f"cosigned {done.peer}'s checkpoint of {point.size:,} entries (root "
              f"{point.root.hex()}); {how}; {done.peer} {kept_how}", highlight=False)  # fmt: skip
