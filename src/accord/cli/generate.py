"""``accord generate``: synthetic populations and their organisations' legacy extracts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli.common import JsonOption, emit_json, handle_errors, out, progress_bar
from accord.scenarios import SCENARIOS
from accord.scenarios import generate as generate_scenario


@handle_errors
def generate(
    scenario: Annotated[str, typer.Argument(help=f"One of: {', '.join(SCENARIOS)}.")],
    people: Annotated[int, typer.Option(min=0, help="How many people to generate.")] = 1000,
    output: Annotated[
        Path, typer.Option("--out", "-o", help="Directory to write the extracts into.")
    ] = Path("scenario"),
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same files.")] = 0,
    json_output: JsonOption = False,
) -> None:
    """Generate a synthetic population and each organisation's extract, with the truth."""
    with progress_bar(quiet=json_output) as update:
        result = generate_scenario(
            scenario, people, output, seed=seed, progress=lambda p, d, t: update(p, d, t)
        )
    if json_output:
        emit_json({"scenario": result.scenario, "seed": result.seed, "people": result.people,
                   "out": str(result.out), "records": dict(result.records),
                   "files": [str(f) for f in result.files]})  # fmt: skip
        return
    out.print(f"Generated {result.people:,} people for [bold]{scenario}[/] in {result.out}")
    for org, count in result.records.items():
        out.print(f"  {org}: {count:,} records")
