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
    err,
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
        str,
        typer.Argument(
            help="A file (CSV, Excel, JSON lines, Parquet, Arrow IPC, SQLite: known by its "
            "content) or a SQLAlchemy URL."
        ),
    ],
    mapping: Annotated[
        Path, typer.Option("--mapping", "-m", help="The YAML mapping of columns to fields.")
    ],
    dataset: Annotated[str, typer.Option("--dataset", "-d", help="The dataset's name.")],
    as_of: AsOfOption = None,
    accept_issues: Annotated[
        list[str] | None,
        typer.Option(
            "--accept-issues",
            metavar="FIELD",
            help="Store the snapshot even though most of FIELD's values fail (repeatable).",
        ),
    ] = None,
    max_failure_rate: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Refuse the ingest when more than this share of a field's values fail "
            "(default: the ingest_max_failure_rate setting, 0.5).",
        ),
    ] = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Read SOURCE through its mapping, standardise every record and store a snapshot."""
    reference = as_of_date(as_of)
    with workspace_at(workspace) as ws, progress_bar(quiet=json_output) as update:
        report = ingest_source(ws, source, mapping, dataset, as_of=reference, progress=update,
                               max_failure_rate=max_failure_rate,
                               accept_issues=accept_issues or ())  # fmt: skip
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
    for note in report.notes:
        err.print(f"note: {note}", markup=False, highlight=False)
    table = Table(title=None, show_edge=False, pad_edge=False)
    headings = ("field", "read", "standardised", "flagged", "failed", "quarantined", "issues")
    for heading in headings:
        justify = "left" if heading in ("field", "issues") else "right"
        # Only the issues may wrap: a field's name and its counts are read whole.
        wraps = heading == "issues"
        table.add_column(heading, justify=justify, no_wrap=not wraps,  # type: ignore[arg-type]
                         overflow="fold" if wraps else "ellipsis")  # fmt: skip
    for f in report.fields:
        issues = ", ".join(f"{k} {v:,}" for k, v in sorted(f.issues.items()))
        failed = f"{f.failure_rate:.1%}" if f.values else "-"
        table.add_row(f.field, f"{f.read:,}", f"{f.standardised:,}", f"{f.flagged:,}",
                      failed, f"{f.quarantined:,}", issues)  # fmt: skip
    out.print(table)
    out.print(f"snapshot {s.content_hash[:16]}… at {s.path}")
