"""``accord share ...``: this node calling its peers over the signed API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.table import Table

from accord.agreements import get
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
    IDEMPOTENCY_KEY_PATTERN,
    Client,
    LookupRequest,
    ShareRequest,
    shares_log,
)
from accord.store import Workspace

M = TypeVar("M", bound=BaseModel)
console = out

share = typer.Typer(
    name="share", help="Ask other nodes for data, over the signed API.", no_args_is_help=True
)


@share.command("catalogue")
@handle_errors
def catalogue(
    peer: Annotated[str, typer.Argument(help="The peer's node id (e.g. RX1).")],
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """The datasets PEER offers this node under your active agreements."""
    with workspace_at(workspace) as ws, Client(ws) as client:
        found = client.catalogue(peer)
    if json_output:
        emit_json(found.model_dump(mode="json"))
        return
    out.print(
        f"{found.node_id} ({found.org}) offers {found.caller} {len(found.datasets)} dataset(s)",
        highlight=False,
    )
    table = Table(show_edge=False, pad_edge=False)
    for heading in ("dataset", "agreement", "kitemark", "needs", "fields"):
        table.add_column(heading)
    for offer in found.datasets:
        table.add_row(
            offer.dataset,
            f"{offer.agreement} v{offer.version}",
            offer.kitemark,
            offer.minimum_kitemark,
            ", ".join(f.name for f in offer.fields),
        )
    out.print(table)


AgreementOpt = Annotated[
    str, typer.Option("--agreement", "-a", help="The agreement the request is made under.")
]
DatasetOpt = Annotated[str, typer.Option("--dataset", "-d", help="The peer's dataset.")]
FieldsOpt = Annotated[
    str | None,
    typer.Option("--fields", help="Comma-separated fields (default: the agreement's)."),
]
PurposeOpt = Annotated[
    str | None,
    typer.Option("--purpose", help="The purpose code (default: the agreement's only one)."),
]
RoleOpt = Annotated[
    str, typer.Option("--as-role", help="Your role (never your name), e.g. care-coordinator.")
]
CaseOpt = Annotated[str, typer.Option("--case", help="The case or incident reference.")]
KeyOpt = Annotated[
    str | None,
    typer.Option(
        "--idempotency-key",
        help="Retry a request with the key it was made with: answered once, disclosed once.",
    ),
]


def _context(ws: Workspace, agreement: str, purpose: str | None, role: str, case: str) -> Any:
    if purpose is None:
        purposes = [p.code for p in get(ws, agreement).agreement.purposes]
        if len(purposes) != 1:
            raise typer.BadParameter(
                f"{agreement} names purposes {', '.join(purposes)}: choose one with --purpose"
            )
        purpose = purposes[0]
    return {"agreement": agreement, "purpose": purpose, "role": role, "case": case}


def _fields(value: str | None) -> list[str] | None:
    return [f.strip() for f in value.split(",") if f.strip()] if value else None


def _built(model: type[M], document: dict[str, Any]) -> M:
    """The request, or a one-line error naming the option at fault."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        option = _OPTIONS.get(where.split(".")[0] if "." not in where else where, where)
        raise typer.BadParameter(f"{option}: {first['msg']}") from None


_OPTIONS = {
    "context.agreement": "--agreement", "context.purpose": "--purpose",
    "context.role": "--as-role", "context.case": "--case", "dataset": "--dataset",
    "fields": "--fields", "subjects": "--subjects", "person": "the person's identifiers",
    "person.nhs_number": "--nhs-number", "person.family_name": "--family-name",
    "person.given_name": "--given-name", "person.date_of_birth": "--date-of-birth",
    "person.postcode": "--postcode", "idempotency_key": "--idempotency-key",
}  # fmt: skip


def _subjects(path: Path | None, kind: str) -> dict[str, Any] | None:
    if path is None:
        return None
    values = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return {"kind": kind, "values": [v for v in values if v]}


@share.command("request")
@handle_errors
def request(
    peer: Annotated[str, typer.Argument(help="The provider's node id (e.g. RX1).")],
    agreement: AgreementOpt,
    dataset: DatasetOpt,
    as_role: RoleOpt,
    case: CaseOpt,
    fields: FieldsOpt = None,
    subjects: Annotated[
        Path | None,
        typer.Option("--subjects", help="A file of subjects, one a line.", dir_okay=False),
    ] = None,
    subject_kind: Annotated[
        str, typer.Option("--subject-kind", help="What --subjects lists: pseudonym or linkage_id.")
    ] = "pseudonym",
    purpose: PurposeOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="arrow or csv.")] = "arrow",
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the answer, as received, here.")
    ] = None,
    force: ForceOption = False,
    idempotency_key: KeyOpt = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Ask PEER for an extract under an agreement; keep it as a snapshot of this node."""
    if fmt not in ("arrow", "csv"):
        raise typer.BadParameter(f"--format {fmt!r}: choose arrow or csv")
    if subject_kind not in ("pseudonym", "linkage_id"):
        raise typer.BadParameter(f"--subject-kind {subject_kind!r}: pseudonym or linkage_id")
    with workspace_at(workspace) as ws:
        asked = _built(ShareRequest, {
            "context": _context(ws, agreement, purpose, as_role, case), "dataset": dataset,
            "fields": _fields(fields), "subjects": _subjects(subjects, subject_kind),
        })  # fmt: skip
        key = _key(idempotency_key)
        with Client(ws) as client:
            got = client.share(peer, asked, fmt=fmt, idempotency_key=key, out=out, force=force)
    document = {
        "provider": got.provider, "agreement": got.agreement, "dataset": got.dataset,
        "snapshot": got.snapshot.dataset, "version": got.snapshot.version,
        "records": got.records, "bytes": got.bytes, "format": got.format,
        "request": got.request, "out": str(got.out) if got.out else None,
    }  # fmt: skip
    if json_output:
        emit_json(document)
        return
    console.print(
        f"{got.provider} shared {got.records:,} record(s) of {got.dataset} under "
        f"{got.agreement}: kept as {got.snapshot.dataset} v{got.snapshot.version} "
        f"(request {got.request})",
        highlight=False,
    )


def _key(value: str | None) -> str | None:
    if value is not None and re.fullmatch(IDEMPOTENCY_KEY_PATTERN, value) is None:
        raise typer.BadParameter(
            f"--idempotency-key {value[:40]!r}: 16-128 letters, digits, '-' or '_'"
        )
    return value


@share.command("lookup")
@handle_errors
def lookup(
    peer: Annotated[str, typer.Argument(help="The provider's node id (e.g. RX1).")],
    agreement: AgreementOpt,
    dataset: DatasetOpt,
    as_role: RoleOpt,
    case: CaseOpt,
    nhs_number: Annotated[str | None, typer.Option("--nhs-number")] = None,
    family_name: Annotated[str | None, typer.Option("--family-name")] = None,
    given_name: Annotated[str | None, typer.Option("--given-name")] = None,
    date_of_birth: Annotated[
        str | None, typer.Option("--date-of-birth", help="YYYY-MM-DD.")
    ] = None,
    postcode: Annotated[str | None, typer.Option("--postcode")] = None,
    fields: FieldsOpt = None,
    purpose: PurposeOpt = None,
    idempotency_key: KeyOpt = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Ask PEER for one person's records (by NHS number, or name and date of birth)."""
    person = {"nhs_number": nhs_number, "family_name": family_name, "given_name": given_name,
              "date_of_birth": date_of_birth, "postcode": postcode}  # fmt: skip
    with workspace_at(workspace) as ws:
        asked = _built(LookupRequest, {
            "context": _context(ws, agreement, purpose, as_role, case), "dataset": dataset,
            "fields": _fields(fields), "person": {k: v for k, v in person.items() if v},
        })  # fmt: skip
        key = _key(idempotency_key)
        with Client(ws) as client:
            answer = client.lookup(peer, asked, idempotency_key=key)
    if json_output:
        emit_json(answer.model_dump(mode="json"))
        return
    console.print(
        f"{answer.node_id}: {len(answer.records)} record(s) in {answer.dataset}", highlight=False
    )
    if answer.records:
        table = Table(show_edge=False, pad_edge=False)
        for name in answer.fields:
            table.add_column(name)
        for record in answer.records:
            table.add_row(*(str(record.get(name, "")) for name in answer.fields))
        console.print(table)


@share.command("list")
@handle_errors
def listing(workspace: WorkspaceOption = Path(), json_output: JsonOption = False) -> None:
    """The shares and lookups this node served and received."""
    with workspace_at(workspace) as ws:
        found = shares_log(ws)
    if json_output:
        emit_json(found)
        return
    table = Table(show_edge=False, pad_edge=False)
    for heading in ("at", "direction", "kind", "peer", "agreement", "dataset", "records",
                    "bytes", "format"):  # fmt: skip
        table.add_column(heading)
    for s in found:
        peer = s["recipient"] if s["direction"] == "served" else s["provider"]
        table.add_row(s["at"], s["direction"], s["kind"], peer, s["agreement"], s["dataset"],
                      f"{s['records']:,}", f"{s['bytes']:,}", s["format"])  # fmt: skip
    console.print(table)
