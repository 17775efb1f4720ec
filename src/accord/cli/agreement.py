"""``accord agreement ...``: draft, check, sign, verify and run data sharing agreements.

Every command calls the agreements face; the governance acts (sign, activate, suspend,
revoke, amend, decide) are recorded in the audit log by the library functions they call.
"""

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
    StoredAgreement,
    Usage,
    Verification,
    activate,
    amend_agreement,
    article30_rows,
    dataset_problems,
    decide,
    describe,
    example_text,
    get,
    history,
    known_keys,
    list_agreements,
    load,
    load_keys,
    load_public_key,
    odrl,
    own_org,
    parse,
    preset_problems,
    register_rows,
    render_html,
    render_pdf,
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
    ForceOption,
    JsonOption,
    WorkspaceOption,
    as_of_date,
    emit_json,
    err,
    handle_errors,
    one_of,
    out,
    workspace_at,
)
from accord.store import WORKSPACE_FILE, check_name, check_output, write_output

agreement = typer.Typer(
    name="agreement",
    help="Data sharing agreements: draft, validate, sign, verify, activate, decide, export.",
    no_args_is_help=True,
)

FileArgument = Annotated[Path, typer.Argument(help="The agreement's YAML file.", dir_okay=False)]
IdArgument = Annotated[str, typer.Argument(help="The agreement's id.")]
VersionOption = Annotated[
    int | None,
    typer.Option(
        "--version",
        min=1,
        max=MAX_VERSION,
        help="A version (default: the current one: the latest every party signed).",
    ),
]
KeysOption = Annotated[
    Path | None,
    typer.Option("--keys", help="YAML of organisation id: public key (PEM, base64 or a file)."),
]
KeyOption = Annotated[
    list[str] | None,
    typer.Option("--key", help="ORG=FILE: an organisation's public key file (repeatable)."),
]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why, for the history and the log.")]
RoleOption = Annotated[
    str, typer.Option("--as-role", help="Your role (never your name), recorded in the log.")
]
DEFAULT_ROLE = "information governance lead"
OptionalWorkspace = Annotated[
    Path | None,
    typer.Option(
        "--workspace", "-w", envvar="ACCORD_WORKSPACE", file_okay=False,
        help="A node workspace whose keys (its own and its peers') and datasets to check with.",
    ),
]  # fmt: skip
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write here instead of to stdout.")
]


def _keys(keys_file: Path | None, key: list[str] | None) -> dict[str, Ed25519PublicKey]:
    found = load_keys(keys_file) if keys_file else {}
    for item in key or []:
        org, sep, path = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"--key {item!r} is not ORG=FILE")
        found[check_name(org, "--key organisation")] = load_public_key(Path(path))
    return found


def _write(text: str, target: Path | None) -> None:
    if target is None:
        typer.echo(text, nl=False)
        return
    write_output(target, text)
    err.print(f"wrote {target}", markup=False, highlight=False)


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
    role: RoleOption = DEFAULT_ROLE,
    force: ForceOption = False,
    workspace: WorkspaceOption = Path(),
) -> None:
    """Write a draft agreement to FILE: the worked example to edit, or the next version."""
    check_output(file, force=force)
    if amend is not None:
        with workspace_at(workspace) as ws:
            stored = amend_agreement(ws, amend, by_role=role)
        save(stored.agreement, file)
        err.print(f"{amend} v{stored.agreement.version}: a draft for every party to sign again")
        return
    data = yaml.safe_load(example_text())
    text = example_text()
    if agreement_id or title:
        data.update({k: v for k, v in (("id", agreement_id), ("title", title)) if v})
        text = to_yaml(parse(data, str(file)))
    write_output(file, text)
    err.print(f"wrote {file}: edit it, then 'accord agreement validate {file}'")


@agreement.command("validate")
@handle_errors
def validate(
    file: FileArgument, workspace: OptionalWorkspace = None, json_output: JsonOption = False
) -> None:
    """Check FILE against the model and the privacy presets; every problem names its field.

    With --workspace, also check the datasets that node provides: each exists there and
    every field named is a column of its newest snapshot.
    """
    try:
        a = load(file)
        problems = preset_problems(a)
        if workspace is not None:
            with workspace_at(workspace) as ws:
                problems += dataset_problems(ws, a, own_org(ws))
        if problems:
            raise AgreementInvalid(problems, str(file))
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
        str | None,
        typer.Option("--as", help="The party to sign for (default: this node's organisation)."),
    ] = None,
    role: RoleOption = DEFAULT_ROLE,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Sign FILE with this node's organisation key, write the signature into it and keep it.

    Refused unless every signature already in FILE verifies with its party's key known
    here ('accord peer list'), and unless the datasets this node provides fit the
    agreement (they exist, with every field named).
    """
    check_output(file, force=True)  # rewritten in place, so never a workspace's own file
    with workspace_at(workspace) as ws:
        signed, stored = sign_in_workspace(ws, load(file), as_org, by_role=role)
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
    workspace: OptionalWorkspace = None,
    json_output: JsonOption = False,
) -> None:
    """Check every party's signature on FILE with the parties' public keys.

    The keys are those a workspace knows (--workspace, or the current folder when it is
    one: its own and its peers'), overridden by any given with --key or --keys, which
    alone verify a file offline, with no workspace. Exits 1 when any signature is
    missing or does not verify.
    """
    public: dict[str, Ed25519PublicKey] = {}
    if workspace is None and not (keys or key) and Path(WORKSPACE_FILE).is_file():
        workspace = Path()
    if workspace is not None:
        with workspace_at(workspace) as ws:
            public = known_keys(ws)
    public.update(_keys(keys, key))
    if not public:
        raise typer.BadParameter(
            "give the parties' public keys (--key ORG=FILE, --keys FILE) or a workspace "
            "that knows them (--workspace)"
        )
    result = verify(load(file), public)
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
    role: RoleOption = DEFAULT_ROLE,
    keys: Annotated[Path | None, typer.Option("--keys", hidden=True)] = None,
    key: Annotated[list[str] | None, typer.Option("--key", hidden=True)] = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Activate an agreement once every party's signature verifies with the key this node
    knows for it ('accord peer list'), it is in date, and the datasets this node provides
    fit it. A file is kept and activated at once: when activation is refused, neither
    happens."""
    if keys or key:
        raise typer.BadParameter(
            "activate needs no --key or --keys: it checks each signature with the key this "
            "node knows for the party ('accord peer list'); add a partner's key once with "
            "'accord peer add ORG --key FILE'"
        )
    with workspace_at(workspace) as ws:
        target: str | Agreement = agreement_ref
        if _is_file(agreement_ref):
            if version is not None:
                raise typer.BadParameter("--version names a stored version; a file is its own")
            target = load(Path(agreement_ref))
        stored = activate(ws, target, version, by_role=role)
    _render_status(stored, json_output)


def _is_file(ref: str) -> bool:
    try:
        return Path(ref).is_file()
    except (OSError, ValueError):  # too long for a path, or a NUL: an id (refused as one)
        return False


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
    role: RoleOption = DEFAULT_ROLE,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Suspend an active agreement: every request is denied until it is activated again."""
    with workspace_at(workspace) as ws:
        _render_status(suspend(ws, agreement_id, reason, version, by_role=role), json_output)


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
    """Revoke an agreement for good."""
    with workspace_at(workspace) as ws:
        _render_status(revoke(ws, agreement_id, reason, version, by_role=role), json_output)


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
        stored = get(ws, agreement_id, version)
        events = history(ws, agreement_id)
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
    """List the agreements in this workspace (the current version of each: the latest)."""
    with workspace_at(workspace) as ws:
        held = list_agreements(ws)
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
    force: ForceOption = False,
    workspace: WorkspaceOption = Path(),
) -> None:
    """The public register of this node's signed agreements (organisations, purpose, law)."""
    if out_file is not None:
        check_output(out_file, force=force)
    if fmt not in ("csv", "json", "html"):
        raise typer.BadParameter(f"--format {fmt!r}: use csv, json or html")
    with workspace_at(workspace) as ws:
        rows = register_rows(list_agreements(ws, signed=True), date.today())
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
    force: ForceOption = False,
    workspace: WorkspaceOption = Path(),
) -> None:
    """Export an agreement as ODRL 2.2 or YAML, or the Article 30 record of processing."""
    if out_file is not None:
        check_output(out_file, force=force)
    with workspace_at(workspace) as ws:
        if fmt.startswith("article30"):
            rows = article30_rows(list_agreements(ws, signed=True), org)
            _write(write_article30(rows, "csv" if fmt == "article30-csv" else "json"), out_file)
            return
        if fmt not in ("odrl", "yaml"):
            raise typer.BadParameter(f"--format {fmt!r}: use odrl, yaml, article30, article30-csv")
        if agreement_id is None:
            raise typer.BadParameter(f"--format {fmt} needs the agreement's id")
        a: Agreement = get(ws, agreement_id, version).agreement
    text = to_yaml(a) if fmt == "yaml" else json.dumps(odrl(a), indent=2, ensure_ascii=False)
    _write(text if text.endswith("\n") else text + "\n", out_file)


@agreement.command("decide")
@handle_errors
def decide_command(
    requester: Annotated[str, typer.Option(help="The organisation asking.")],
    purpose: Annotated[str, typer.Option(help="The purpose code.")],
    dataset: Annotated[str, typer.Option(help="The dataset asked for.")],
    fields: Annotated[str, typer.Option(help="Comma-separated fields asked for.")],
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
    version: Annotated[
        int | None,
        typer.Option(
            "--version",
            min=1,
            max=MAX_VERSION,
            help="Under this version of --agreement (default: the current one).",
        ),
    ] = None,
    on: Annotated[
        datetime | None,
        typer.Option(formats=DATE_FORMATS, help="The day, YYYY-MM-DD (default: today)."),
    ] = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Decide one request for this node's data against its agreements, and record the
    decision in the log. The dataset's kitemark is this node's latest assessment of its
    newest snapshot. Exits 1 when it is denied."""
    if version is not None and agreement_id is None:
        raise typer.BadParameter("--version needs --agreement: it names a version of one")
    with workspace_at(workspace) as ws:
        decision = decide(
            ws, requester=requester, purpose=purpose, dataset=dataset,
            fields=[f.strip() for f in fields.split(",") if f.strip()], rows=rows,
            usage=Usage(requests_used, rows_used), agreement_id=agreement_id, version=version,
            on=as_of_date(on),
        )  # fmt: skip
    _render_decision(decision, json_output)
    if not decision.permit:
        raise typer.Exit(1)


def _render_decision(d: Decision, json_output: bool) -> None:
    if json_output:
        emit_json({"permit": d.permit, "agreement": d.agreement_id, "version": d.version,
                   "reasons": [{"code": r.code.value, "message": r.message} for r in d.reasons],
                   "fields": list(d.fields),
                   "obligations": [{"kind": o.kind.value, "fields": list(o.fields),
                                    "value": o.value,
                                    "conditions": [c.model_dump(mode="json")
                                                   for c in o.conditions]}
                                   for o in d.obligations],
                   "basis": d.basis and {"regime": d.basis.regime.value,
                                         "basis": d.basis.basis.value}})  # fmt: skip
        return
    verdict = Text("PERMIT", "bold green") if d.permit else Text("DENY", "bold red")
    out.print(verdict)
    for r in d.reasons:
        out.print(f"  {r.code.value}: {r.message}", markup=False)
    if d.permit:
        out.print(f"  fields: {', '.join(d.fields)}", markup=False)
        if d.basis is not None:
            out.print(f"  basis: {d.basis.regime.value} {d.basis.basis.value}", markup=False)
        for o in d.obligations:
            detail = ", ".join(o.fields) if o.fields else ("" if o.value is None else str(o.value))
            if o.kind.value == "retain":
                detail = f"delete within {o.value} days"
            if o.conditions:
                detail = "; ".join(describe(c) for c in o.conditions)
            out.print(f"  obligation {o.kind.value}{f': {detail}' if detail else ''}", markup=False)


@agreement.command("render")
@handle_errors
def render(
    agreement_ref: Annotated[
        str, typer.Argument(metavar="ID_OR_FILE", help="A stored agreement's id, or a file.")
    ],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The file to write.")],
    fmt: Annotated[
        str, typer.Option("--format", callback=one_of(lambda: ("html", "pdf")), help="html or pdf.")
    ] = "html",
    force: ForceOption = False,
    version: VersionOption = None,
    workspace: WorkspaceOption = Path(),
) -> None:
    """Write a readable copy of an agreement, for the people who sign it (HTML or PDF)."""
    target = check_output(out_file, force=force)
    status = None
    if Path(agreement_ref).is_file():
        a = load(Path(agreement_ref))
    else:
        with workspace_at(workspace) as ws:
            stored = get(ws, agreement_ref, version)
        a, status = stored.agreement, stored.status_on(date.today()).value
    data = render_pdf(a, status) if fmt == "pdf" else render_html(a, status).encode("utf-8")
    target.write_bytes(data)
    err.print(f"wrote {out_file}", markup=False, highlight=False)
