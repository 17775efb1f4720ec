"""``accord ingest``: read a legacy source into a standardised snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from accord.cli.common import (
    AsOfOption,
    JsonOption,
    WorkspaceOption,
    as_of_date,
    emit_json,
    handle_errors,
    out,
    progress_bar,
    workspace_at,
)
from accord.sources import IngestReport
from accord.sources import ingest as ingest_source


@handle_errors
def ingest(
    source: Annotated[
        str, typer.Argument(help="A file (CSV, Excel, JSON lines, SQLite) or a SQLAlchemy URL.")
    ],
    mapping: Annotated[
        Path, typer.Option("--mapping", "-m", help="The YAML mapping of columns to fields.")
    ],
    dataset: Annotated[str, typer.Option("--dataset", "-d", help="The dataset's name.")],
    as_of: AsOfOption = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Read SOURCE through its mapping, standardise every record and store a snapshot."""
    reference = as_of_date(as_of)
    with workspace_at(workspace) as ws, progress_bar(quiet=json_output) as update:
        report = ingest_source(ws, source, mapping, dataset, as_of=reference, progress=update)
    if json_output:
        emit_json(report.to_json())
    else:
        render(report)


def render(report: IngestReport) -> None:
    """What was read, standardised, flagged and quarantined, per field."""
    s = report.snapshot
    out.print(Text.assemble(
        (s.dataset, "bold"),
        f" v{s.version}: read {s.read_rows:,} rows from {s.source} "
        f"({s.source_kind}); {s.rows:,} records stored, {s.quarantined_rows:,} rows quarantined "
        f"in {report.seconds:.1f}s",
    ))  # fmt: skip
    table = Table(title=None, show_edge=False, pad_edge=False)
    for heading in ("field", "read", "standardised", "flagged", "quarantined", "issues"):
        justify = "left" if heading in ("field", "issues") else "right"
        table.add_column(heading, justify=justify)  # type: ignore[arg-type]
    for f in report.fields:
        issues = ", ".join(f"{k} {v:,}" for k, v in sorted(f.issues.items()))
        table.add_row(f.field, f"{f.read:,}", f"{f.standardised:,}", f"{f.flagged:,}",
                      f"{f.quarantined:,}", issues)  # fmt: skip
    out.print(table)
    out.print(f"snapshot {s.content_hash[:16]}… at {s.path}")
