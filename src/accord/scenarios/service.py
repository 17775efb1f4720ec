"""``generate``: one call writes a scenario's population, truth and extracts.

The loop streams: each person is drawn, written to ``population.csv``, then
offered to each organisation, whose own seeded stream decides whether it holds a
record and how that record is wrong.  Because every organisation draws from its
own stream, ``gp.csv`` for a seed is the same whichever other organisations are
generated alongside it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import date
from pathlib import Path

from accord.scenarios.corruption import Corrupter
from accord.scenarios.errors import InvalidPopulationSize, UnknownOrganisation, UnknownScenario
from accord.scenarios.extracts import WRITERS, PopulationWriter, TruthWriter
from accord.scenarios.models import ErrorRates, GenerationResult, Person
from accord.scenarios.population import Population

SCENARIOS: tuple[str, ...] = ("gp-hospital-council",)
ORGANISATIONS: dict[str, tuple[str, ...]] = {
    "gp-hospital-council": ("gp", "hospital", "council"),
}
PROGRESS_EVERY = 10_000

Progress = Callable[[str, int, int], None]


def generate(
    scenario: str,
    people: int,
    out: Path,
    seed: int = 0,
    organisations: Sequence[str] | None = None,
    rates: ErrorRates | None = None,
    progress: Progress | None = None,
    *,
    as_of: date | None = None,
) -> GenerationResult:
    """Write ``people`` synthetic people and each organisation's extract into ``out``.

    ``as_of`` is "today" for the scenario (no one is born after it, admissions are
    before it); pass it to get identical files on different days.  ``progress`` is
    called as ``progress("people", done, total)`` every 10,000 people and at the end.
    """
    chosen = _organisations(scenario, organisations)
    if people < 0:
        raise InvalidPopulationSize(people)
    rates = rates or ErrorRates()
    as_of = as_of or date.today()
    out.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        truth = stack.enter_context(TruthWriter(out))
        population = stack.enter_context(PopulationWriter(out))
        extracts = [_Extract(stack, name, out, seed, rates, as_of) for name in chosen]
        done = 0
        for person in Population(seed, rates, as_of).people(people):
            population.write(person)
            for extract in extracts:
                record_id = extract.offer(person)
                if record_id is not None:
                    truth.write(extract.writer.organisation, record_id, person.person_id)
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress("people", done, people)
    if progress is not None and (done == 0 or done % PROGRESS_EVERY != 0):
        progress("people", done, people)
    files = [population.path, truth.path]
    for extract in extracts:
        files += [extract.writer.path, extract.writer.mapping_path]
    records = {e.writer.organisation: e.writer.count for e in extracts}
    return GenerationResult(scenario, seed, people, out, tuple(files), records)


class _Extract:
    """One organisation's part of a run: who it covers, how it errs, where it writes."""

    def __init__(
        self, stack: ExitStack, name: str, out: Path, seed: int, rates: ErrorRates, as_of: date
    ) -> None:
        # Seeded for reproducibility, not security.
        self._rng = random.Random(f"accord.{name}:{seed}")  # noqa: S311
        self._coverage: float = getattr(rates, f"{name}_coverage")
        self._corrupter = Corrupter(name, rates, self._rng, as_of)
        self.writer = stack.enter_context(WRITERS[name](out, self._rng, as_of))

    def offer(self, person: Person) -> str | None:
        """The id of the record written for ``person``, or None if it has none here."""
        if self._rng.random() >= self._coverage:
            return None
        return self.writer.write(self._corrupter.record(person))


def _organisations(scenario: str, requested: Sequence[str] | None) -> tuple[str, ...]:
    if scenario not in ORGANISATIONS:
        raise UnknownScenario(scenario, SCENARIOS)
    available = ORGANISATIONS[scenario]
    if requested is None:
        return available
    if isinstance(requested, str):
        # A bare "gp" would otherwise be read as the organisations "g" and "p".
        requested = (requested,)
    for name in requested:
        if name not in available:
            raise UnknownOrganisation(name, available)
    return tuple(name for name in available if name in requested)
