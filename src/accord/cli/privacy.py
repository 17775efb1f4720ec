"""``accord optout …`` (the node's opt-out registers) and ``accord protect`` (safe counts)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accord.cli.common import (
    ForceOption,
    JsonOption,
    RoleOption,
    WhyOption,
    WorkspaceOption,
    emit_json,
    handle_errors,
    one_of,
    out,
    staff_act,
    workspace_at,
)
from accord.privacy import (
    PRESETS,
    SCHEMES,
    Protected,
    count_opt_outs,
    protect_csv,
    register_opt_out,
    withdraw_opt_out,
)
from accord.store import check_output, private_output

optout = typer.Typer(help="The node's opt-out registers, consulted at every disclosure.",
                     no_args_is_help=True)  # fmt: skip

NhsNumber = Annotated[str, typer.Argument(help="The person's NHS number.")]


SchemeOption = Annotated[
    str,
    typer.Option(
        callback=one_of(lambda: SCHEMES),
        help="national (the national data opt-out pattern) or objection (Article 21 "
        "objections upheld).",
    ),
]


@optout.command("register")
@handle_errors
def register(
    nhs_number: NhsNumber,
    scheme: SchemeOption = "national",
    role: RoleOption = None,
    reason: WhyOption = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Record an opt-out on the person's behalf: it takes effect on the next disclosure."""
    by_role, why = staff_act(role, reason)
    with workspace_at(workspace) as ws:
        added = register_opt_out(ws, scheme, nhs_number, by_role=by_role, reason=why)
    _said(json_output, scheme, "registered" if added else "already registered")


@optout.command("withdraw")
@handle_errors
def withdraw(
    nhs_number: NhsNumber,
    scheme: SchemeOption = "national",
    role: RoleOption = None,
    reason: WhyOption = None,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Record that a person withdrew their opt-out (on their behalf)."""
    by_role, why = staff_act(role, reason)
    with workspace_at(workspace) as ws:
        done = withdraw_opt_out(ws, scheme, nhs_number, by_role=by_role, reason=why)
    _said(json_output, scheme, "withdrawn" if done else "not registered")


def _said(json_output: bool, scheme: str, what: str) -> None:
    if json_output:
        emit_json({"scheme": scheme, "status": what})
    else:
        out.print(f"{scheme}: {what}")


@optout.command("count")
@handle_errors
def count(workspace: WorkspaceOption = Path(), json_output: JsonOption = False) -> None:
    """How many people each register holds (never who)."""
    with workspace_at(workspace) as ws:
        counts = dict(sorted(count_opt_outs(ws.engine).items()))
    if json_output:
        emit_json({"opt_outs": counts})
        return
    for scheme, n in counts.items():
        out.print(f"{scheme}: {n:,}")


TableArgument = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, help="A CSV file of counts, a row per cell.")
]
ByOption = Annotated[list[str], typer.Option("--by", help="A dimension column (repeat).")]
PresetOption = Annotated[
    str,
    typer.Option(
        callback=one_of(lambda: PRESETS),
        help="hes: 1-7 hidden, others rounded to 5; tre: 1-9 hidden.",
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Write the protected table (cells, then totals) as CSV."),
]


@handle_errors
def protect_table(
    table: TableArgument,
    by: ByOption,
    count_column: Annotated[str, typer.Option("--count", help="The column of counts.")] = "count",
    preset: PresetOption = "hes",
    out_file: OutOption = None,
    force: ForceOption = False,
    json_output: JsonOption = False,
) -> None:
    """Make a table of counts safe to publish: suppress, suppress again, round."""
    if out_file is not None:
        check_output(out_file, force=force)
    result = protect_csv(table, by, count_column, PRESETS[preset])
    if out_file is not None:
        _write(result, count_column, out_file)
    if json_output:
        emit_json({"preset": preset, "dimensions": list(result.dimensions),
                   "cells": len(result.cells), "hidden_cells": result.hidden_cells,
                   "rows": [_row(p.key, p.count, p.hidden, result) for p in
                            (*result.cells, *result.totals)]})  # fmt: skip
        return
    shown = Table(show_edge=False, pad_edge=False)
    for heading in (*result.dimensions, count_column, "hidden"):
        shown.add_column(heading)
    for p in (*result.cells, *result.totals):
        shown.add_row(*("(all)" if v is None else str(v) for v in p.key),
                      "*" if p.count is None else str(p.count), p.hidden or "")  # fmt: skip
    out.print(shown)


def _row(key: tuple[object, ...], n: int | None, hidden: str | None,
         result: Protected) -> dict[str, object]:  # fmt: skip
    return {**dict(zip(result.dimensions, key, strict=True)), "count": n, "hidden": hidden}


def _write(result: Protected, count_column: str, path: Path) -> None:
    with private_output(path) as partial, partial.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*result.dimensions, count_column])
        for p in (*result.cells, *result.totals):
            writer.writerow([*("(all)" if v is None else v for v in p.key),
                             "*" if p.count is None else p.count])  # fmt: skip
