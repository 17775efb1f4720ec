"""``accord usage report``: requests, records and bytes per agreement, party and month."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accord.cli.common import (
    ForceOption,
    JsonOption,
    WorkspaceOption,
    err,
    handle_errors,
    out,
    workspace_at,
)
from accord.exchange import UsageError, UsageReport, month_range, usage
from accord.store import check_output, write_output

usage_app = typer.Typer(
    name="usage", help="Usage metering for cost sharing, from the audit log.", no_args_is_help=True
)


class Format(StrEnum):
    CSV = "csv"
    JSON = "json"
    TABLE = "table"


def _month(value: str) -> str:
    try:
        month_range(value)
    except UsageError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value.strip()


def _table(report: UsageReport) -> None:
    out.print(f"usage on {report.node_id or report.org} in {report.month} (UTC): "
              f"{len(report.rows)} row(s)", highlight=False)  # fmt: skip
    if not report.rows:
        return
    table = Table(show_edge=False, pad_edge=False)
    columns = ("agreement", "party", "direction", "requests", "permitted", "refused",
               "shares", "lookups", "records", "bytes")  # fmt: skip
    for heading in columns:
        table.add_column(heading, justify="right" if heading not in columns[:3] else "left")
    for row in report.rows:
        table.add_row(*(f"{v:,}" if isinstance(v, int) else v
                        for v in (getattr(row, c) for c in columns)))  # fmt: skip
    out.print(table)


@usage_app.command("report")
@handle_errors
def report(
    month: Annotated[str, typer.Option("--month", callback=_month,
                                       help="The calendar month, YYYY-MM (UTC).")],
    fmt: Annotated[Format, typer.Option("--format", help="csv, json or table.")] = Format.TABLE,
    out_file: Annotated[Path | None, typer.Option("--out", "-o", help="Write it to this "
                                                  "file (csv or json) instead of stdout.")] = None,
    force: ForceOption = False,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:  # fmt: skip
    """Requests (permitted and refused), shares, lookups, records and bytes per agreement,
    party and direction in one month, counted from this node's audit log."""
    if json_output:
        if fmt is Format.CSV:
            raise typer.BadParameter("--json is --format json: give one", param_hint="--json")
        fmt = Format.JSON
    if out_file is not None:
        if fmt is Format.TABLE:
            raise typer.BadParameter("a table is for the terminal: give --format csv or json "
                                     "with --out", param_hint="--format")  # fmt: skip
        check_output(out_file, force=force)
    with workspace_at(workspace) as ws:
        found = usage(ws, month)
    if fmt is Format.TABLE:
        _table(found)
        return
    text = found.csv() if fmt is Format.CSV else json.dumps(found.as_dict(), indent=2) + "\n"
    if out_file is None:
        typer.echo(text, nl=False)
        return
    write_output(out_file, text)
    err.print(f"{len(found.rows)} row(s) of usage in {found.month} written to {out_file}",
              highlight=False)  # fmt: skip
