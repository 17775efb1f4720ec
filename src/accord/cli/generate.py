"""``accord generate`` and ``accord evaluate``: synthetic populations, and scoring links
against their truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from accord.cli.common import MAX_WHOLE, JsonOption, emit_json, handle_errors, out, progress_bar
from accord.scenarios import SCENARIOS, score_pairs
from accord.scenarios import generate as generate_scenario
from accord.store import check_output


@handle_errors
def generate(
    scenario: Annotated[str, typer.Argument(help=f"One of: {', '.join(SCENARIOS)}.")],
    people: Annotated[
        int, typer.Option(min=0, max=10_000_000, help="How many people to generate.")
    ] = 1000,
    output: Annotated[
        Path, typer.Option("--out", "-o", help="Directory to write the extracts into.")
    ] = Path("scenario"),
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_WHOLE, help="Random seed: the same seed, the same files.")
    ] = 0,
    json_output: JsonOption = False,
) -> None:
    """Generate a synthetic population and each organisation's extract, with the truth."""
    check_output(output, directory=True)
    with progress_bar(quiet=json_output) as update:
        result = generate_scenario(
            scenario, people, output, seed=seed, progress=lambda p, d, t: update(p, d, t)
        )
    if json_output:
        emit_json({"scenario": result.scenario, "seed": result.seed, "people": result.people,
                   "out": str(result.out), "records": dict(result.records),
                   "files": [str(f) for f in result.files]})  # fmt: skip
        return
    out.print(Text.assemble(f"Generated {result.people:,} people for ", (scenario, "bold"),
                            f" in {result.out}"))  # fmt: skip
    for org, count in result.records.items():
        out.print(f"  {org}: {count:,} records")


@handle_errors
def evaluate(
    pairs: Annotated[Path, typer.Argument(help="Pairs as 'accord link' writes them.")],
    truth: Annotated[Path, typer.Option(help="The scenario's truth.csv.")],
    left: Annotated[str, typer.Option(help="The organisation of left_id (e.g. gp).")],
    right: Annotated[str, typer.Option(help="The organisation of right_id (e.g. hospital).")],
    json_output: JsonOption = False,
) -> None:
    """Score linked PAIRS against a generated scenario's truth: precision, recall, F1."""
    scores = score_pairs(pairs, truth, left, right)
    if json_output:
        emit_json(scores.to_json())
        return
    out.print(f"{scores.found:,} pairs linked, {scores.true:,} true pairs, "
              f"{scores.correct:,} correct")  # fmt: skip
    out.print(f"precision {scores.precision:.4f}  recall {scores.recall:.4f}  "
              f"F1 {scores.f1:.4f}")  # fmt: skip
