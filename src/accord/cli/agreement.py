"""``accord agreement ...``: draft, check, sign, verify and run data sharing agreements.

The command group and the commands that change agreements; the ones that read, decide
and render join it from ``agreement_views``. Every command calls the agreements face;
the governance acts (sign, activate, amend, decide) are recorded in the audit log by
the library functions they call. Suspension, revocation and the acts between nodes
(propose, countersign, decline) are in ``agreement_exchange``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.text import Text

from accord.agreements import (
    Agreement,
    AgreementInvalid,
    StoredAgreement,
    Verification,
    activate,
    amend_agreement,
    dataset_problems,
    example_text,
    known_keys,
    load,
    load_keys,
    load_public_key,
    own_org,
    parse,
    preset_problems,
    save,
    sign_in_workspace,
    to_yaml,
    verify,
)
from accord.cli.common import (
    MAX_VERSION,
    ForceOption,
    JsonOption,
    WorkspaceOption,
    emit_json,
    err,
    handle_errors,
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


def write_out(text: str, target: Path | None) -> None:
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
        if is_file_ref(agreement_ref):
            if version is not None:
                raise typer.BadParameter("--version names a stored version; a file is its own")
            target = load(Path(agreement_ref))
        stored = activate(ws, target, version, by_role=role)
    render_status(stored, json_output)


def is_file_ref(ref: str) -> bool:
    try:
        return Path(ref).is_file()
    except (OSError, ValueError):  # too long for a path, or a NUL: an id (refused as one)
        return False


def render_status(stored: StoredAgreement, json_output: bool) -> None:
    a = stored.agreement
    if json_output:
        emit_json({"agreement": a.id, "version": a.version, "status": stored.status.value})
        return
    out.print(Text.assemble(f"{a.id} v{a.version}: ", (stored.status.value, "bold")))
