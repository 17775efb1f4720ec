"""``accord quality``: assess a dataset's newest snapshot, score it and award its kitemark."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from accord.catalog import assess_quality
from accord.cli.common import (
    MAX_VERSION,
    JsonOption,
    WorkspaceOption,
    emit_json,
    handle_errors,
    out,
    workspace_at,
)
from accord.quality import Assessment, Dimension, assessments, load_checklist, write_report
from accord.store import check_output


@handle_errors
def quality(
    dataset: Annotated[str, typer.Argument(help="The dataset.")],
    checklist: Annotated[
        Path | None,
        typer.Option(help="A YAML checklist (default: the checks for the dataset's fields)."),
    ] = None,
    version: Annotated[
        int | None,
        typer.Option(
            "--version", "-v", min=1, max=MAX_VERSION, help="A snapshot version (default: newest)."
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Write report.json and report.html (with sample rows) to this folder."),
    ] = None,
    samples: Annotated[
        int, typer.Option(min=0, max=1000, help="Failing rows per check shown in the report.")
    ] = 5,
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Run quality checks over a dataset's snapshot; print its kitemark and dimension scores.

    The default checklist judges timeliness by the update frequency the dataset's
    catalogue description declares, and accuracy by the workspace's postcode reference
    list (setting quality_postcode_reference), where there are.
    """
    if report is not None:
        check_output(report, directory=True)
    chosen = load_checklist(checklist) if checklist else None
    with workspace_at(workspace) as ws:
        result = assess_quality(ws, dataset, chosen, version=version,
                                samples=samples if report else 0)  # fmt: skip
        html = None
        if report is not None:
            html = write_report(result, assessments(ws.engine, dataset), report)[1]
    if json_output:
        emit_json(result.as_json())
    else:
        render(result, html)


def render(result: Assessment, html: Path | None) -> None:
    out.print(
        Text.assemble(
            (result.dataset, "bold"),
            f" v{result.version}: kitemark ",
            (result.kitemark.label, "bold"),
        )
    )
    scores = Table(show_edge=False, pad_edge=False)
    for d in Dimension:
        scores.add_column(d.value, justify="right")
    shown = [result.scores.get(d) for d in Dimension]
    scores.add_row(*("–" if s is None else f"{s:.1f}" for s in shown))
    out.print(scores)
    for d, why in result.reasons.items():
        out.print(f"{d.value} not scored: {why}")
    failing = [c for c in result.checks if c.failed]
    if failing:
        table = Table(show_edge=False, pad_edge=False, title="checks with failures")
        for heading in ("check", "dimension", "field", "failed", "of"):
            table.add_column(heading)
        for c in failing:
            table.add_row(c.type, c.dimension.value, c.field or "", f"{c.failed:,}",
                          f"{c.total:,}")  # fmt: skip
        out.print(table)
    if html is not None:
        out.print(f"HTML report: {html}")
