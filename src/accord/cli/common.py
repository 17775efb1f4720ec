"""What every command shares: the workspace option, ``--json``, output and errors.

Commands parse arguments, call a context's public API and render the result; they hold
no logic of their own. Progress and messages go to stderr so that ``--json`` output on
stdout stays one clean JSON document.
"""

from __future__ import annotations

import functools
import json
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from accord.agreements import AgreementError
from accord.audit import AuditError
from accord.catalog import CatalogError
from accord.linkage import LinkageError
from accord.people import PeopleError
from accord.privacy import PrivacyError
from accord.quality import QualityError
from accord.scenarios import ScenarioError
from accord.sources import SourceError
from accord.store import StoreError, Workspace, open_workspace

P = ParamSpec("P")
R = TypeVar("R")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

WorkspaceOption = Annotated[
    Path,
    typer.Option(
        "--workspace",
        "-w",
        envvar="ACCORD_WORKSPACE",
        help="The node workspace (made by 'accord init').",
        file_okay=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object on stdout instead of tables.")
]

ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace an output file that already exists.")
]

# A member of staff reading or changing personal data says in which role and why; both
# are recorded in the audit log. Asked for at a terminal, refused when missing otherwise.
RoleOption = Annotated[
    str | None,
    typer.Option("--as-role", help="Your role (e.g. 'data steward'; never your name), for "
                 "the audit log. Asked for at a terminal if missing."),
]  # fmt: skip
WhyOption = Annotated[
    str | None,
    typer.Option("--reason", help="Why you need this, for the audit log (the person may "
                 "read it). Asked for at a terminal if missing."),
]  # fmt: skip


def staff_act(role: str | None, reason: str | None) -> tuple[str, str]:
    """``--as-role`` and ``--reason``, asked for when missing and stdin is a terminal."""
    given = {"--as-role": role, "--reason": reason}
    for option, value in given.items():
        if value is None or not value.strip():
            if not sys.stdin.isatty():
                raise typer.BadParameter(
                    "required: this reads or changes personal data, and the audit log "
                    "records who (by role, never a name) and why",
                    param_hint=option,
                )
            question = "Your role (not your name)" if option == "--as-role" else "Reason"
            given[option] = typer.prompt(question)
    return str(given["--as-role"]), str(given["--reason"])


EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    PeopleError,
    SourceError,
    StoreError,
    ScenarioError,
    LinkageError,
    PrivacyError,
    QualityError,
    AuditError,
    AgreementError,
    CatalogError,
)


def handle_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn an expected error into one clear message on stderr and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except EXPECTED_ERRORS as exc:
            for line in str(exc).splitlines() or [type(exc).__name__]:
                err.print(f"[bold red]error:[/] {line}", highlight=False, markup=True)
            raise typer.Exit(2) from exc

    return wrapper


def one_of(choices: Callable[[], Iterable[str]]) -> Callable[[str], str]:
    """An option callback refusing a name not in a registry (read when the option is
    parsed, so what a plugin registered counts)."""

    def check(name: str) -> str:
        known = list(choices())  # in the order the registry lists them
        if name not in known:
            raise typer.BadParameter(f"{name!r}: choose one of {', '.join(known)}")
        return name

    return check


def workspace_at(path: Path) -> Workspace:
    return open_workspace(path)


def emit_json(document: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json.dumps(document, indent=2, default=str, ensure_ascii=False) + "\n")


@contextmanager
def progress_bar(quiet: bool = False) -> Iterator[Callable[[str, int, int | None], None]]:
    """A Rich progress display on stderr; yields ``update(phase, done, total)``."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    )
    tasks: dict[str, Any] = {}
    lock = threading.Lock()

    def owner(phase: str) -> str | None:
        """``left`` of ``left read``: phases of one party (the two providers of a link
        work at the same time) follow each other; a phase of no party follows all."""
        return phase.split(" ", 1)[0] if " " in phase else None

    def update(phase: str, done: int, total: int | None) -> None:
        with lock:
            if phase not in tasks:
                for name, other in tasks.items():
                    if owner(phase) in (None, owner(name)):
                        progress.update(other, completed=progress.tasks[other].total or 0)
                tasks[phase] = progress.add_task(phase, total=total)
            progress.update(tasks[phase], completed=done, total=total)

    with progress:
        yield update


def as_of_date(text: str | None) -> date | None:
    """``--as-of`` as a date; None (today) when not given."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"--as-of {text!r} is not a date like 2026-11-22") from exc
