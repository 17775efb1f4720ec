"""``accord agreement show|list|register|export|decide|render``: what a node holds and
decides under its agreements, read and rendered (drafting, signing and the lifecycle are in
``agreement``, whose command group these join)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from accord.agreements import (
    Agreement,
    Decision,
    Usage,
    article30_rows,
    decide,
    describe,
    get,
    history,
    list_agreements,
    load,
    odrl,
    register_rows,
    render_html,
    render_pdf,
    to_yaml,
    write_article30,
    write_register,
)
from accord.cli.agreement import (
    IdArgument,
    OutOption,
    VersionOption,
    agreement,
    write_out,
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
from accord.store import check_output


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
    write_out(write_register(rows, fmt), out_file)


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
            write_out(write_article30(rows, "csv" if fmt == "article30-csv" else "json"), out_file)
            return
        if fmt not in ("odrl", "yaml"):
            raise typer.BadParameter(f"--format {fmt!r}: use odrl, yaml, article30, article30-csv")
        if agreement_id is None:
            raise typer.BadParameter(f"--format {fmt} needs the agreement's id")
        a: Agreement = get(ws, agreement_id, version).agreement
    text = to_yaml(a) if fmt == "yaml" else json.dumps(odrl(a), indent=2, ensure_ascii=False)
    write_out(text if text.endswith("\n") else text + "\n", out_file)


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


__all__ = ["agreement"]
