"""``accord datasets``, ``accord quarantine`` and ``accord export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from accord.cli.common import (
    MAX_VERSION,
    ForceOption,
    JsonOption,
    WorkspaceOption,
    emit_json,
    handle_errors,
    out,
    workspace_at,
)
from accord.sources import export_snapshot, get_snapshot, latest_snapshots, quarantined
from accord.store import check_output

VersionOption = Annotated[
    int | None,
    typer.Option(
        "--version", "-v", min=1, max=MAX_VERSION, help="A snapshot version (default: the newest)."
    ),
]


@handle_errors
def datasets(workspace: WorkspaceOption = Path(), json_output: JsonOption = False) -> None:
    """List the datasets in this workspace with their newest snapshot."""
    with workspace_at(workspace) as ws:
        snaps = latest_snapshots(ws.engine)
    if json_output:
        emit_json({"datasets": [
            {"dataset": s.dataset, "version": s.version, "rows": s.rows,
             "rows_read": s.read_rows, "quarantined": s.quarantined_rows,
             "snapshot": s.content_hash, "source": s.source, "source_kind": s.source_kind,
             "created_at": s.created_at.isoformat()}
            for s in snaps
        ]})  # fmt: skip
        return
    if not snaps:
        out.print(
            "No datasets yet: add one with 'accord ingest SOURCE --mapping MAP --dataset NAME'."
        )
        return
    table = Table(show_edge=False, pad_edge=False)
    for heading in ("dataset", "version", "records", "quarantined", "source", "snapshot"):
        table.add_column(heading)
    for s in snaps:
        table.add_row(s.dataset, str(s.version), f"{s.rows:,}", f"{s.quarantined_rows:,}",
                      f"{s.source} ({s.source_kind})", s.content_hash[:12])  # fmt: skip
    out.print(table)


@handle_errors
def quarantine(
    dataset: Annotated[str, typer.Argument(help="The dataset.")],
    version: VersionOption = None,
    limit: Annotated[
        int, typer.Option(min=1, max=1_000_000, help="Show at most this many rows.")
    ] = 100,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Show the rows of a snapshot that were quarantined, with where and why."""
    with workspace_at(workspace) as ws:
        snap = get_snapshot(ws.engine, dataset, version)
        rows = quarantined(ws.engine, snap.id, limit=limit)
    if json_output:
        emit_json({"dataset": dataset, "version": snap.version, "total": snap.quarantined_rows,
                   "rows": [{"file": q.source_file, "row": q.row_number, "column": q.column,
                             "reason": q.reason, "raw": q.raw} for q in rows]})  # fmt: skip
        return
    held = f" v{snap.version}: {snap.quarantined_rows:,} rows quarantined"
    out.print(Text.assemble((dataset, "bold"), held))
    table = Table(show_edge=False, pad_edge=False)
    for heading in ("row", "column", "reason", "raw"):
        table.add_column(heading)
    for q in rows:
        raw = (q.raw or "").replace("\n", "⏎")
        table.add_row(str(q.row_number or ""), q.column or "", q.reason,
                      raw[:60] + ("…" if len(raw) > 60 else ""))  # fmt: skip
    out.print(table)


@handle_errors
def export(
    dataset: Annotated[str, typer.Argument(help="The dataset.")],
    output: Annotated[Path, typer.Option("--out", "-o", help="A .csv or .parquet file.")],
    version: VersionOption = None,
    all_columns: Annotated[
        bool, typer.Option(help="Every stored column: raw values, issues, postcode parts.")
    ] = False,
    force: ForceOption = False,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Write a snapshot's standardised records, one column per canonical field."""
    check_output(output, force=force)
    with workspace_at(workspace) as ws:
        snap = get_snapshot(ws.engine, dataset, version)
        rows = export_snapshot(ws, snap, output, all_columns=all_columns)
    if json_output:
        emit_json({"dataset": dataset, "version": snap.version, "rows": rows, "out": str(output)})
        return
    out.print(f"Wrote {rows:,} records of {dataset} v{snap.version} to {output}")
