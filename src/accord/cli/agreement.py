"""``accord agreement ...``: draft, check, sign, verify and run data sharing agreements."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.table import Table
from rich.text import Text

from accord.agreements import (
    Agreement,
    AgreementInvalid,
    Decision,
    Kitemark,
    Request,
    StoredAgreement,
    Usage,
    Verification,
    activate,
    amend_agreement,
    article30_rows,
    example_text,
    get,
    history,
    list_agreements,
    load,
    load_keys,
    load_public_key,
    node_public_key,
    odrl,
    parse,
    policy_index,
    record,
    register_rows,
    revoke,
    save,
    sign_in_workspace,
    suspend,
    to_yaml,
    verify,
    write_article30,
    write_register,
)
from accord.cli.common import (
    DATE_FORMATS,
    MAX_VERSION,
    MAX_WHOLE,
    JsonOption,
    WorkspaceOption,
    as_of_date,
    emit_json,
    err,
    handle_errors,
    out,
    workspace_at,
)

agreement = typer.Typer(
    name="agreement",
    help="Data sharing agreements: draft, validate, sign, verify, activate, decide, export.",
    no_args_is_help=True,
)

FileArgument = Annotated[Path, typer.Argument(help="The agreement's YAML file.", dir_okay=False)]
IdArgument = Annotated[str, typer.Argument(help="The agreement's id.")]
VersionOption = Annotated[
    int | None,
    typer.Option("--version", min=1, max=MAX_VERSION, help="A version (default: the current one)."),
]
KeysOption = Annotated[
    Path | None,
    typer.Option("--keys", help="YAML of organisation id: public key (PEM, base64 or a file)."),
]
KeyOption = Annotated[
    list[str] | None,
    typer.Option("--key", help="ORG=FILE: an organisation's public key file (repeatable)."),
]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why, for the history.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write here instead of to stdout.")
]


def _keys(keys_file: Path | None, key: list[str] | None) -> dict[str, Ed25519PublicKey]:
    found = load_keys(keys_file) if keys_file else {}
    for item in key or []:
        org, sep, path = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"--key {item!r} is not ORG=FILE")
        found[org] = load_public_key(Path(path))
    return found


def _write(text: str, target: Path | None) -> None:
    if target is None:
        typer.echo(text, nl=False)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    err.print(f"wrote {target}")


@agreement.command("new")
@handle_errors
def new(
    file: FileArgument,
    agreement_id: Annotated[
        str | None, typer.Option("--id", help="The new agreement's id.")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Its title.")] = None,
    amend: Annotated[
        str | None, typer.Option(help="Start the next version of this stored agreement instead.")
    ] = None,
    workspace: WorkspaceOption = Path(),
) -> None:
    """Write a draft agreement to FILE: the worked example to edit, or the next version."""
    if file.exists():
        raise typer.BadParameter(f"{file} exists; choose another file name")
    if amend is not None:
        with workspace_at(workspace) as ws:
            stored = amend_agreement(ws.engine, amend)
        save(stored.agreement, file)
        err.print(f"{amend} v{stored.agreement.version}: a draft for every party to sign again")
        return
    data = yaml.safe_load(example_text())
    text = example_text()
    if agreement_id or title:
        data.update({k: v for k, v in (("id", agreement_id), ("title", title)) if v})
        text = to_yaml(parse(data, str(file)))
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    err.print(f"wrote {file}: edit it, then 'accord agreement validate {file}'")


@agreement.command("validate")
@handle_errors
def validate(file: FileArgument, json_output: JsonOption = False) -> None:
    """Check FILE against the model; every problem names its field."""
    try:
        a = load(file)
    except AgreementInvalid as exc:
        if json_output:
            emit_json({"valid": False, "problems": [{"field": f, "problem": p}
                                                    for f, p in exc.problems]})  # fmt: skip
            raise typer.Exit(2) from exc
        raise
    if json_output:
        emit_json({"valid": True, "agreement": a.id, "version": a.version})
        return
    out.print(Text.assemble(("valid", "green"), f": {a.id} v{a.version}, {len(a.parties)} "
              f"parties, {len(a.datasets)} datasets, {len(a.signatures)} signatures"))  # fmt: skip


@agreement.command("sign")
@handle_errors
def sign_command(
    file: FileArgument,
    as_org: Annotated[
        str | None, typer.Option("--as", help="The party to sign for (default: the node name).")
    ] = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Sign FILE with this node's organisation key, write the signature into it and keep it."""
    with workspace_at(workspace) as ws:
        signed, stored = sign_in_workspace(ws, load(file), as_org)
    save(signed, file)
    if json_output:
        emit_json({"agreement": signed.id, "version": signed.version,
                   "signed_by": [s.org for s in signed.signatures],
                   "status": stored.status.value})  # fmt: skip
        return
    out.print(f"signed {signed.id} v{signed.version} as {signed.signatures[-1].org}; "
              f"status here: {stored.status.value}")  # fmt: skip


def _render_verification(result: Verification, json_output: bool) -> None:
    if json_output:
        emit_json({"agreement": result.agreement_id, "version": result.version, "ok": result.ok,
                   "signatures": [c.__dict__ for c in result.checks]})  # fmt: skip
        return
    for c in result.checks:
        colour = "green" if c.status == "valid" else "red"
        out.print(Text.assemble((f"{c.status:>11}", colour), f" {c.org}: {c.message}"))


@agreement.command("verify")
@handle_errors
def verify_command(
    file: FileArgument,
    keys: KeysOption = None,
    key: KeyOption = None,
    json_output: JsonOption = False,
) -> None:
    """Check every party's signature on FILE offline, with the parties' public keys.

    Exits 1 when any signature is missing or does not verify.
    """
    result = verify(load(file), _keys(keys, key))
    _render_verification(result, json_output)
    if not result.ok:
        raise typer.Exit(1)


@agreement.command("activate")
@handle_errors
def activate_command(
    agreement_ref: Annotated[
        str, typer.Argument(metavar="ID_OR_FILE", help="A stored agreement's id, or a file.")
    ],
    version: VersionOption = None,
    keys: KeysOption = None,
    key: KeyOption = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Activate an agreement once every party's signature verifies (a file is kept first)."""
    with workspace_at(workspace) as ws:
        public = _keys(keys, key)
        public.setdefault(ws.settings.node_name, node_public_key(ws))
        agreement_id = agreement_ref
        if Path(agreement_ref).is_file():
            kept = record(ws.engine, load(Path(agreement_ref)))
            agreement_id, version = kept.agreement.id, kept.agreement.version
        stored = activate(ws.engine, agreement_id, public, version)
    _render_status(stored, json_output)


def _render_status(stored: StoredAgreement, json_output: bool) -> None:
    a = stored.agreement
    if json_output:
        emit_json({"agreement": a.id, "version": a.version, "status": stored.status.value})
        return
    out.print(Text.assemble(f"{a.id} v{a.version}: ", (stored.status.value, "bold")))


@agreement.command("suspend")
@handle_errors
def suspend_command(
    agreement_id: IdArgument,
    reason: ReasonOption,
    version: VersionOption = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Suspend an active agreement: every request is denied until it is activated again."""
    with workspace_at(workspace) as ws:
        _render_status(suspend(ws.engine, agreement_id, reason, version), json_output)


@agreement.command("revoke")
@handle_errors
def revoke_command(
    agreement_id: IdArgument,
    reason: ReasonOption,
    version: VersionOption = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Revoke an agreement for good."""
    with workspace_at(workspace) as ws:
        _render_status(revoke(ws.engine, agreement_id, reason, version), json_output)


@agreement.command("show")
@handle_errors
def show(
    agreement_id: IdArgument,
    version: VersionOption = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Show a stored agreement, its status and its history."""
    with workspace_at(workspace) as ws:
        stored = get(ws.engine, agreement_id, version)
        events = history(ws.engine, agreement_id)
    today = date.today()
    if json_output:
        emit_json({"status": stored.status_on(today).value, "digest": stored.digest,
                   "agreement": stored.agreement.model_dump(mode="json", exclude_none=True),
                   "history": [e.__dict__ for e in events]})  # fmt: skip
        return
    out.print(Text.assemble((stored.agreement.id, "bold"), f" v{stored.agreement.version}: "
              f"{stored.status_on(today).value} (content {stored.digest[:16]})"))  # fmt: skip
    out.print(to_yaml(stored.agreement), highlight=False, markup=False)
    for e in events:
        out.print(f"  {e.at:%Y-%m-%d %H:%M} v{e.version} {e.action}: {e.from_status or '-'} -> "
                  f"{e.to_status}{f' ({e.detail})' if e.detail else ''}", markup=False)  # fmt: skip


@agreement.command("list")
@handle_errors
def list_command(workspace: WorkspaceOption = Path(), json_output: JsonOption = False) -> None:
    """List the agreements in this workspace (the current version of each)."""
    with workspace_at(workspace) as ws:
        held = list_agreements(ws.engine)
    today = date.today()
    if json_output:
        emit_json({"agreements": [
            {"agreement": s.agreement.id, "version": s.agreement.version,
             "status": s.status_on(today).value, "title": s.agreement.title,
             "parties": [p.org for p in s.agreement.parties],
             "expiry": s.agreement.dates.expiry.isoformat()} for s in held]})  # fmt: skip
        return
    if not held:
        out.print("No agreements yet: draft one with 'accord agreement new FILE'.")
        return
    table = Table(show_edge=False, pad_edge=False)
    for heading in ("agreement", "version", "status", "parties", "expiry"):
        table.add_column(heading)
    for s in held:
        table.add_row(s.agreement.id, str(s.agreement.version), s.status_on(today).value,
                      ", ".join(p.org for p in s.agreement.parties),
                      s.agreement.dates.expiry.isoformat())  # fmt: skip
    out.print(table)


@agreement.command("register")
@handle_errors
def register(
    fmt: Annotated[str, typer.Option("--format", help="csv, json or html.")] = "html",
    out_file: OutOption = None,
    workspace: WorkspaceOption = Path(),
) -> None:
    """The public register of this node's signed agreements (organisations, purpose, law)."""
    if fmt not in ("csv", "json", "html"):
        raise typer.BadParameter(f"--format {fmt!r}: use csv, json or html")
    with workspace_at(workspace) as ws:
        rows = register_rows(list_agreements(ws.engine), date.today())
    _write(write_register(rows, fmt), out_file)


@agreement.command("export")
@handle_errors
def export(
    agreement_id: Annotated[
        str | None, typer.Argument(help="The agreement (not needed for article30).")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="odrl (JSON-LD), yaml, article30 or article30-csv.")
    ] = "odrl",
    org: Annotated[
        str | None, typer.Option("--org", help="article30: only this controller's records.")
    ] = None,
    version: VersionOption = None,
    out_file: OutOption = None,
    workspace: WorkspaceOption = Path(),
) -> None:
    """Export an agreement as ODRL 2.2 or YAML, or the Article 30 record of processing."""
    with workspace_at(workspace) as ws:
        if fmt.startswith("article30"):
            rows = article30_rows(list_agreements(ws.engine), org)
            _write(write_article30(rows, "csv" if fmt == "article30-csv" else "json"), out_file)
            return
        if fmt not in ("odrl", "yaml"):
            raise typer.BadParameter(f"--format {fmt!r}: use odrl, yaml, article30, article30-csv")
        if agreement_id is None:
            raise typer.BadParameter(f"--format {fmt} needs the agreement's id")
        a: Agreement = get(ws.engine, agreement_id, version).agreement
    text = to_yaml(a) if fmt == "yaml" else json.dumps(odrl(a), indent=2, ensure_ascii=False)
    _write(text if text.endswith("\n") else text + "\n", out_file)


@agreement.command("decide")
@handle_errors
def decide(
    requester: Annotated[str, typer.Option(help="The organisation asking.")],
    purpose: Annotated[str, typer.Option(help="The purpose code.")],
    dataset: Annotated[str, typer.Option(help="The dataset asked for.")],
    fields: Annotated[str, typer.Option(help="Comma-separated fields asked for.")],
    kitemark: Annotated[Kitemark, typer.Option(help="The dataset's current kitemark.")],
    rows: Annotated[
        int, typer.Option(min=0, max=MAX_WHOLE, help="Rows the answer would hold.")
    ] = 0,
    requests_used: Annotated[
        int, typer.Option(min=0, max=MAX_WHOLE, help="Requests made this period.")
    ] = 0,
    rows_used: Annotated[
        int, typer.Option(min=0, max=MAX_WHOLE, help="Rows received this period.")
    ] = 0,
    agreement_id: Annotated[
        str | None, typer.Option("--agreement", help="Only under this agreement.")
    ] = None,
    on: Annotated[
        datetime | None,
        typer.Option(formats=DATE_FORMATS, help="The day, YYYY-MM-DD (default: today)."),
    ] = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Decide one request against this node's agreements. Exits 1 when it is denied."""
    request = Request(
        requester=requester, purpose=purpose, dataset=dataset,
        fields=tuple(f.strip() for f in fields.split(",") if f.strip()), kitemark=kitemark,
        on=as_of_date(on) or date.today(), rows=rows,
        usage=Usage(requests_used, rows_used), agreement_id=agreement_id,
    )  # fmt: skip
    with workspace_at(workspace) as ws:
        decision = policy_index(ws.engine).decide(request)
    _render_decision(decision, json_output)
    if not decision.permit:
        raise typer.Exit(1)


def _render_decision(d: Decision, json_output: bool) -> None:
    if json_output:
        emit_json({"permit": d.permit, "agreement": d.agreement_id, "version": d.version,
                   "reasons": [{"code": r.code.value, "message": r.message} for r in d.reasons],
                   "fields": list(d.fields),
                   "obligations": [{"kind": o.kind.value, "fields": list(o.fields),
                                    "value": o.value} for o in d.obligations]})  # fmt: skip
        return
    verdict = Text("PERMIT", "bold green") if d.permit else Text("DENY", "bold red")
    out.print(verdict)
    for r in d.reasons:
        out.print(f"  {r.code.value}: {r.message}", markup=False)
    if d.permit:
        out.print(f"  fields: {', '.join(d.fields)}", markup=False)
        for o in d.obligations:
            detail = ", ".join(o.fields) if o.fields else ("" if o.value is None else str(o.value))
            if o.kind.value == "retain":
                detail = f"delete within {o.value} days"
            out.print(f"  obligation {o.kind.value}{f': {detail}' if detail else ''}", markup=False)
