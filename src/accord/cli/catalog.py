"""``accord catalog …``: list, show, describe and export the node's datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from accord.catalog import (
    Entry,
    catalogue,
    describe,
    entry,
    export,
    formats,
    load_metadata,
)
from accord.cli.common import (
    ForceOption,
    JsonOption,
    WorkspaceOption,
    emit_json,
    handle_errors,
    one_of,
    out,
    workspace_at,
)
from accord.store import check_output, write_output

catalog = typer.Typer(help="The catalogue: descriptions, versions, quality and provenance.",
                      no_args_is_help=True)  # fmt: skip

DatasetArgument = Annotated[str, typer.Argument(help="The dataset.")]


@catalog.command("list")
@handle_errors
def list_datasets(workspace: WorkspaceOption = Path(), json_output: JsonOption = False) -> None:
    """Every dataset: its newest version, kitemark and whether it is described."""
    with workspace_at(workspace) as ws:
        found = catalogue(ws)
    if json_output:
        emit_json({"datasets": [
            {"dataset": d.name, "namespace": d.namespace, "kind": d.kind,
             "described": d.described, "version": d.version, "rows": d.rows,
             "kitemark": d.kitemark.value if d.kitemark else None}
            for d in found
        ]})  # fmt: skip
        return
    table = Table(show_edge=False, pad_edge=False)
    for heading in ("dataset", "kind", "version", "records", "kitemark", "described"):
        table.add_column(heading)
    for d in found:
        kitemark = d.kitemark.label if d.kitemark else ""
        table.add_row(d.name, d.kind, str(d.version or ""), f"{d.rows:,}" if d.rows else "",
                      kitemark, "yes" if d.described else "no")  # fmt: skip
    out.print(table)


@catalog.command("describe")
@handle_errors
def describe_dataset(
    dataset: DatasetArgument,
    from_file: Annotated[
        Path, typer.Option("--from", help="A YAML description (keys in docs/catalog.md).")
    ],
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Set a dataset's description from a YAML file, replacing any earlier one."""
    metadata = load_metadata(from_file)
    with workspace_at(workspace) as ws:
        describe(ws, dataset, metadata, str(from_file))
    if json_output:
        emit_json({"dataset": dataset, "status": "described"})
    else:
        out.print(f"{dataset}: described from {from_file}")


@catalog.command("show")
@handle_errors
def show(
    dataset: DatasetArgument, workspace: WorkspaceOption = Path(), json_output: JsonOption = False
) -> None:
    """A dataset's description, its versions with quality, and the runs that made it."""
    with workspace_at(workspace) as ws:
        found = entry(ws, dataset)
    if json_output:
        emit_json(_document(found))
        return
    described = found.metadata
    if described is None:
        out.print(
            Text.assemble(
                (dataset, "bold"),
                f" (not described: accord catalog describe {dataset} --from FILE)",
            )
        )
    else:
        out.print(Text.assemble((described.title, "bold"),
                                f" ({dataset}), {described.owner.organisation}"))  # fmt: skip
        out.print(described.description, highlight=False)
        special = "yes" if described.special_category else "no"
        out.print(f"updated {described.update_frequency}; legal basis: {described.legal_basis};"
                  f" special category: {special}", highlight=False)  # fmt: skip
    table = Table(show_edge=False, pad_edge=False, title="versions")
    for heading in ("version", "as of", "records", "quarantined", "kitemark", "snapshot"):
        table.add_column(heading)
    for v in found.versions:
        table.add_row(str(v.version), str(v.as_of), f"{v.rows:,}", f"{v.quarantined_rows:,}",
                      v.kitemark.label if v.kitemark else "", v.content_hash[:12])  # fmt: skip
    out.print(table)
    renamed = found.versions[-1].attributes if found.versions else {}
    if renamed:
        out.print("attributes (as named here <- the source's column): " + ", ".join(
            f"{name} <- {original}" for name, original in renamed.items()
        ), markup=False, highlight=False)  # fmt: skip
    for run in found.lineage.runs:
        made = ", ".join(o.label for o in run.outputs)
        used = ", ".join(i.label for i in run.inputs) or "nothing recorded"
        out.print(f"{run.event_time:%Y-%m-%d %H:%M} {run.job.name}: {made} from {used}",
                  highlight=False)  # fmt: skip


def _document(found: Entry) -> dict[str, Any]:
    described = found.metadata
    return {
        "dataset": found.name,
        "namespace": found.namespace,
        "metadata": described.model_dump(mode="json", exclude_none=True) if described else None,
        "versions": [
            {"version": v.version, "snapshot": v.content_hash, "as_of": v.as_of.isoformat(),
             "rows": v.rows, "rows_read": v.read_rows, "quarantined": v.quarantined_rows,
             "source": v.source, "created_at": v.created_at.isoformat(),
             "kitemark": v.kitemark.value if v.kitemark else None,
             "scores": {d.value: s for d, s in v.scores.items()},
             "attributes": dict(v.attributes)}
            for v in found.versions
        ],
        "lineage": [
            {"run_id": r.run_id, "job": f"{r.job.namespace} {r.job.name}",
             "time": r.event_time.isoformat(),
             "inputs": [{"namespace": i.namespace, "name": i.name, "version": i.version}
                        for i in r.inputs],
             "outputs": [{"namespace": o.namespace, "name": o.name, "version": o.version}
                         for o in r.outputs]}
            for r in found.lineage.runs
        ],
    }  # fmt: skip


@catalog.command("export")
@handle_errors
def export_dataset(
    dataset: DatasetArgument,
    format_name: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            callback=one_of(formats),
            help="dcat (JSON-LD), datapackage (datapackage.json), prov (PROV-JSON) or "
            "openlineage (run events).",
        ),
    ],
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of to stdout.")
    ] = None,
    force: ForceOption = False,
    workspace: WorkspaceOption = Path(),
) -> None:
    """Export a dataset's catalogue entry on an open standard (see docs/catalog.md)."""
    if out_file is not None:
        check_output(out_file, force=force)
    with workspace_at(workspace) as ws:
        text = export(ws, dataset, format_name)
    if out_file is None:
        typer.echo(text, nl=False)
        return
    write_output(out_file, text)
    out.print(f"Wrote the {format_name} export of {dataset} to {out_file}")
