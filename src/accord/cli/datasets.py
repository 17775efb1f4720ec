"""``accord datasets``, ``accord quarantine`` and ``accord export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from accord.cli.common import (
    MAX_VERSION,
    ForceOption,
    JsonOption,
    RoleOption,
    WhyOption,
    WorkspaceOption,
    emit_json,
    handle_errors,
    out,
    staff_act,
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
    role: RoleOption = None,
    reason: WhyOption = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Show the rows of a snapshot that were quarantined, with where and why, each raw row
    whole (wrapped). Reading raw rows is recorded in the audit log with your role and reason."""
    by_role, why = staff_act(role, reason)
    with workspace_at(workspace) as ws:
        snap = get_snapshot(ws.engine, dataset, version)
        rows = quarantined(ws, snap, by_role=by_role, reason=why, limit=limit)
    if json_output:
        emit_json({"dataset": dataset, "version": snap.version, "total": snap.quarantined_rows,
                   "rows": [{"file": q.source_file, "row": q.row_number, "column": q.column,
                             "reason": q.reason, "raw": q.raw} for q in rows]})  # fmt: skip
        return
    shown = f", the first {len(rows):,} shown" if len(rows) < snap.quarantined_rows else ""
    held = f" v{snap.version}: {snap.quarantined_rows:,} rows quarantined{shown}"
    out.print(Text.assemble((dataset, "bold"), held), highlight=False)
    for q in rows:
        where = f"row {q.row_number}" if q.row_number is not None else "(no row)"
        column = f", column {q.column}" if q.column else ""
        out.print(f"{where}{column}: {q.reason}", markup=False, highlight=False)
        # The whole raw row, wrapped at the terminal's width (long values folded), never cut.
        raw = Text((q.raw or "").replace("\n", "⏎"), overflow="fold")
        out.print(Padding(raw, (0, 0, 0, 4)), soft_wrap=False, highlight=False)


@handle_errors
def export(
    dataset: Annotated[str, typer.Argument(help="The dataset.")],
    output: Annotated[Path, typer.Option("--out", "-o", help="A .csv or .parquet file.")],
    version: VersionOption = None,
    all_columns: Annotated[
        bool, typer.Option(help="Every stored column: raw values, issues, postcode parts.")
    ] = False,
    force: ForceOption = False,
    role: RoleOption = None,
    reason: WhyOption = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Write a snapshot's standardised records, one column per canonical field. The export
    is recorded in the audit log with your role and reason."""
    check_output(output, force=force)
    by_role, why = staff_act(role, reason)
    with workspace_at(workspace) as ws:
        snap = get_snapshot(ws.engine, dataset, version)
        rows = export_snapshot(ws, snap, output, by_role=by_role, reason=why,
                               all_columns=all_columns)  # fmt: skip
    if json_output:
        emit_json({"dataset": dataset, "version": snap.version, "rows": rows, "out": str(output)})
        return
    out.print(f"Wrote {rows:,} records of {dataset} v{snap.version} to {output}", markup=False)
